"""The HR admins: constant query counts, search and filters, refusal of another tenant's ids, the
time-off workflow (add form, Approve / Reject / Cancel, bulk actions), the append-only ledger and
role permissions. Isolation of every admin URL is checked by tests/test_isolation_registry.py."""

from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from people.models import (
    ApprovalChain,
    Department,
    Employee,
    LedgerEntryKind,
    RequestStatus,
    TimeOffApproval,
    TimeOffLedgerEntry,
    TimeOffRequest,
)
from people.roles import Role
from people.services.timeoff import (
    approve_time_off_request,
    reject_time_off_request,
    submit_time_off_request,
)
from people.tenancy import tenant_context
from tests.conftest import login, make_member
from tests.people.factories import (
    DepartmentFactory,
    EmployeeFactory,
    HolidayFactory,
    TimeOffTypeFactory,
    UserFactory,
    grant,
)

pytestmark = pytest.mark.django_db

MON, FRI = date(2026, 3, 2), date(2026, 3, 6)  # a full working week
HR_MODELS = ["department", "employee", "holiday", "timeofftype", "timeoffledgerentry", "timeoffrequest"]


def url(model, *parts):
    return "/admin/people/" + "/".join([model, *map(str, parts)]) + "/"


def messages_of(response):
    return [(message.level_tag, str(message)) for message in get_messages(response.wsgi_request)]


def changelist_pks(response):
    assert response.status_code == 200, response.status_code
    return {obj.pk for obj in response.context["cl"].result_list}


@pytest.fixture
def org(tenant_a, user_a):
    """Tenant A: HR, a manager with a report, someone else with no manager, and staff of several
    roles; a Vacation type (manager approval) with 10 days for the report."""
    with tenant_context(tenant_a):
        hr_user = make_member(tenant_a, Role.HR, email="hr@tenant-a.test")
        boss_user = make_member(tenant_a, Role.VIEWER, email="boss@tenant-a.test")
        staff_user = make_member(tenant_a, Role.VIEWER, email="staff@tenant-a.test")
        viewer_user = make_member(tenant_a, Role.VIEWER, email="viewer@tenant-a.test")
        recruiter_user = make_member(tenant_a, Role.RECRUITER, email="recruiter@tenant-a.test")
        finance_user = make_member(tenant_a, Role.FINANCE, email="finance@tenant-a.test")
        engineering = DepartmentFactory(name="Engineering")
        sales = DepartmentFactory(name="Sales")
        boss = EmployeeFactory(
            user=boss_user, first_name="Bea", last_name="Boss", department=engineering, job_title="CTO"
        )
        staff = EmployeeFactory(
            user=staff_user, manager=boss, first_name="Sam", last_name="Staff", department=engineering
        )
        seller = EmployeeFactory(
            first_name="Sol", last_name="Seller", department=sales, job_title="Account executive"
        )
        vacation = TimeOffTypeFactory(name="Vacation", approval_chain=ApprovalChain.MANAGER)
        sick = TimeOffTypeFactory(name="Sick leave", approval_chain=ApprovalChain.HR)
        grant(staff, vacation, 10)
        grant(seller, vacation, 10)
        grant(seller, sick, 10)
    return SimpleNamespace(tenant=tenant_a, **{k: v for k, v in locals().items() if k != "tenant_a"})


def as_user(user, tenant):
    return login(Client(), user, tenant)


@pytest.fixture
def hr_client(org):
    return as_user(org.hr_user, org.tenant)


@pytest.fixture
def boss_client(org):
    return as_user(org.boss_user, org.tenant)


@pytest.fixture
def viewer_client(org):
    return as_user(org.viewer_user, org.tenant)


def submit(org, employee=None, start=MON, end=FRI, time_off_type=None):
    with tenant_context(org.tenant):
        return submit_time_off_request(
            employee_id=(employee or org.staff).pk,
            time_off_type_id=(time_off_type or org.vacation).pk,
            start_date=start,
            end_date=end,
        )


def reload(obj, tenant):
    with tenant_context(tenant):
        return type(obj).objects.get(pk=obj.pk)


@pytest.fixture
def foreign(tenant_b):
    """Tenant B's rows, to forge ids with."""
    with tenant_context(tenant_b):
        department = DepartmentFactory(name="B department")
        employee = EmployeeFactory(department=department, last_name="Bravo")
        time_off_type = TimeOffTypeFactory(name="B vacation")
        grant(employee, time_off_type, 10)
        request = submit_time_off_request(
            employee_id=employee.pk, time_off_type_id=time_off_type.pk, start_date=MON, end_date=FRI
        )
        entry = TimeOffLedgerEntry.objects.get(employee=employee)
    return SimpleNamespace(
        department=department, employee=employee, time_off_type=time_off_type, request=request, entry=entry
    )


# --- every changelist runs a constant number of queries -------------------------------------
def build_departments(n):
    for _ in range(n):
        department = DepartmentFactory(parent=DepartmentFactory())
        department.head = EmployeeFactory(department=department)
        department.save()


def build_employees(n):
    for _ in range(n):
        EmployeeFactory(department=DepartmentFactory(), manager=EmployeeFactory())


def build_holidays(n):
    HolidayFactory.create_batch(n)


def build_types(n):
    TimeOffTypeFactory.create_batch(n)


def build_ledger(n):
    for _ in range(n):
        TimeOffLedgerEntry.objects.create(
            employee=EmployeeFactory(department=DepartmentFactory()),
            time_off_type=TimeOffTypeFactory(),
            kind=LedgerEntryKind.ADJUSTMENT,
            amount=Decimal("2"),
            effective_date=MON,
            created_by=UserFactory(),
        )


def build_requests(n):
    for _ in range(n):
        employee = EmployeeFactory(department=DepartmentFactory())
        time_off_type = TimeOffTypeFactory()
        grant(employee, time_off_type, 10)
        submit_time_off_request(
            employee_id=employee.pk, time_off_type_id=time_off_type.pk, start_date=MON, end_date=FRI
        )


@pytest.mark.parametrize(
    ("model", "build", "rows"),
    [
        ("department", build_departments, 2),  # each builds a parent too
        ("employee", build_employees, 2),  # each builds a manager too
        ("holiday", build_holidays, 1),
        ("timeofftype", build_types, 1),
        ("timeoffledgerentry", build_ledger, 1),
        ("timeoffrequest", build_requests, 1),
    ],
)
def test_changelist_runs_a_constant_number_of_queries(
    model, build, rows, client_a, tenant_a, django_assert_max_num_queries
):
    with tenant_context(tenant_a):
        build(3)
    with CaptureQueriesContext(connection) as few:
        assert client_a.get(url(model)).status_code == 200
    with tenant_context(tenant_a):
        build(27)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(changelist_pks(client_a.get(url(model)))) == min(30 * rows, 50)  # one page


def test_department_list_counts_employees(client_a, org):
    response = client_a.get(url("department"))
    counts = {obj.name: obj.employee_count for obj in response.context["cl"].result_list}
    assert counts == {"Engineering": 2, "Sales": 1}


def test_employee_list_counts_no_rows(client_a, org):
    response = client_a.get(url("employee"))
    assert response.context["cl"].show_full_result_count is False
    assert "InfinitePaginator" in type(response.context["cl"].paginator).__name__


# --- search and filters ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"q": "seller"}, {"seller"}),
        ({"q": "account exec"}, {"seller"}),
        ({"department__id__exact": "{sales}"}, {"seller"}),
        ({"manager__id__exact": "{boss}"}, {"staff"}),
        ({"job_title__icontains": "cto"}, {"boss"}),
        ({"status__exact": "active", "employment_type__exact": "full_time"}, {"boss", "staff", "seller"}),
    ],
)
def test_employee_search_and_filters(client_a, org, query, expected):
    ids = {"sales": org.sales.pk, "boss": org.boss.pk}
    params = {key: value.format(**ids) for key, value in query.items()}
    assert changelist_pks(client_a.get(url("employee"), params)) == {
        getattr(org, name).pk for name in expected
    }


def test_department_search_and_parent_filter(client_a, org):
    with tenant_context(org.tenant):
        field_sales = DepartmentFactory(name="Field sales", parent=org.sales)
    assert changelist_pks(client_a.get(url("department"), {"q": "sales"})) == {org.sales.pk, field_sales.pk}
    assert changelist_pks(client_a.get(url("department"), {"parent__id__exact": org.sales.pk})) == {
        field_sales.pk
    }


def test_time_off_request_filters_and_search(client_a, org):
    pending = submit(org)
    sick = submit(org, employee=org.seller, time_off_type=org.sick)
    with tenant_context(org.tenant):
        approve_time_off_request(request_id=sick.pk, approver=org.hr_user)
    assert changelist_pks(client_a.get(url("timeoffrequest"), {"status__exact": "pending"})) == {pending.pk}
    assert changelist_pks(client_a.get(url("timeoffrequest"), {"time_off_type__id__exact": org.sick.pk})) == {
        sick.pk
    }
    by_department = client_a.get(url("timeoffrequest"), {"employee__department__id__exact": org.sales.pk})
    assert changelist_pks(by_department) == {sick.pk}
    assert changelist_pks(client_a.get(url("timeoffrequest"), {"q": "staff"})) == {pending.pk}
    assert changelist_pks(client_a.get(url("timeoffrequest"), {"start_date__year": 2026})) == {
        pending.pk,
        sick.pk,
    }


def test_ledger_filters_and_search(client_a, org):
    with tenant_context(org.tenant):
        seller_sick = TimeOffLedgerEntry.objects.get(employee=org.seller, time_off_type=org.sick)
        seller_entries = set(
            TimeOffLedgerEntry.objects.filter(employee=org.seller).values_list("pk", flat=True)
        )
        staff_entry = TimeOffLedgerEntry.objects.get(employee=org.staff)
    assert changelist_pks(client_a.get(url("timeoffledgerentry"), {"q": "seller"})) == seller_entries
    response = client_a.get(
        url("timeoffledgerentry"), {"employee__department__id__exact": org.engineering.pk}
    )
    assert changelist_pks(response) == {staff_entry.pk}
    response = client_a.get(url("timeoffledgerentry"), {"time_off_type__id__exact": org.sick.pk})
    assert changelist_pks(response) == {seller_sick.pk}
    response = client_a.get(url("timeoffledgerentry"), {"kind__exact": LedgerEntryKind.ADJUSTMENT})
    assert changelist_pks(response) == set()


def test_holiday_and_type_search(client_a, org):
    with tenant_context(org.tenant):
        founders = HolidayFactory(name="Founders' day")
        HolidayFactory(name="New year")
    assert changelist_pks(client_a.get(url("holiday"), {"q": "founders"})) == {founders.pk}
    assert changelist_pks(client_a.get(url("timeofftype"), {"q": "sick"})) == {org.sick.pk}
    assert changelist_pks(client_a.get(url("timeofftype"), {"approval_chain__exact": "hr"})) == {org.sick.pk}


# --- another tenant's ids are refused -------------------------------------------------------
def employee_form(**overrides):
    return {
        "first_name": "Mal",
        "last_name": "Icious",
        "work_email": "mal@work.example",
        "hire_date": "2024-01-08",
        "employment_type": "full_time",
        "status": "active",
        **overrides,
    }


def test_employee_form_refuses_another_tenants_department(hr_client, org, foreign):
    response = hr_client.post(url("employee", "add"), employee_form(department=foreign.department.pk))
    assert response.status_code == 200
    assert set(response.context["adminform"].form.errors) == {"department"}
    response = hr_client.post(url("employee", "add"), employee_form(manager=foreign.employee.pk))
    assert set(response.context["adminform"].form.errors) == {"manager"}
    with tenant_context(org.tenant):
        assert not Employee.objects.filter(work_email="mal@work.example").exists()
    # the same form with this tenant's department saves
    response = hr_client.post(url("employee", "add"), employee_form(department=org.sales.pk))
    assert response.status_code == 302
    with tenant_context(org.tenant):
        assert Employee.objects.get(work_email="mal@work.example").department == org.sales


def test_department_form_refuses_another_tenants_parent(hr_client, org, foreign):
    response = hr_client.post(url("department", "add"), {"name": "Forged", "parent": foreign.department.pk})
    assert set(response.context["adminform"].form.errors) == {"parent"}
    with tenant_context(org.tenant):
        assert not Department.objects.filter(name="Forged").exists()


@pytest.mark.parametrize("view", ["change", "delete", "history"])
def test_another_tenants_objects_answer_404(hr_client, org, foreign, view):
    for model, obj in [
        ("department", foreign.department),
        ("employee", foreign.employee),
        ("timeofftype", foreign.time_off_type),
        ("timeoffledgerentry", foreign.entry),
        ("timeoffrequest", foreign.request),
    ]:
        assert hr_client.get(url(model, obj.pk, view)).status_code == 404, model
    response = hr_client.post(url("employee", foreign.employee.pk, "change"), employee_form())
    assert response.status_code == 404
    assert reload(foreign.employee, foreign.employee.tenant).first_name != "Mal"


def test_request_form_refuses_another_tenants_employee(hr_client, org, foreign):
    response = hr_client.post(
        url("timeoffrequest", "add"),
        {
            "employee": foreign.employee.pk,
            "time_off_type": org.vacation.pk,
            "start_date": MON,
            "end_date": FRI,
        },
    )
    assert set(response.context["adminform"].form.errors) == {"employee"}
    with tenant_context(org.tenant):
        assert not TimeOffRequest.objects.exists()


@pytest.mark.parametrize("decision", ["approve", "reject", "cancel"])
def test_workflow_actions_on_another_tenants_request_answer_404(hr_client, org, foreign, decision):
    assert hr_client.get(url("timeoffrequest", foreign.request.pk, decision)).status_code == 404
    response = hr_client.post(url("timeoffrequest", foreign.request.pk, decision), {"reason": "x"})
    assert response.status_code == 404
    assert reload(foreign.request, foreign.request.tenant).status == RequestStatus.PENDING


# --- submitting a request through the add form ----------------------------------------------
def request_form(org, start=MON, end=FRI, **overrides):
    return {
        "employee": org.staff.pk,
        "time_off_type": org.vacation.pk,
        "start_date": start.isoformat(),
        "end_date": end.isoformat(),
        "reason": "Skiing",
        **overrides,
    }


def test_add_form_submits_through_the_service(hr_client, org):
    with tenant_context(org.tenant):
        HolidayFactory(date=date(2026, 3, 4), name="Founders' day")
    response = hr_client.post(url("timeoffrequest", "add"), request_form(org))
    assert response.status_code == 302
    with tenant_context(org.tenant):
        request = TimeOffRequest.objects.get()
    assert (request.employee, request.days, request.status) == (
        org.staff,
        Decimal("4"),
        RequestStatus.PENDING,
    )
    assert request.submitted_by == org.hr_user and request.reason == "Skiing"


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        (MON, date(2026, 3, 16), "Sam Staff has 10 Vacation days available"),  # 11 working days
        (date(2026, 3, 7), date(2026, 3, 8), "no working day"),
        (FRI, MON, "The last day cannot be before the first day."),
    ],
)
def test_add_form_re_renders_with_the_services_message(hr_client, org, start, end, message):
    response = hr_client.post(url("timeoffrequest", "add"), request_form(org, start, end))
    assert response.status_code == 200
    assert message in response.content.decode()
    form = response.context["adminform"].form
    assert form.data["reason"] == "Skiing"  # nothing typed is lost
    with tenant_context(org.tenant):
        assert not TimeOffRequest.objects.exists()


def test_add_form_refuses_an_overlap_as_a_form_error(hr_client, org):
    submit(org, start=MON, end=date(2026, 3, 3))
    response = hr_client.post(url("timeoffrequest", "add"), request_form(org, start=date(2026, 3, 3)))
    assert response.status_code == 200
    assert "already has a pending request" in " ".join(response.context["adminform"].form.non_field_errors())
    with tenant_context(org.tenant):
        assert TimeOffRequest.objects.count() == 1


def test_a_submitted_request_is_read_only(hr_client, org):
    request = submit(org)
    response = hr_client.get(url("timeoffrequest", request.pk, "change"))
    assert response.status_code == 200
    assert response.context["adminform"].form.fields == {}
    assert "Sam Staff" in response.content.decode()
    moved = request_form(org, start=date(2026, 3, 9), end=date(2026, 3, 13))
    assert hr_client.post(url("timeoffrequest", request.pk, "change"), moved).status_code == 403
    assert reload(request, org.tenant).start_date == MON


# --- Approve / Reject / Cancel --------------------------------------------------------------
def test_the_manager_approves_from_a_confirmation_page(boss_client, org):
    request = submit(org)
    page = boss_client.get(url("timeoffrequest", request.pk, "approve"))
    assert page.status_code == 200
    assert (
        "csrfmiddlewaretoken" in page.content.decode() and "Approve this time off?" in page.content.decode()
    )
    assert reload(request, org.tenant).status == RequestStatus.PENDING  # a GET decides nothing
    response = boss_client.post(url("timeoffrequest", request.pk, "approve"), {"note": "Enjoy"})
    assert response.status_code == 302
    assert messages_of(response)[0][0] == "success"
    with tenant_context(org.tenant):
        request = TimeOffRequest.objects.get(pk=request.pk)
        assert request.status == RequestStatus.APPROVED
        assert request.approvals.get().note == "Enjoy"
        assert TimeOffLedgerEntry.objects.get(request=request).amount == Decimal("-5")


@pytest.mark.parametrize("who", ["viewer", "hr"])
def test_someone_else_than_the_manager_cannot_approve(org, who):
    request = submit(org)
    client = as_user(getattr(org, f"{who}_user"), org.tenant)
    response = client.post(url("timeoffrequest", request.pk, "approve"))
    # The decision page shows the refusal above its form (as every workflow step does).
    assert response.status_code == 200
    assert "you cannot decide it" in " ".join(response.context["form"].non_field_errors())
    assert reload(request, org.tenant).status == RequestStatus.PENDING


def test_users_who_cannot_see_requests_get_403(org):
    request = submit(org)
    client = as_user(org.finance_user, org.tenant)
    assert client.get(url("timeoffrequest", request.pk, "approve")).status_code == 403
    assert client.post(url("timeoffrequest", request.pk, "approve")).status_code == 403
    assert reload(request, org.tenant).status == RequestStatus.PENDING


def test_reject_asks_for_a_reason_and_refuses_an_empty_one(boss_client, org):
    request = submit(org)
    changelist = url("timeoffrequest") + "?status__exact=pending"
    page = boss_client.get(
        url("timeoffrequest", request.pk, "reject"), HTTP_REFERER="http://testserver" + changelist
    )
    content = page.content.decode()
    assert page.status_code == 200
    assert 'name="reason"' in content and "<textarea" in content and "csrfmiddlewaretoken" in content
    assert 'href="http://testserver/admin/people/timeoffrequest/?status__exact=pending"' in content  # Cancel
    response = boss_client.post(url("timeoffrequest", request.pk, "reject"), {"reason": "   "})
    assert response.status_code == 200
    assert "Say why the request is rejected" in response.content.decode()
    assert reload(request, org.tenant).status == RequestStatus.PENDING
    response = boss_client.post(
        url("timeoffrequest", request.pk, "reject"), {"reason": "Release week", "next": changelist}
    )
    assert response.status_code == 302 and response.url == changelist
    with tenant_context(org.tenant):
        request = TimeOffRequest.objects.get(pk=request.pk)
        assert request.status == RequestStatus.REJECTED
        assert request.approvals.get().note == "Release week"


def test_the_decision_page_never_returns_to_another_host(boss_client, org):
    request = submit(org)
    response = boss_client.post(
        url("timeoffrequest", request.pk, "reject"), {"reason": "No", "next": "https://evil.example/"}
    )
    assert response.url == url("timeoffrequest", request.pk, "change")


def test_hr_cancels_an_approved_request_and_the_days_come_back(hr_client, org):
    request = submit(org)
    with tenant_context(org.tenant):
        approve_time_off_request(request_id=request.pk, approver=org.boss_user)
    response = hr_client.post(url("timeoffrequest", request.pk, "cancel"), {"reason": "Project moved"})
    assert response.status_code == 302 and messages_of(response)[0][0] == "success"
    with tenant_context(org.tenant):
        assert TimeOffRequest.objects.get(pk=request.pk).status == RequestStatus.CANCELLED
        kinds = dict(TimeOffLedgerEntry.objects.filter(request=request).values_list("kind", "amount"))
    assert kinds == {LedgerEntryKind.DEDUCTION: Decimal("-5"), LedgerEntryKind.REVERSAL: Decimal("5")}


def test_cancel_is_refused_for_a_rejected_request_and_for_other_people(org, hr_client, viewer_client):
    rejected = submit(org)
    with tenant_context(org.tenant):
        reject_time_off_request(request_id=rejected.pk, approver=org.boss_user, reason="Busy")
    # Each refusal re-renders the decision page with the service's message above the form.
    page = hr_client.post(url("timeoffrequest", rejected.pk, "cancel"))
    assert page.status_code == 200
    assert "only pending or approved requests can be cancelled" in " ".join(
        page.context["form"].non_field_errors()
    )
    pending = submit(org, start=date(2026, 3, 9), end=date(2026, 3, 10))
    page = viewer_client.post(url("timeoffrequest", pending.pk, "cancel"))
    assert "Only the employee or HR" in " ".join(page.context["form"].non_field_errors())
    assert reload(pending, org.tenant).status == RequestStatus.PENDING


def test_detail_actions_follow_the_status(hr_client, org):
    request = submit(org)

    def offered():
        page = hr_client.get(url("timeoffrequest", request.pk, "change")).content.decode()
        return {
            name
            for name in ("approve", "reject", "cancel")
            if url("timeoffrequest", request.pk, name) in page
        }

    assert offered() == {"approve", "reject", "cancel"}
    with tenant_context(org.tenant):
        approve_time_off_request(request_id=request.pk, approver=org.boss_user)
    assert offered() == {"cancel"}


def test_approvals_show_read_only_on_the_request(hr_client, org):
    request = submit(org, employee=org.seller, time_off_type=org.sick)
    with tenant_context(org.tenant):
        approve_time_off_request(request_id=request.pk, approver=org.hr_user, note="Get well")
    response = hr_client.get(url("timeoffrequest", request.pk, "change"))
    [inline] = response.context["inline_admin_formsets"]
    assert inline.opts.model is TimeOffApproval
    assert not (inline.has_add_permission or inline.has_change_permission or inline.has_delete_permission)
    assert "Get well" in response.content.decode() and "hr@tenant-a.test" in response.content.decode()


def test_row_actions_are_on_the_changelist(hr_client, org):
    request = submit(org)
    content = hr_client.get(url("timeoffrequest")).content.decode()
    for name in ("approve", "reject", "cancel"):
        assert url("timeoffrequest", request.pk, name) in content


def test_bulk_approve_reports_each_row(boss_client, org):
    mine = submit(org)  # Sam reports to the boss
    not_mine = submit(org, employee=org.seller)  # Sol has no manager: HR decides
    response = boss_client.post(
        url("timeoffrequest"), {"action": "approve_selected", "_selected_action": [mine.pk, not_mine.pk]}
    )
    assert response.status_code == 302
    levels = sorted(level for level, _text in messages_of(response))
    assert levels == ["error", "success"]
    assert reload(mine, org.tenant).status == RequestStatus.APPROVED
    assert reload(not_mine, org.tenant).status == RequestStatus.PENDING


def test_bulk_reject_asks_for_the_reason_first(hr_client, org):
    first = submit(org, employee=org.seller, time_off_type=org.sick)
    second = submit(
        org, employee=org.seller, time_off_type=org.sick, start=date(2026, 3, 9), end=date(2026, 3, 9)
    )
    selection = {"action": "reject_selected", "_selected_action": [first.pk, second.pk]}
    page = hr_client.post(url("timeoffrequest"), {**selection, "index": 0})
    assert page.status_code == 200 and 'name="reason"' in page.content.decode()
    assert reload(first, org.tenant).status == RequestStatus.PENDING
    empty = hr_client.post(url("timeoffrequest"), {**selection, "post": "yes", "reason": ""})
    assert empty.status_code == 200 and "Say why" in empty.content.decode()
    done = hr_client.post(url("timeoffrequest"), {**selection, "post": "yes", "reason": "Not covered"})
    assert done.status_code == 302
    assert {reload(r, org.tenant).status for r in (first, second)} == {RequestStatus.REJECTED}


def test_bulk_actions_do_not_reach_another_tenants_rows(hr_client, org, foreign):
    response = hr_client.post(
        url("timeoffrequest"), {"action": "approve_selected", "_selected_action": [foreign.request.pk]}
    )
    assert response.status_code in (200, 302)
    assert reload(foreign.request, foreign.request.tenant).status == RequestStatus.PENDING


# --- the ledger is append-only --------------------------------------------------------------
def ledger_form(org, **overrides):
    return {
        "employee": org.boss.pk,  # the boss has no balance yet
        "time_off_type": org.vacation.pk,
        "kind": LedgerEntryKind.OPENING_BALANCE,
        "amount": "5",
        "effective_date": "2026-01-01",
        "note": "Migrated from the old system",
        **overrides,
    }


def test_hr_adds_an_opening_balance(hr_client, org):
    response = hr_client.post(url("timeoffledgerentry", "add"), ledger_form(org))
    assert response.status_code == 302
    with tenant_context(org.tenant):
        entry = TimeOffLedgerEntry.objects.get(employee=org.boss)
    assert (entry.kind, entry.amount, entry.created_by) == ("opening_balance", Decimal("5"), org.hr_user)


@pytest.mark.parametrize(
    "kind", [LedgerEntryKind.ACCRUAL, LedgerEntryKind.DEDUCTION, LedgerEntryKind.REVERSAL]
)
def test_only_opening_balances_and_adjustments_are_added_by_hand(hr_client, org, kind):
    response = hr_client.post(url("timeoffledgerentry", "add"), ledger_form(org, kind=kind))
    assert response.status_code == 200 and "kind" in response.context["adminform"].form.errors
    choices = [value for value, _label in response.context["adminform"].form.fields["kind"].choices]
    assert choices == ["", "opening_balance", "adjustment"]
    with tenant_context(org.tenant):
        assert not TimeOffLedgerEntry.objects.filter(employee=org.boss).exists()


def test_ledger_entries_are_never_changed_or_deleted(hr_client, org):
    with tenant_context(org.tenant):
        entry = TimeOffLedgerEntry.objects.get(employee=org.staff)
    page = hr_client.get(url("timeoffledgerentry", entry.pk, "change"))
    assert page.status_code == 200 and page.context["adminform"].form.fields == {}
    assert url("timeoffledgerentry", entry.pk, "delete") not in page.content.decode()
    changed = hr_client.post(url("timeoffledgerentry", entry.pk, "change"), ledger_form(org, amount="99"))
    assert changed.status_code == 403
    assert hr_client.get(url("timeoffledgerentry", entry.pk, "delete")).status_code == 403
    assert hr_client.post(url("timeoffledgerentry", entry.pk, "delete"), {"post": "yes"}).status_code == 403
    bulk = hr_client.post(
        url("timeoffledgerentry"),
        {"action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"},
    )
    assert bulk.status_code in (200, 302)
    assert reload(entry, org.tenant).amount == Decimal("10")


# --- roles ----------------------------------------------------------------------------------
def test_hr_can_use_every_hr_admin(hr_client, org):
    for model in HR_MODELS:
        assert hr_client.get(url(model)).status_code == 200, model
        assert hr_client.get(url(model, "add")).status_code == 200, model
    response = hr_client.post(url("department", org.sales.pk, "change"), {"name": "Sales EMEA"})
    assert response.status_code == 302
    assert reload(org.sales, org.tenant).name == "Sales EMEA"


def test_recruiters_see_hr_data_read_only(org):
    client = as_user(org.recruiter_user, org.tenant)
    for model in HR_MODELS:
        assert client.get(url(model)).status_code == 200, model
        assert client.get(url(model, "add")).status_code == 403, model
    page = client.get(url("employee", org.seller.pk, "change"))
    assert page.status_code == 200 and page.context["adminform"].form.fields == {}
    response = client.post(url("employee", org.seller.pk, "change"), employee_form())
    assert response.status_code == 403
    assert reload(org.seller, org.tenant).first_name == "Sol"
    assert client.post(url("department", org.sales.pk, "delete"), {"post": "yes"}).status_code == 403


def test_viewers_cannot_add(viewer_client, org):
    for model in HR_MODELS:
        assert viewer_client.get(url(model, "add")).status_code == 403, model
    response = viewer_client.post(url("timeoffrequest", "add"), request_form(org))
    assert response.status_code == 403
    with tenant_context(org.tenant):
        assert not TimeOffRequest.objects.exists()


def test_roles_without_people_access_see_nothing(org):
    client = as_user(org.finance_user, org.tenant)
    for model in HR_MODELS:
        assert client.get(url(model)).status_code == 403, model
