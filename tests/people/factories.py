import datetime
from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from people.models import (
    AccrualMethod,
    ApprovalChain,
    Department,
    Employee,
    Holiday,
    LedgerEntryKind,
    Membership,
    Tenant,
    TimeOffLedgerEntry,
    TimeOffType,
    User,
)
from people.roles import Role
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
