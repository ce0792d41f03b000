import datetime
import itertools
from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from people.models import (
    AccrualMethod,
    ApprovalChain,
    Department,
    Employee,
    Holiday,
    ImportJob,
    LedgerEntryKind,
    Membership,
    Tenant,
    TimeOffLedgerEntry,
    TimeOffRequest,
    TimeOffType,
    User,
)
from people.roles import Role
from people.services.timeoff import submit_time_off_request
from tests.isolation import isolation_factory

PASSWORD = "correct-horse-battery-staple"


class TenantFactory(DjangoModelFactory):
    class Meta:
        model = Tenant
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Company {n}")
    slug = factory.Sequence(lambda n: f"company-{n}")


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    is_staff = True
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class MembershipFactory(DjangoModelFactory):
    """Needs an active tenant (tenant_context), like every tenant-owned factory."""

    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    role = Role.VIEWER


@isolation_factory(Membership, search_term=lambda membership: membership.user.email)
def membership_for_isolation():
    return MembershipFactory(role=Role.RECRUITER)


class DepartmentFactory(DjangoModelFactory):
    class Meta:
        model = Department

    name = factory.Sequence(lambda n: f"Department {n}")
    cost_center = factory.Sequence(lambda n: f"CC{n:03d}")


class EmployeeFactory(DjangoModelFactory):
    class Meta:
        model = Employee

    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    work_email = factory.Sequence(lambda n: f"employee{n}@work.example")
    job_title = "Engineer"
    hire_date = datetime.date(2020, 1, 6)


class TimeOffTypeFactory(DjangoModelFactory):
    class Meta:
        model = TimeOffType

    name = factory.Sequence(lambda n: f"Vacation {n}")
    yearly_allowance = Decimal("24")
    accrual = AccrualMethod.MONTHLY
    approval_chain = ApprovalChain.MANAGER


class HolidayFactory(DjangoModelFactory):
    class Meta:
        model = Holiday

    date = factory.Sequence(lambda n: datetime.date(2030, 1, 1) + datetime.timedelta(days=n))
    name = factory.Sequence(lambda n: f"Holiday {n}")


def grant(employee, time_off_type, days, on=datetime.date(2026, 1, 1)):
    """Give an employee an opening balance of `days` (a ledger entry)."""
    return TimeOffLedgerEntry.objects.create(
        employee=employee,
        time_off_type=time_off_type,
        kind=LedgerEntryKind.OPENING_BALANCE,
        amount=Decimal(days),
        effective_date=on,
    )


# --- isolation factories of the HR admins (tests/test_isolation_registry.py runs the kit on each) ---
# Each row gets a name no other row has, so searching for the foreign row's term finds only it.
_isolation_names = itertools.count(1)


def _isolated_employee(**kwargs):
    n = next(_isolation_names)
    return EmployeeFactory(first_name="Iso", last_name=f"Isolated{n:04d}", **kwargs)


@isolation_factory(Department, search_term=lambda department: department.name)
def department_for_isolation():
    department = DepartmentFactory(name=f"Isolated department {next(_isolation_names):04d}")
    department.head = _isolated_employee(department=department)
    department.save()
    return department


@isolation_factory(Employee, search_term=lambda employee: employee.last_name)
def employee_for_isolation():
    department = DepartmentFactory()
    manager = _isolated_employee(department=department)
    return _isolated_employee(department=department, manager=manager)


@isolation_factory(Holiday, search_term=lambda holiday: holiday.name)
def holiday_for_isolation():
    return HolidayFactory(name=f"Isolated holiday {next(_isolation_names):04d}")


@isolation_factory(TimeOffType, search_term=lambda time_off_type: time_off_type.name)
def time_off_type_for_isolation():
    return TimeOffTypeFactory(name=f"Isolated leave {next(_isolation_names):04d}")


@isolation_factory(TimeOffLedgerEntry, search_term=lambda entry: entry.employee.last_name)
def ledger_entry_for_isolation():
    employee = _isolated_employee(department=DepartmentFactory())
    return grant(employee, TimeOffTypeFactory(), 10)


@isolation_factory(TimeOffRequest, search_term=lambda request: request.employee.last_name)
def time_off_request_for_isolation():
    """A pending request submitted through the service, with its employee, type and balance."""
    employee = _isolated_employee(department=DepartmentFactory())
    time_off_type = TimeOffTypeFactory()
    grant(employee, time_off_type, 10)
    return submit_time_off_request(
        employee_id=employee.pk,
        time_off_type_id=time_off_type.pk,
        start_date=datetime.date(2026, 3, 2),
        end_date=datetime.date(2026, 3, 4),
    )


@isolation_factory(ImportJob, search_term=lambda job: job.original_name)
def import_job_for_isolation():
    """A validated background import of a small department file, made through the service."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from people.resources import DepartmentResource
    from people.services.imports import start_import
    from people.tenancy import current_tenant

    n = next(_isolation_names)
    owner = Membership.objects.filter(role=Role.OWNER).select_related("user").first()
    user = owner.user if owner else MembershipFactory(role=Role.OWNER).user
    content = f"name,parent,cost_center,head\nImported department {n:04d},,CC-{n:04d},\n".encode()
    return start_import(
        admin_model_label=Department._meta.label_lower,
        resource_class=DepartmentResource,
        uploaded_file=SimpleUploadedFile(f"isolated-import-{current_tenant().pk}-{n:04d}.csv", content),
        input_format="csv",
        user=user,
    )
