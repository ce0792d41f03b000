from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from people.models import Employee, EmployeeStatus
from people.tenancy import TenantMismatch, tenant_context
from tests.people.factories import DepartmentFactory, EmployeeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _in_tenant_a(in_tenant_a):
    yield


def test_employee_numbers_are_generated_per_tenant(tenant_a, tenant_b):
    first, second = EmployeeFactory(), EmployeeFactory()
    assert (first.employee_number, second.employee_number) == ("E00001", "E00002")
    EmployeeFactory(employee_number="CONTRACT-7")  # hand-chosen numbers are kept and skipped
    assert EmployeeFactory().employee_number == "E00003"
    with tenant_context(tenant_b):
        assert EmployeeFactory().employee_number == "E00001"


def test_work_email_is_unique_per_tenant_case_insensitively(tenant_b):
    EmployeeFactory(work_email="Ann@Work.example")
    with pytest.raises(IntegrityError), transaction.atomic():
        EmployeeFactory(work_email="ann@work.example")
    with tenant_context(tenant_b):
        assert EmployeeFactory(work_email="ann@work.example").work_email == "ann@work.example"


def test_a_duplicate_email_is_not_mistaken_for_a_number_clash():
    EmployeeFactory(work_email="ann@work.example")
    with pytest.raises(IntegrityError), transaction.atomic():
        EmployeeFactory(work_email="ann@work.example")
    assert Employee.objects.count() == 1


def test_termination_cannot_precede_hire():
    employee = EmployeeFactory.build(hire_date=date(2026, 5, 1), termination_date=date(2026, 4, 1))
    with pytest.raises(ValidationError) as error:
        employee.full_clean(exclude=["tenant"])
    assert "termination_date" in error.value.message_dict
    employee.status, employee.termination_date = EmployeeStatus.TERMINATED, None
    with pytest.raises(ValidationError, match="needs a termination date"):
        employee.full_clean(exclude=["tenant"])


def test_reporting_lines_cannot_loop():
    ceo = EmployeeFactory()
    cto = EmployeeFactory(manager=ceo)
    engineer = EmployeeFactory(manager=cto)
    ceo.manager = engineer
    with pytest.raises(ValidationError, match="would make a cycle"):
        ceo.full_clean(exclude=["tenant"])
    ceo.manager = ceo
    with pytest.raises(ValidationError, match="own manager"):
        ceo.full_clean(exclude=["tenant"])


def test_departments_cannot_loop():
    company = DepartmentFactory(name="Company")
    engineering = DepartmentFactory(name="Engineering", parent=company)
    platform = DepartmentFactory(name="Platform", parent=engineering)
    company.parent = platform
    with pytest.raises(ValidationError, match="cycle"):
        company.full_clean(exclude=["tenant"])
    platform.parent = engineering
    platform.full_clean(exclude=["tenant"])


def test_a_manager_from_another_tenant_is_refused(tenant_b):
    with tenant_context(tenant_b):
        foreign_boss = EmployeeFactory()
    with pytest.raises(TenantMismatch, match="another tenant"):
        EmployeeFactory(manager=foreign_boss)
    with pytest.raises(TenantMismatch):
        EmployeeFactory(manager_id=foreign_boss.pk)  # a forged id, nothing cached
