"""The kernel's fast paths for large imports (people/resources/bulk.py, hr_base.py, base.py).

Each writes, refuses or reads exactly what the Django path it replaces does:
- bulk writes with history: COPY on PostgreSQL vs simple-history's bulk writes (what SQLite runs);
- ModelChecks.full_clean() vs Model.full_clean();
- the date widgets' ISO fast path vs strptime();
- where_in() (= ANY(array) on PostgreSQL) vs __in;
- TenantResource's Model() for large files vs Model().
On SQLite the COPY tests compare the Django path with itself, so they run everywhere; on
PostgreSQL they check that COPY was used.
"""

import datetime
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import signals
from django.utils import timezone
from simple_history import utils as history_utils

from people.models import Department, Employee, EmployeeStatus, EmploymentType
from people.resources import bulk
from people.resources.base import LargeFileResult
from people.resources.hr_base import IsoDateTimeWidget, IsoDateWidget, ModelChecks, where_in
from people.tenancy import tenant_context
from tests.people.factories import DepartmentFactory, EmployeeFactory

pytestmark = pytest.mark.django_db

POSTGRES = connection.vendor == "postgresql"


def employees(department, count=5):
    return [
        Employee(
            employee_number=f"E{n:03d}",
            first_name=f"First{n}",
            last_name="O'Brien" if n % 2 else "Tab\tand\nnewline \\ back",
            work_email=f"e{n}@work.example",
            phone="'+49 30 1" if n == 1 else "",
            job_title="=SUM(A1)" if n == 2 else "Engineer",
            department=department if n % 2 else None,
            employment_type=EmploymentType.FULL_TIME,
            status=EmployeeStatus.ACTIVE,
            hire_date=date(2020, 1, n + 1),
            termination_date=date(2030, 1, 1) if n == 3 else None,
            location="Zürich ✓",
        )
        for n in range(count)
    ]


FIELDS = [
    "employee_number",
    "first_name",
    "last_name",
    "work_email",
    "phone",
    "job_title",
    "employment_type",
    "status",
    "hire_date",
    "termination_date",
    "location",
    "user_id",
    "manager_id",
]


def snapshot(tenant):
    """Employees and their history rows as plain values, without ids or times."""
    with tenant_context(tenant):
        rows = sorted(
            (
                *(getattr(e, name) for name in FIELDS),
                getattr(e.department, "name", None),
                e.created_at is not None,
            )
            for e in Employee.objects.select_related("department")
        )
        pks = dict(Employee.objects.values_list("pk", "employee_number"))
        history = sorted(
            (
                pks.get(h.id),
                h.history_type,
                h.history_user_id,
                h.history_change_reason,
                h.tenant_id == tenant.pk,
                h.created_at is not None and h.updated_at is not None,
                *(getattr(h, name) for name in FIELDS),
                Department.objects.filter(pk=h.department_id).values_list("name", flat=True).first(),
            )
            for h in Employee.history.all()
        )
    return rows, history


def write_both(tenant_a, tenant_b, ours, theirs, prepare):
    """Run `prepare(tenant) -> objects` and then `ours(objects)` in tenant A, `theirs(objects)` in B."""
    results = []
    for tenant, writer in ((tenant_a, ours), (tenant_b, theirs)):
        with tenant_context(tenant):
            objs = prepare(tenant)
            results.append(writer(objs))
            assert all(obj.pk is not None for obj in objs)
    return results


def test_copy_is_used_on_postgresql_only():
    assert bulk._copy_supported(Employee, "default", create=True) is POSTGRES
    assert bulk._copy_supported(Department, "default", create=False) is POSTGRES


def test_new_rows_and_their_history_are_written_as_simple_history_writes_them(tenant_a, tenant_b, user_a):
    def prepare(tenant):
        return employees(DepartmentFactory(name="Ops"))

    write_both(
        tenant_a,
        tenant_b,
        lambda objs: bulk.bulk_create_with_history(objs, Employee, batch_size=2, default_user=user_a),
        lambda objs: history_utils.bulk_create_with_history(
            objs, Employee, batch_size=2, default_user=user_a
        ),
        prepare,
    )
    ours, theirs = snapshot(tenant_a), snapshot(tenant_b)
    assert ours == theirs
    assert len(ours[0]) == 5 and {h[1:3] for h in ours[1]} == {("+", user_a.pk)}
    with tenant_context(tenant_a):
        employee = Employee.objects.get(employee_number="E000")
        assert employee.last_name == "Tab\tand\nnewline \\ back" and employee.location == "Zürich ✓"
        assert abs(employee.created_at - timezone.now()) < datetime.timedelta(minutes=1)
        assert abs(employee.updated_at - employee.created_at) < datetime.timedelta(seconds=5)


def test_each_instance_can_name_its_own_history_user_and_reason(tenant_a, tenant_b, user_a, user_b):
    def prepare(tenant):
        objs = employees(None, 2)
        objs[0]._history_user, objs[0]._change_reason = user_b, "imported"
        return objs

    write_both(
        tenant_a,
        tenant_b,
        lambda objs: bulk.bulk_create_with_history(objs, Employee, default_user=user_a),
        lambda objs: history_utils.bulk_create_with_history(objs, Employee, default_user=user_a),
        prepare,
    )
    ours, theirs = snapshot(tenant_a), snapshot(tenant_b)
    assert ours == theirs
    assert sorted(h[2:4] for h in ours[1]) == sorted([(user_b.pk, "imported"), (user_a.pk, None)])


def test_changed_rows_and_their_history_are_written_as_simple_history_writes_them(tenant_a, tenant_b, user_a):
    def prepare(tenant):
        department = DepartmentFactory(name="Ops")
        stored = [
            EmployeeFactory(
                employee_number=f"S{n}", first_name="S", last_name="Stored", work_email=f"s{n}@work.example"
            )
            for n in range(3)
        ]
        for n, employee in enumerate(stored):
            employee.first_name = f"Renamed {n}"
            employee.department = department if n else None
            employee.termination_date = date(2031, 1, 1) if n == 2 else None
            employee.job_title = "'=1+1"
        return stored

    fields = ["first_name", "department", "termination_date", "job_title"]
    updated = write_both(
        tenant_a,
        tenant_b,
        lambda objs: bulk.bulk_update_with_history(objs, Employee, fields, batch_size=2, default_user=user_a),
        lambda objs: history_utils.bulk_update_with_history(
            objs, Employee, fields, batch_size=2, default_user=user_a
        ),
        prepare,
    )
    assert updated == [3, 3]
    ours, theirs = snapshot(tenant_a), snapshot(tenant_b)
    assert ours == theirs
    assert sorted(h[1] for h in ours[1]) == ["+", "+", "+", "~", "~", "~"]
    with tenant_context(tenant_a):
        assert Employee.objects.get(employee_number="S2").termination_date == date(2031, 1, 1)


def test_bulk_update_writes_only_the_fields_named(tenant_a, tenant_b):
    def prepare(tenant):
        stored = [
            EmployeeFactory(employee_number=f"S{n}", first_name="S", last_name="Stored", job_title="Before")
            for n in range(3)
        ]
        for employee in stored:
            employee.first_name, employee.job_title = "Changed", "Not written"
        return stored

    updated = write_both(
        tenant_a,
        tenant_b,
        lambda objs: bulk.bulk_update(objs, Employee, ["first_name"]),
        lambda objs: Employee.objects.bulk_update(objs, ["first_name"]),
        prepare,
    )
    assert updated == [3, 3]
    for tenant in (tenant_a, tenant_b):
        with tenant_context(tenant):
            assert set(Employee.objects.values_list("first_name", "job_title")) == {("Changed", "Before")}
            assert Employee.history.filter(history_type="~").count() == 0  # no history: as Django's


def test_new_rows_are_refused_in_another_tenant(tenant_a, tenant_b):
    with tenant_context(tenant_b):
        theirs = DepartmentFactory(name="Theirs")
    with tenant_context(tenant_a), pytest.raises(Exception, match="another tenant"), transaction.atomic():
        bulk.bulk_create_with_history(employees(theirs, 2), Employee)
    with tenant_context(tenant_a):
        assert Employee.objects.count() == 0


# --- model validation ------------------------------------------------------------------------------------
VALUES = {
    "first_name": ["Ada", "", "   ", None, "x" * 100, "x" * 101, 5, "a\x00b"],
    "work_email": [
        "ada@example.com",
        "ADA@Example.COM",
        "not-an-email",
        "",
        None,
        "a@" + "b" * 320,
        "a@[127.0.0.1]",
    ],
    "employment_type": [EmploymentType.FULL_TIME, "Full time", "nonsense", "", None],
    "hire_date": [date(2020, 1, 1), "2020-01-02", "2020-02-30", datetime.datetime(2020, 1, 1, 12), None, ""],
    "termination_date": [None, date(2019, 1, 1), date(2021, 1, 1), "", "soon"],
    "phone": ["", None, "+49 30 1", "1" * 41],
}


@pytest.mark.parametrize("field", sorted(VALUES))
def test_model_checks_refuse_and_convert_what_full_clean_does(tenant_a, field):
    checks = ModelChecks.of(Employee)
    assert checks is not None
    with tenant_context(tenant_a):
        for value in VALUES[field]:
            results = []
            for clean in (
                lambda e: e.full_clean(exclude={"tenant"}, validate_unique=False, validate_constraints=False),
                lambda e: checks.full_clean(
                    e, exclude={"tenant"}, validate_unique=False, validate_constraints=False
                ),
            ):
                employee = Employee(
                    first_name="Ada",
                    last_name="Lovelace",
                    work_email="ada@example.com",
                    hire_date=date(2020, 1, 1),
                )
                employee.tenant = tenant_a
                setattr(employee, field, value)
                try:
                    clean(employee)
                    errors = None
                except ValidationError as exc:
                    errors = exc.message_dict
                except Exception as exc:  # e.g. the model's clean() comparing a text with a date
                    errors = type(exc).__name__
                results.append((errors, getattr(employee, field)))
            assert results[0] == results[1], (field, value)


CANDIDATE_VALUES = {
    "cv": ["", None, "recruiting/cvs/missing.pdf"],
    "tags": [[], ["a", "b"], None, "a", [1], {"a": 1}],
    "email": ["c@example.com", "c@例え.jp", "c@[::1]", "c@localhost", "c", ""],
    "employment_status": ["actively_looking", "Actively looking", "nope", ""],
    "consent_given_at": [None, timezone.now(), datetime.datetime(2026, 1, 1), "2026-01-01 10:00", "x"],
}


@pytest.mark.parametrize("field", sorted(CANDIDATE_VALUES))
def test_model_checks_refuse_what_full_clean_refuses_for_files_lists_and_e_mails(tenant_a, field):
    from recruiting.models import Candidate

    checks = ModelChecks.of(Candidate)
    with tenant_context(tenant_a):
        for value in CANDIDATE_VALUES[field]:
            results = []
            for full_clean in (Candidate.full_clean, checks.full_clean):
                candidate = Candidate(first_name="Ada", last_name="Lovelace", email="ada@example.com")
                candidate.tenant = tenant_a
                setattr(candidate, field, value)
                try:
                    full_clean(
                        candidate, exclude={"tenant"}, validate_unique=False, validate_constraints=False
                    )
                    errors = None
                except ValidationError as exc:
                    errors = exc.message_dict
                except OSError as exc:  # the CV check opens the file
                    errors = type(exc).__name__
                results.append((errors, str(getattr(candidate, field))))
            assert results[0] == results[1], (field, value)


# --- dates -----------------------------------------------------------------------------------------------
MOMENTS = [
    "2026-10-01 09:30",
    "2026-10-01T09:30",
    "2026-10-01 09:30:15",
    "2026-10-01T09:30:15",
    "2026-10-01",
    "2026-1-1",
    "2026-10-01 9:30",
    "2026-02-30",
    "2026-02-30 10:00",
    "2026-10-01 24:00",
    "2026-10-01 23:60",
    "20261001",
    "2026-10-01 09:30:1",
    "2026-10-01 09:30Z",
    "2026-10-01 09:30+01:00",
    "２０２６-10-01",
    "2026-10-01 09:30:15.5",
    "2026-W40-1",
    "2026-10-01x09:30",
    "2026-10-01 0930",
    " 2026-10-01 09:30 ",
]


def strptime_moment(text):
    for fmt in IsoDateTimeWidget.FORMATS:
        try:
            return timezone.make_aware(datetime.datetime.strptime(text.strip(), fmt))
        except ValueError:
            continue
    return "refused"


def strptime_date(text):
    try:
        return datetime.datetime.strptime(text.strip(), "%Y-%m-%d").date()
    except ValueError:
        return "refused"


@pytest.mark.parametrize("text", MOMENTS)
def test_the_iso_fast_path_reads_dates_as_strptime_does(text):
    def read(widget):
        try:
            return widget.clean(text)
        except ValueError:
            return "refused"

    moment = IsoDateTimeWidget()
    assert read(moment) == strptime_moment(text)
    moment.begin_file()  # the time zone read once per file
    assert read(moment) == strptime_moment(text)
    assert read(IsoDateWidget()) == strptime_date(text)


# --- lookups, instances, results ----------------------------------------------------------------------
def test_where_in_finds_what_in_finds(tenant_a):
    with tenant_context(tenant_a):
        names = (
            "Ops",
            "O'Neil",
            'Say "hi"',
            "a,b",
            "{x}",
            "NULL",
            "back\\slash",
            " spaced ",
            "Zürich ✓",
            'x\\"',
        )
        for name in names:
            DepartmentFactory(name=name)
        wanted = [*names[1:], "missing", ""]
        found = set(where_in(Department.objects.all(), "name", wanted).values_list("name", flat=True))
        assert found == set(Department.objects.filter(name__in=wanted).values_list("name", flat=True))
        assert len(found) == len(names) - 1
        pks = list(Department.objects.values_list("pk", flat=True)[:3])
        assert set(where_in(Department.objects.all(), "pk", pks).values_list("pk", flat=True)) == set(pks)


def test_a_large_files_new_instance_is_the_models_new_instance(tenant_a):
    from recruiting.models import Candidate
    from recruiting.resources import CandidateResource

    resource = CandidateResource(tenant=tenant_a, large_file=True)
    first, second, plain = resource.init_instance(), resource.init_instance(), Candidate(tenant=tenant_a)
    fields = [f.attname for f in Candidate._meta.concrete_fields]
    assert [getattr(first, name) for name in fields] == [getattr(plain, name) for name in fields]
    assert first.tags == [] and first.tags is not second.tags  # a callable default, called per row
    assert first._state.adding and first._state.db == plain._state.db and first.tenant == tenant_a
    assert set(first.__dict__) == set(plain.__dict__)

    # With a post_init receiver (or pre_init), the model itself builds the instance: it sends them.
    seen = []

    def receiver(sender, instance, **kwargs):
        seen.append(instance)

    signals.post_init.connect(receiver, sender=Candidate)
    try:
        built = CandidateResource(tenant=tenant_a, large_file=True).init_instance()
    finally:
        signals.post_init.disconnect(receiver, sender=Candidate)
    assert seen == [built] and [getattr(built, name) for name in fields[1:]] == [
        getattr(plain, name) for name in fields[1:]
    ]


def test_a_large_files_result_keeps_errors_only():
    from import_export.results import Error, RowResult

    result = LargeFileResult()
    for number in (1, 2, 3):
        row = RowResult()
        row.import_type = RowResult.IMPORT_TYPE_NEW
        if number == 2:
            row.import_type = RowResult.IMPORT_TYPE_ERROR
            row.errors = [Error(ValueError("broken"), number=number)]
            result.append_error_row(number, {}, row.errors)
        result.increment_row_result_total(row)
        result.append_row_result(row)
    assert len(result.rows) == 1 and result.valid_rows() == []
    assert [number for number, _ in result.row_errors()] == [2] and result.has_errors()
    assert (result.totals["new"], result.totals["error"]) == (2, 1)
