"""HR imports: departments, employees, holidays and opening balances.

Each resource: a good file imports; a bad row is reported by row and column and the file writes
nothing; another tenant's names and numbers are never found; FK lookups are cached, so the number
of queries does not grow with the file's lookups.
"""

import datetime
from decimal import Decimal
from io import BytesIO
from pathlib import Path

import pytest
import tablib
from django.conf import settings
from django.db import connection, reset_queries
from django.test.utils import CaptureQueriesContext
from import_export.formats.base_formats import CSV, XLSX
from openpyxl import Workbook

from people.models import (
    Department,
    Employee,
    EmployeeStatus,
    EmploymentType,
    Holiday,
    LedgerEntryKind,
    TimeOffLedgerEntry,
)
from people.resources import (
    DepartmentResource,
    EmployeeResource,
    HolidayResource,
    OpeningBalanceResource,
)
from people.tenancy import tenant_context
from tests.people.factories import DepartmentFactory, EmployeeFactory, TimeOffTypeFactory, grant

pytestmark = pytest.mark.django_db

SAMPLES = Path(settings.BASE_DIR) / "fixtures" / "people"

DEPARTMENT_HEADERS = ("name", "parent", "cost_center", "head")
EMPLOYEE_HEADERS = (
    "employee_number",
    "first_name",
    "last_name",
    "work_email",
    "phone",
    "job_title",
    "department",
    "manager",
    "employment_type",
    "status",
    "hire_date",
    "termination_date",
    "location",
    "emergency_contact_name",
    "emergency_contact_phone",
)
BALANCE_HEADERS = ("employee", "time_off_type", "days", "effective_date", "note")


# --- helpers ----------------------------------------------------------------------------------
def dataset(headers, *rows):
    return tablib.Dataset(*rows, headers=list(headers))


def employee_row(number, first, last, *, department="", manager="", **extra):
    values = {
        "employee_number": number,
        "first_name": first,
        "last_name": last,
        "work_email": f"{first}.{last}@example.com".lower(),
        "hire_date": "2024-01-15",
        "department": department,
        "manager": manager,
        **extra,
    }
    return [values.get(header, "") for header in EMPLOYEE_HEADERS]


def xlsx_dataset(headers, *rows):
    """A dataset read the way the admin reads an uploaded XLSX file (dates as date cells)."""
    book = Workbook()
    sheet = book.active
    sheet.append(list(headers))
    for row in rows:
        sheet.append(list(row))
    buffer = BytesIO()
    book.save(buffer)
    return XLSX().create_dataset(buffer.getvalue())


def sample(name):
    return CSV(encoding="utf-8").create_dataset((SAMPLES / name).read_text(encoding="utf-8"))


def errors_by_row(result):
    """{row number: {column: [messages]}} for invalid rows, plus {"row": [...]} for row errors."""
    errors = {row.number: dict(row.error_dict) for row in result.invalid_rows}
    for number, row_errors in result.row_errors():
        errors.setdefault(number, {})["row"] = [str(error.error) for error in row_errors]
    return errors


def assert_clean(result):
    assert not result.has_errors(), [(n, [str(e.error) for e in errs]) for n, errs in result.row_errors()]
    assert not result.has_validation_errors(), errors_by_row(result)


def count_in(tenant, model, **filters):
    with tenant_context(tenant):
        return model.objects.filter(**filters).count()


# --- sample files -----------------------------------------------------------------------------
def test_the_sample_files_import_into_an_empty_tenant(tenant_a):
    with tenant_context(tenant_a):
        TimeOffTypeFactory(name="Vacation")
        TimeOffTypeFactory(name="Overtime compensation", yearly_allowance=Decimal("0"))
    steps = [
        (DepartmentResource, "departments.csv", Department, 6),
        (EmployeeResource, "employees.csv", Employee, 10),
        (HolidayResource, "holidays.csv", Holiday, 9),
        (OpeningBalanceResource, "opening_balances.csv", TimeOffLedgerEntry, 12),
    ]
    for resource_class, file_name, model, rows in steps:
        preview = resource_class(tenant=tenant_a).import_data(sample(file_name), dry_run=True)
        assert_clean(preview)
        assert preview.totals["new"] == rows
        assert count_in(tenant_a, model) == 0, f"the dry run of {file_name} wrote rows"
        result = resource_class(tenant=tenant_a).import_data(sample(file_name))
        assert_clean(result)
        assert count_in(tenant_a, model) == rows

    with tenant_context(tenant_a):
        assert Department.objects.get(name="People").parent.name == "Operations"  # named further down
        managers = dict(Employee.objects.values_list("employee_number", "manager__employee_number"))
        assert managers["E00001"] is None
        assert managers["E00005"] == "E00010"  # named further down
        assert managers["E00008"] == "E00009"
        assert managers["E00004"] == "E00003"
        assert Employee.objects.get(employee_number="E00008").status == EmployeeStatus.ON_LEAVE
        assert Holiday.objects.get(date=datetime.date(2026, 10, 3)).name == "German Unity Day"
        assert set(TimeOffLedgerEntry.objects.values_list("kind", flat=True)) == {
            LedgerEntryKind.OPENING_BALANCE
        }
        assert TimeOffLedgerEntry.objects.get(
            employee__employee_number="E00002", time_off_type__name="Vacation"
        ).amount == Decimal("8.5")


# --- departments ------------------------------------------------------------------------------
def test_department_parents_may_come_later_in_the_file_and_show_in_the_preview(tenant_a):
    file = dataset(
        DEPARTMENT_HEADERS,
        ["Platform", "Engineering", "CC-110", ""],
        ["Engineering", "", "CC-100", ""],
    )
    preview = DepartmentResource(tenant=tenant_a).import_data(file, dry_run=True)
    assert_clean(preview)
    assert "Engineering" in "".join(preview.rows[0].diff)  # the link set after the last row
    result = DepartmentResource(tenant=tenant_a).import_data(file)
    assert_clean(result)
    with tenant_context(tenant_a):
        platform = Department.objects.select_related("parent").get(name="Platform")
        assert (platform.parent.name, platform.cost_center) == ("Engineering", "CC-110")
        # The link is a second save of the row: both are in its history.
        assert platform.history.count() == 2


def test_department_reimport_updates_by_name_and_skips_unchanged_rows(tenant_a):
    with tenant_context(tenant_a):
        engineering = DepartmentFactory(name="Engineering", cost_center="CC-1")
        DepartmentFactory(name="Platform", parent=engineering, cost_center="CC-2")
        head = EmployeeFactory(employee_number="E00042")
    result = DepartmentResource(tenant=tenant_a).import_data(
        dataset(
            DEPARTMENT_HEADERS, ["Engineering", "", "CC-9", "E00042"], ["Platform", "Engineering", "CC-2", ""]
        )
    )
    assert_clean(result)
    assert (result.totals["update"], result.totals["skip"]) == (1, 1)
    with tenant_context(tenant_a):
        engineering.refresh_from_db()
        assert (engineering.cost_center, engineering.head_id) == ("CC-9", head.pk)
        assert Department.objects.count() == 2


def test_department_unknown_parent_cycles_and_duplicates_are_row_errors_and_write_nothing(tenant_a):
    with tenant_context(tenant_a):
        DepartmentFactory(name="Existing")
    result = DepartmentResource(tenant=tenant_a).import_data(
        dataset(
            DEPARTMENT_HEADERS,
            ["Good", "Existing", "", ""],
            ["Orphan", "Nowhere", "", ""],
            ["Chicken", "Egg", "", ""],
            ["Egg", "Chicken", "", ""],
            ["Narcissus", "Narcissus", "", ""],
            ["Good", "", "", ""],
            ["Headless", "", "", "E99999"],
        )
    )
    assert result.has_validation_errors()
    errors = errors_by_row(result)
    assert set(errors) == {2, 3, 5, 6, 7}
    assert errors[2] == {"parent": ["Column parent: no department named 'Nowhere' in this company or file."]}
    # Chicken (row 3) names Egg further down; Egg's own row links back: the later link is refused.
    assert "cycle" in errors[3]["parent"][0] and errors[3]["parent"][0].startswith("Column parent:")
    assert "own parent" in errors[5]["parent"][0]
    assert errors[6] == {
        "name": ["Column name: Good is also on row 1 of this file; each may appear only once."]
    }
    assert errors[7] == {"head": ["Column head: no employee with number 'E99999' in this company."]}
    with tenant_context(tenant_a):
        assert list(Department.objects.values_list("name", flat=True)) == ["Existing"]


def test_a_department_file_cannot_make_a_cycle_with_stored_departments(tenant_a):
    with tenant_context(tenant_a):
        top = DepartmentFactory(name="Top")
        middle = DepartmentFactory(name="Middle", parent=top)
        DepartmentFactory(name="Bottom", parent=middle)
    result = DepartmentResource(tenant=tenant_a).import_data(
        dataset(DEPARTMENT_HEADERS, ["Top", "Bottom", "", ""])
    )
    assert "cycle" in errors_by_row(result)[1]["parent"][0]
    with tenant_context(tenant_a):
        assert Department.objects.get(name="Top").parent is None


def test_another_tenants_departments_and_employees_are_not_found(tenant_a, tenant_b):
    with tenant_context(tenant_b):
        DepartmentFactory(name="B only")
        EmployeeFactory(employee_number="B-001")
    result = DepartmentResource(tenant=tenant_a).import_data(
        dataset(DEPARTMENT_HEADERS, ["Mine", "B only", "", ""], ["Also mine", "", "", "B-001"])
    )
    errors = errors_by_row(result)
    assert errors[1] == {"parent": ["Column parent: no department named 'B only' in this company or file."]}
    assert errors[2] == {"head": ["Column head: no employee with number 'B-001' in this company."]}
    assert count_in(tenant_a, Department) == 0
    with tenant_context(tenant_b):
        assert Department.objects.count() == 1


def test_a_department_name_of_another_tenant_is_a_new_department_here(tenant_a, tenant_b):
    with tenant_context(tenant_b):
        DepartmentFactory(name="Sales", cost_center="B-CC")
    assert_clean(
        DepartmentResource(tenant=tenant_a).import_data(
            dataset(DEPARTMENT_HEADERS, ["Sales", "", "A-CC", ""])
        )
    )
    with tenant_context(tenant_b):
        assert Department.objects.get(name="Sales").cost_center == "B-CC"
    with tenant_context(tenant_a):
        assert Department.objects.get(name="Sales").cost_center == "A-CC"


# --- employees --------------------------------------------------------------------------------
@pytest.fixture
def departments_a(tenant_a):
    with tenant_context(tenant_a):
        return {name: DepartmentFactory(name=name) for name in ("Engineering", "Sales")}


def test_employees_import_with_managers_in_the_database_and_later_in_the_file(tenant_a, departments_a):
    with tenant_context(tenant_a):
        boss = EmployeeFactory(employee_number="E00007", first_name="Stored", last_name="Boss")
    file = dataset(
        EMPLOYEE_HEADERS,
        employee_row("E00010", "Ann", "Lee", department="Engineering", manager="E00011", status="On leave"),
        employee_row(
            "E00011", "Ben", "Ode", department="Engineering", manager="E00007", employment_type="Part-time"
        ),
        employee_row("", "Cy", "New", department="Sales", manager="E00010", hire_date="2025-02-01"),
        employee_row(
            "E00012",
            "Dee",
            "Gone",
            status="terminated",
            hire_date="2020-01-01",
            termination_date="2025-12-31",
            phone="+49 30 1234",
        ),
    )
    result = EmployeeResource(tenant=tenant_a).import_data(file)
    assert_clean(result)
    assert result.totals["new"] == 4
    with tenant_context(tenant_a):
        people = {e.last_name: e for e in Employee.objects.select_related("manager", "department")}
    assert people["Lee"].manager.employee_number == "E00011"  # a later row
    assert people["Ode"].manager == boss  # already stored
    assert people["New"].manager == people["Lee"]  # an earlier row
    assert people["New"].employee_number == "E00013"  # after the highest number in the database and file
    assert (people["Lee"].status, people["Ode"].employment_type) == (
        EmployeeStatus.ON_LEAVE,
        EmploymentType.PART_TIME,
    )
    assert people["Lee"].department == departments_a["Engineering"]
    assert people["Gone"].termination_date == datetime.date(2025, 12, 31)
    assert people["Gone"].phone == "+49 30 1234"


def test_employee_reimport_is_idempotent_and_blank_choices_keep_the_stored_value(tenant_a, departments_a):
    file = dataset(
        EMPLOYEE_HEADERS,
        employee_row("E1", "Ann", "Lee", department="Engineering", manager="E2", status="on_leave"),
        employee_row("E2", "Ben", "Ode", department="Engineering"),
    )
    assert_clean(EmployeeResource(tenant=tenant_a).import_data(file))
    again = EmployeeResource(tenant=tenant_a).import_data(file)
    assert_clean(again)
    assert again.totals["skip"] == 2 and again.totals["new"] == again.totals["update"] == 0
    blank_status = dataset(
        EMPLOYEE_HEADERS, employee_row("E1", "Ann", "Lee", department="Engineering", manager="E2")
    )
    assert_clean(EmployeeResource(tenant=tenant_a).import_data(blank_status))
    with tenant_context(tenant_a):
        assert Employee.objects.get(employee_number="E1").status == EmployeeStatus.ON_LEAVE
        assert Employee.objects.count() == 2


def test_employee_rows_read_xlsx_date_cells_and_number_cells(tenant_a, departments_a):
    row = employee_row(1001, "Xl", "Sheet", department="Engineering")
    row[EMPLOYEE_HEADERS.index("hire_date")] = datetime.datetime(2023, 5, 2)
    result = EmployeeResource(tenant=tenant_a).import_data(xlsx_dataset(EMPLOYEE_HEADERS, row))
    assert_clean(result)
    with tenant_context(tenant_a):
        employee = Employee.objects.get()
    assert (employee.employee_number, employee.hire_date) == ("1001", datetime.date(2023, 5, 2))


def test_bad_employee_rows_are_reported_by_row_and_column_and_write_nothing(tenant_a, departments_a):
    with tenant_context(tenant_a):
        EmployeeFactory(employee_number="E00001", work_email="taken@example.com")
    result = EmployeeResource(tenant=tenant_a).import_data(
        dataset(
            EMPLOYEE_HEADERS,
            employee_row("E2", "Good", "Row", department="Engineering"),
            employee_row("E3", "No", "Dept", department="Marketing"),
            employee_row("E4", "No", "Boss", manager="E404"),
            employee_row("E5", "Bad", "Date", hire_date="02/01/2024"),
            employee_row("E6", "Bad", "Status", status="retired"),
            employee_row("E7", "Early", "Leaver", hire_date="2024-05-01", termination_date="2024-04-30"),
            employee_row("E8", "Taken", "Mail", work_email="TAKEN@example.com"),
            employee_row("E2", "Twice", "Listed"),
            employee_row("E9", "", "Nameless", work_email="nameless@example.com"),
        )
    )
    assert result.has_validation_errors()
    errors = errors_by_row(result)
    assert set(errors) == {2, 3, 4, 5, 6, 7, 8, 9}
    assert errors[2] == {
        "department": ["Column department: no department named 'Marketing' in this company; import it first."]
    }
    assert errors[3] == {
        "manager": ["Column manager: no employee with number 'E404' in this company or file."]
    }
    assert errors[4] == {
        "hire_date": [
            "Column hire_date: '02/01/2024' is not a date; write it as YYYY-MM-DD (e.g. 2026-01-31)."
        ]
    }
    assert errors[5]["status"][0].startswith(
        "Column status: 'retired' is not one of: active, on_leave, terminated"
    )
    assert (
        list(errors[6]) == ["termination_date"] and "before the hire date" in errors[6]["termination_date"][0]
    )
    assert errors[7] == {
        "work_email": ["Column work_email: taken@example.com is already the work e-mail of employee E00001."]
    }
    assert errors[8] == {
        "employee_number": [
            "Column employee_number: E2 is also on row 1 of this file; each may appear only once."
        ]
    }
    assert errors[9] == {"first_name": ["Column first_name: This field cannot be blank."]}
    with tenant_context(tenant_a):
        assert list(Employee.objects.values_list("employee_number", flat=True)) == ["E00001"]


def test_manager_cycles_are_refused(tenant_a):
    with tenant_context(tenant_a):
        top = EmployeeFactory(employee_number="T1")
        EmployeeFactory(employee_number="T2", manager=top)
    in_file = EmployeeResource(tenant=tenant_a).import_data(
        dataset(
            EMPLOYEE_HEADERS,
            employee_row("A1", "Al", "Pha", manager="A2"),
            employee_row("A2", "Be", "Ta", manager="A1"),
        )
    )
    assert "cycle" in errors_by_row(in_file)[1]["manager"][0]
    with_stored = EmployeeResource(tenant=tenant_a).import_data(
        dataset(EMPLOYEE_HEADERS, employee_row("T1", "To", "Pp", manager="T2"))
    )
    assert "cycle" in errors_by_row(with_stored)[1]["manager"][0]
    self_managed = EmployeeResource(tenant=tenant_a).import_data(
        dataset(EMPLOYEE_HEADERS, employee_row("S1", "Se", "Lf", manager="S1"))
    )
    assert "own manager" in errors_by_row(self_managed)[1]["manager"][0]
    with tenant_context(tenant_a):
        assert set(Employee.objects.values_list("employee_number", flat=True)) == {"T1", "T2"}
        assert Employee.objects.get(employee_number="T1").manager is None


def test_a_manager_on_a_failed_earlier_row_names_that_row(tenant_a):
    result = EmployeeResource(tenant=tenant_a).import_data(
        dataset(
            EMPLOYEE_HEADERS, employee_row("M1", "", "Blank"), employee_row("R1", "Re", "Port", manager="M1")
        )
    )
    assert errors_by_row(result)[2] == {
        "manager": [
            "Column manager: 'M1' is on row 1 of this file, which could not be imported; fix that row first."
        ]
    }


def test_another_tenants_departments_and_managers_are_not_found_by_employee_rows(tenant_a, tenant_b):
    with tenant_context(tenant_b):
        DepartmentFactory(name="B dept")
        EmployeeFactory(employee_number="B-BOSS", work_email="boss@b.example")
    result = EmployeeResource(tenant=tenant_a).import_data(
        dataset(
            EMPLOYEE_HEADERS,
            employee_row("A1", "An", "Na", department="B dept"),
            employee_row("A2", "Bo", "Bo", manager="B-BOSS"),
            employee_row("A3", "Ca", "Ca", work_email="boss@b.example"),  # e-mails are unique per tenant
        )
    )
    errors = errors_by_row(result)
    assert set(errors) == {1, 2}
    assert errors[1] == {
        "department": ["Column department: no department named 'B dept' in this company; import it first."]
    }
    assert errors[2] == {
        "manager": ["Column manager: no employee with number 'B-BOSS' in this company or file."]
    }
    assert count_in(tenant_a, Employee) == 0


def test_an_employee_number_of_another_tenant_creates_an_employee_here(tenant_a, tenant_b):
    with tenant_context(tenant_b):
        theirs = EmployeeFactory(employee_number="E00001", first_name="Theirs")
    assert_clean(
        EmployeeResource(tenant=tenant_a).import_data(
            dataset(EMPLOYEE_HEADERS, employee_row("E00001", "Ours", "Here"))
        )
    )
    with tenant_context(tenant_b):
        theirs.refresh_from_db()
        assert theirs.first_name == "Theirs"
    with tenant_context(tenant_a):
        assert Employee.objects.get().first_name == "Ours"


def employee_file(rows: int, *, forward_every: int = 0):
    """`rows` employees in 5 departments; each reports to an earlier row, and every
    `forward_every`-th row to a later one instead."""
    lines = []
    for i in range(1, rows + 1):
        manager = f"P{i // 2:05d}" if i > 1 else ""
        if forward_every and i % forward_every == 0 and i + 1 <= rows:
            manager = f"P{i + 1:05d}"
        lines.append(
            employee_row(f"P{i:05d}", f"First{i}", f"Last{i}", department=f"Dept {i % 5}", manager=manager)
        )
    return dataset(EMPLOYEE_HEADERS, *lines)


def count_queries(tenant, file):
    resource = EmployeeResource(tenant=tenant)
    reset_queries()  # the query log keeps 9,000 queries: start it empty so the count is exact
    with tenant_context(tenant), CaptureQueriesContext(connection) as queries:
        result = resource.import_data(file)
    assert_clean(result)
    sql = [q["sql"] for q in queries.captured_queries]
    return {
        "total": len(sql),
        "select": sum(s.lstrip().upper().startswith("SELECT") for s in sql),
        "department lookups": sum('FROM "people_department"' in s for s in sql),
    }


def test_a_large_employee_import_runs_no_lookup_query_per_row(tenant_a, tenant_b):
    for tenant in (tenant_a, tenant_b):
        with tenant_context(tenant):
            for n in range(5):
                DepartmentFactory(name=f"Dept {n}")
    small = count_queries(tenant_b, employee_file(30))
    large = count_queries(tenant_a, employee_file(300))
    print(f"\nemployee import queries: 30 rows {small}; 300 rows {large}")
    # The department, manager, e-mail and existing-row lookups are one query each per 500
    # values, whatever the number of rows: not one per row and column.
    assert large["department lookups"] == small["department lookups"] == 1
    assert large["select"] == small["select"] <= 8
    # What remains per row are its writes: a savepoint and its release, the INSERT and the
    # history INSERT (bulk writes are not built yet).
    assert large["total"] <= 4 * 300 + 15
    with tenant_context(tenant_a):
        assert Employee.objects.filter(manager__isnull=False).count() == 299


def test_links_to_later_rows_cost_only_their_own_cycle_check(tenant_a):
    with tenant_context(tenant_a):
        for n in range(5):
            DepartmentFactory(name=f"Dept {n}")
    forward = count_queries(tenant_a, employee_file(300, forward_every=10))
    print(f"\nemployee import queries, 29 managers further down: {forward}")
    # 29 rows name a later row: each link is checked by Employee.clean(), which climbs the
    # reporting line one SELECT per level (at most 10 levels here), then saved (UPDATE + history).
    assert forward["select"] <= 8 + 29 * 10
    assert forward["total"] <= 4 * 300 + 15 + 29 * 12
    with tenant_context(tenant_a):
        assert Employee.objects.get(employee_number="P00010").manager.employee_number == "P00011"


# --- holidays ---------------------------------------------------------------------------------
def test_holidays_import_from_csv_and_xlsx_and_update_by_date(tenant_a):
    assert_clean(
        HolidayResource(tenant=tenant_a).import_data(dataset(("date", "name"), ["2026-12-25", "Christmas"]))
    )
    result = HolidayResource(tenant=tenant_a).import_data(
        xlsx_dataset(
            ("date", "name"), [datetime.datetime(2026, 12, 25), "Christmas Day"], ["2026-12-26", "Boxing Day"]
        )
    )
    assert_clean(result)
    assert (result.totals["update"], result.totals["new"]) == (1, 1)
    with tenant_context(tenant_a):
        assert list(Holiday.objects.values_list("date", "name")) == [
            (datetime.date(2026, 12, 25), "Christmas Day"),
            (datetime.date(2026, 12, 26), "Boxing Day"),
        ]


def test_bad_holiday_rows_write_nothing(tenant_a):
    result = HolidayResource(tenant=tenant_a).import_data(
        dataset(
            ("date", "name"),
            ["2026-01-01", "New Year"],
            ["2026-13-01", "Nope"],
            ["2026-05-01", ""],
            ["2026-01-01", "Again"],
        )
    )
    errors = errors_by_row(result)
    assert errors[2] == {
        "date": ["Column date: '2026-13-01' is not a date; write it as YYYY-MM-DD (e.g. 2026-01-31)."]
    }
    assert errors[3] == {"name": ["Column name: This field cannot be blank."]}
    assert errors[4] == {
        "date": ["Column date: 2026-01-01 is also on row 1 of this file; each may appear only once."]
    }
    assert count_in(tenant_a, Holiday) == 0


def test_a_holiday_import_leaves_another_tenants_calendar_alone(tenant_a, tenant_b):
    with tenant_context(tenant_b):
        Holiday.objects.create(date=datetime.date(2026, 5, 1), name="B's May Day")
    assert_clean(
        HolidayResource(tenant=tenant_a).import_data(dataset(("date", "name"), ["2026-05-01", "Labour Day"]))
    )
    with tenant_context(tenant_b):
        assert Holiday.objects.get().name == "B's May Day"
    with tenant_context(tenant_a):
        assert Holiday.objects.get().name == "Labour Day"


# --- opening balances -------------------------------------------------------------------------
@pytest.fixture
def staff_a(tenant_a):
    with tenant_context(tenant_a):
        return {
            "ann": EmployeeFactory(employee_number="E1"),
            "ben": EmployeeFactory(employee_number="E2"),
            "vacation": TimeOffTypeFactory(name="Vacation"),
            "sick": TimeOffTypeFactory(name="Sick leave"),
        }


def balances(tenant):
    with tenant_context(tenant):
        return sorted(
            TimeOffLedgerEntry.objects.values_list(
                "employee__employee_number", "time_off_type__name", "kind", "amount", "effective_date"
            )
        )


def test_opening_balances_import_as_ledger_entries_whatever_the_file_says_about_kind(tenant_a, staff_a):
    file = dataset(
        (*BALANCE_HEADERS, "kind"),
        ["E1", "Vacation", "12.5", "2026-01-01", "From the old system", "deduction"],
        ["E2", "Vacation", "10", "2026-01-01", "", "expiry"],
        ["E2", "Sick leave", "2,5", "2026-01-01", "", ""],
    )
    assert_clean(OpeningBalanceResource(tenant=tenant_a).import_data(file))
    jan1, opening = datetime.date(2026, 1, 1), LedgerEntryKind.OPENING_BALANCE
    assert balances(tenant_a) == [
        ("E1", "Vacation", opening, Decimal("12.5"), jan1),
        ("E2", "Sick leave", opening, Decimal("2.5"), jan1),
        ("E2", "Vacation", opening, Decimal("10"), jan1),
    ]


def test_reimporting_opening_balances_doubles_nothing(tenant_a, staff_a):
    file = dataset(
        BALANCE_HEADERS, ["E1", "Vacation", "12", "2026-01-01", ""], ["E2", "Vacation", "8", "2026-01-01", ""]
    )
    assert_clean(OpeningBalanceResource(tenant=tenant_a).import_data(file))
    again = OpeningBalanceResource(tenant=tenant_a).import_data(file)
    assert_clean(again)
    assert again.totals["skip"] == 2 and again.totals["new"] == 0
    # The same file as XLSX (numbers and dates as cells) is the same balances too.
    as_xlsx = xlsx_dataset(
        BALANCE_HEADERS,
        ["E1", "Vacation", 12, datetime.datetime(2026, 1, 1), ""],
        ["E2", "Vacation", 8.0, datetime.datetime(2026, 1, 1), ""],
    )
    assert OpeningBalanceResource(tenant=tenant_a).import_data(as_xlsx).totals["skip"] == 2
    assert [row[3] for row in balances(tenant_a)] == [Decimal("12"), Decimal("8")]
    # Another date is another opening balance (e.g. a later migration), not a duplicate.
    assert_clean(
        OpeningBalanceResource(tenant=tenant_a).import_data(
            dataset(BALANCE_HEADERS, ["E1", "Vacation", "1", "2026-07-01", ""])
        )
    )
    assert len(balances(tenant_a)) == 3


def test_a_changed_opening_balance_is_refused_because_the_ledger_is_never_edited(tenant_a, staff_a):
    with tenant_context(tenant_a):
        grant(staff_a["ann"], staff_a["vacation"], 12, on=datetime.date(2026, 1, 1))
    result = OpeningBalanceResource(tenant=tenant_a).import_data(
        dataset(
            BALANCE_HEADERS,
            ["E2", "Vacation", "3", "2026-01-01", ""],
            ["E1", "Vacation", "15", "2026-01-01", ""],
        )
    )
    assert errors_by_row(result) == {
        2: {
            "days": [
                "Column days: E1 already has an opening balance of 12 Vacation days on 2026-01-01, and ledger "
                "entries are never edited; record the difference (+3.0) as a manual adjustment."
            ]
        }
    }
    assert [row[3] for row in balances(tenant_a)] == [Decimal("12")]


def test_bad_opening_balance_rows_are_reported_by_column_and_write_nothing(tenant_a, tenant_b, staff_a):
    with tenant_context(tenant_b):
        EmployeeFactory(employee_number="B1")
        TimeOffTypeFactory(name="B leave")
    result = OpeningBalanceResource(tenant=tenant_a).import_data(
        dataset(
            BALANCE_HEADERS,
            ["E1", "Vacation", "5", "2026-01-01", ""],
            ["B1", "Vacation", "5", "2026-01-01", ""],
            ["E1", "B leave", "5", "2026-01-01", ""],
            ["E2", "Vacation", "many", "2026-01-01", ""],
            ["E2", "Vacation", "5", "", ""],
            ["", "Vacation", "5", "2026-01-01", ""],
            ["E2", "Sick leave", "1.25", "2026-01-01", ""],
            ["E1", "Vacation", "6", "2026-01-01", ""],
        )
    )
    errors = errors_by_row(result)
    assert errors[2] == {"employee": ["Column employee: no employee with number 'B1' in this company."]}
    assert errors[3] == {
        "time_off_type": [
            "Column time_off_type: no time-off type named 'B leave' in this company; add it under time-off types first."
        ]
    }
    assert errors[4] == {"days": ["Column days: 'many' is not a number of days (e.g. 12.5)."]}
    assert errors[5] == {"effective_date": ["Column effective_date: This field cannot be null."]}
    assert errors[6] == {"employee": ["Column employee: a value is required."]}
    assert list(errors[7]) == ["days"] and "decimal place" in errors[7]["days"][0]
    assert errors[8] == {
        "employee": [
            "Column employee, time_off_type, effective_date: E1, Vacation, 2026-01-01 is also on row 1 of this file; each may appear only once."
        ]
    }
    assert balances(tenant_a) == []


def test_an_employee_export_reimports_as_unchanged_rows_with_one_query(tenant_a, departments_a):
    with tenant_context(tenant_a):
        boss = EmployeeFactory(employee_number="E1", department=departments_a["Sales"])
        for n in range(2, 6):
            EmployeeFactory(employee_number=f"E{n}", manager=boss, department=departments_a["Engineering"])
    with CaptureQueriesContext(connection) as queries:
        exported = EmployeeResource(tenant=tenant_a).export()
    assert len(queries) == 1  # departments and managers are joined, not fetched per row
    assert exported.headers == list(EMPLOYEE_HEADERS)
    row = next(row for row in exported.dict if row["employee_number"] == "E2")
    assert (row["department"], row["manager"], row["hire_date"]) == ("Engineering", "E1", "2020-01-06")
    again = EmployeeResource(tenant=tenant_a).import_data(exported)
    assert_clean(again)
    assert again.totals["skip"] == 5


def test_a_database_error_on_one_row_writes_nothing_either(tenant_a, monkeypatch):
    """Row errors (not validation errors) roll the whole file back too."""
    from django.db import IntegrityError

    save = Employee.save

    def failing_save(self, *args, **kwargs):
        if self.first_name == "Boom":
            raise IntegrityError("simulated constraint violation")
        return save(self, *args, **kwargs)

    monkeypatch.setattr(Employee, "save", failing_save)
    result = EmployeeResource(tenant=tenant_a).import_data(
        dataset(EMPLOYEE_HEADERS, employee_row("E1", "Fine", "Row"), employee_row("E2", "Boom", "Row"))
    )
    assert result.has_errors() and not result.has_validation_errors()
    assert errors_by_row(result) == {2: {"row": ["simulated constraint violation"]}}
    assert count_in(tenant_a, Employee) == 0


def test_the_admins_import_with_the_hr_resources(client_a):
    """Departments, employees and holidays import with their resources; the ledger imports opening
    balances only, and time-off requests never come from a file."""
    from people import resources

    for model, resource in [
        ("department", resources.DepartmentResource),
        ("employee", resources.EmployeeResource),
        ("holiday", resources.HolidayResource),
        ("timeoffledgerentry", resources.OpeningBalanceResource),
    ]:
        response = client_a.get(f"/admin/people/{model}/import/")
        assert response.status_code == 200, model
        choices = [label for _index, label in response.context["form"].fields["resource"].choices]
        assert choices == [resource.get_display_name()], (model, choices)
    assert client_a.get("/admin/people/timeoffrequest/import/").status_code == 403
