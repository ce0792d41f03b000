"""The dashboard's HR cards and chart, per role."""

from datetime import timedelta

import pytest
from django.utils import timezone

from people.models import EmployeeStatus
from people.roles import Role
from people.services.timeoff import approve_time_off_request, submit_time_off_request
from people.tenancy import tenant_context
from tests.conftest import login, make_member
from tests.people.factories import DepartmentFactory, EmployeeFactory, TimeOffTypeFactory, grant

pytestmark = pytest.mark.django_db


def kpis(response):
    return {kpi["title"]: kpi["value"] for kpi in response.context["kpis"]}


@pytest.fixture
def hr_client(client, tenant_a, user_a):
    return login(client, make_member(tenant_a, Role.HR, email="hr@tenant-a.test"), tenant_a)


def test_hr_sees_headcount_joiners_leavers_people_off_and_pending(hr_client, tenant_a, tenant_b, user_a):
    today = timezone.localdate()
    with tenant_context(tenant_a):
        sales = DepartmentFactory(name="Sales")
        boss = EmployeeFactory(department=sales, user=user_a)
        staff = [EmployeeFactory(department=sales, manager=boss) for _ in range(3)]
        EmployeeFactory(hire_date=today.replace(day=1))  # joined this month, no department
        EmployeeFactory(status=EmployeeStatus.TERMINATED, termination_date=today)  # left this month
        vacation = TimeOffTypeFactory()
        for person in staff:
            grant(person, vacation, 20, on=today - timedelta(days=400))
        off = submit_time_off_request(
            employee_id=staff[0].pk,
            time_off_type_id=vacation.pk,
            start_date=today,
            end_date=today + timedelta(days=7),
        )
        approve_time_off_request(request_id=off.pk, approver=user_a)
        submit_time_off_request(
            employee_id=staff[1].pk,
            time_off_type_id=vacation.pk,
            start_date=today + timedelta(days=14),
            end_date=today + timedelta(days=20),
        )
    with tenant_context(tenant_b):
        EmployeeFactory()  # another tenant's person is never counted
    response = hr_client.get("/admin/")
    cards = kpis(response)
    assert cards["Headcount"] == 5
    assert cards["Joiners / leavers"] == "1 / 1"
    assert cards["Off today"] == 1
    assert cards["Pending time-off requests"] == 1
    chart = next(c for c in response.context["charts"] if c["title"] == "Headcount by department")
    assert dict(zip(chart["data"]["labels"], chart["data"]["datasets"][0]["data"], strict=True)) == {
        "Sales": 4,
        "No department": 1,
    }


def test_roles_without_people_permissions_see_no_hr_cards(client, tenant_a, user_a):
    finance = make_member(tenant_a, Role.FINANCE, email="finance@tenant-a.test")
    response = login(client, finance, tenant_a).get("/admin/")
    assert "Headcount" not in kpis(response) and "Off today" not in kpis(response)
