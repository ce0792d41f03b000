"""Demo data of the people app, added by `manage.py bootstrap_demo_tenant` (see people/registry.py).

Departments, 10 employees with a reporting line (some linked to the demo staff accounts), three
time-off types with opening balances, 5 pending requests and this year's public holidays.
Idempotent: a tenant that already has departments gets nothing new.
"""

from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from people.models import (
    AccrualMethod,
    ApprovalChain,
    Department,
    Employee,
    Holiday,
    LedgerEntryKind,
    TimeOffLedgerEntry,
    TimeOffType,
    TimeOffUnit,
    User,
)
from people.services.timeoff import submit_time_off_request

DEPARTMENTS = [
    ("Management", None, "CC100"),
    ("Engineering", "Management", "CC200"),
    ("Sales", "Management", "CC300"),
    ("People Operations", "Management", "CC400"),
    ("Platform", "Engineering", "CC210"),
]

# (first, last, title, department, manager's index in this list, staff account)
EMPLOYEES = [
    ("Grace", "Hopper", "Chief Executive Officer", "Management", None, "admin@demo.localhost"),
    ("Alan", "Turing", "VP Engineering", "Engineering", 0, "hiring-manager@demo.localhost"),
    ("Ada", "Lovelace", "Head of People", "People Operations", 0, "hr@demo.localhost"),
    ("Claude", "Shannon", "Head of Sales", "Sales", 0, None),
    ("Barbara", "Liskov", "Staff Engineer", "Platform", 1, None),
    ("Donald", "Knuth", "Senior Engineer", "Platform", 4, None),
    ("Margaret", "Hamilton", "Engineer", "Engineering", 1, None),
    ("Ken", "Thompson", "Account Executive", "Sales", 3, None),
    ("Frances", "Allen", "Recruiter", "People Operations", 2, "recruiter@demo.localhost"),
    ("John", "Backus", "Sales Development Rep", "Sales", 3, None),
]


def easter_sunday(year: int) -> date:
    """Western Easter (anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    l = (32 + 2 * e + 2 * i - h - k) % 7  # noqa: E741 (the algorithm's name)
    m = (a + 11 * h + 22 * l) // 451
    month, day = divmod(h + l - 7 * m + 114, 31)
    return date(year, month, day + 1)


def public_holidays(year: int) -> list[tuple[date, str]]:
    easter = easter_sunday(year)
    return sorted(
        [
            (date(year, 1, 1), "New Year's Day"),
            (easter - timedelta(days=2), "Good Friday"),
            (easter + timedelta(days=1), "Easter Monday"),
            (date(year, 5, 1), "Labour Day"),
            (easter + timedelta(days=39), "Ascension Day"),
            (easter + timedelta(days=50), "Whit Monday"),
            (date(year, 10, 3), "Day of Unity"),
            (date(year, 12, 25), "Christmas Day"),
            (date(year, 12, 26), "Boxing Day"),
        ]
    )


def next_working_day(day: date) -> date:
    holidays = {holiday for holiday, _name in public_holidays(day.year)}
    while day.weekday() >= 5 or day in holidays:
        day += timedelta(days=1)
    return day


@transaction.atomic
def build_demo_data(*, tenant, stdout) -> bool:
    if Department.objects.exists():
        return False
    today = timezone.localdate()
    departments = {}
    for name, parent, cost_center in DEPARTMENTS:
        departments[name] = Department.objects.create(
            name=name, parent=departments.get(parent), cost_center=cost_center
        )
    users = {u.email: u for u in User.objects.filter(email__in=[e[5] for e in EMPLOYEES if e[5]])}
    employees = []
    for index, (first, last, title, department, manager, email) in enumerate(EMPLOYEES):
        employees.append(
            Employee.objects.create(
                first_name=first,
                last_name=last,
                work_email=f"{first}.{last}@demo.localhost".lower(),
                job_title=title,
                department=departments[department],
                manager=employees[manager] if manager is not None else None,
                user=users.get(email),
                hire_date=date(today.year - 3, 1, 1) + timedelta(days=61 * index),
                location="Berlin" if index % 2 else "Remote",
            )
        )
    for name, head in [("Management", 0), ("Engineering", 1), ("People Operations", 2), ("Sales", 3)]:
        departments[name].head = employees[head]
        departments[name].save(update_fields=["head", "updated_at"])

    Holiday.objects.bulk_create([Holiday(date=day, name=name) for day, name in public_holidays(today.year)])
    vacation = TimeOffType.objects.create(
        name="Vacation",
        yearly_allowance=Decimal("25"),
        carry_over_cap=Decimal("5"),
        accrual=AccrualMethod.MONTHLY,
        approval_chain=ApprovalChain.MANAGER,
    )
    sick = TimeOffType.objects.create(
        name="Sick leave",
        yearly_allowance=Decimal("10"),
        accrual=AccrualMethod.UPFRONT,
        approval_chain=ApprovalChain.HR,
        allow_negative_balance=True,
        negative_balance_limit=Decimal("20"),
    )
    personal = TimeOffType.objects.create(
        name="Personal day",
        is_paid=False,
        unit=TimeOffUnit.HALF_DAYS,
        yearly_allowance=Decimal("3"),
        accrual=AccrualMethod.UPFRONT,
        approval_chain=ApprovalChain.MANAGER_THEN_HR,
    )
    year_start = date(today.year, 1, 1)
    TimeOffLedgerEntry.objects.bulk_create(
        [
            TimeOffLedgerEntry(
                employee=employee,
                time_off_type=time_off_type,
                kind=LedgerEntryKind.OPENING_BALANCE,
                amount=amount,
                effective_date=year_start,
                note="Demo opening balance",
            )
            for employee in employees
            for time_off_type, amount in (
                (vacation, Decimal("25")),
                (sick, Decimal("10")),
                (personal, Decimal("3")),
            )
        ]
    )
    start = next_working_day(today + timedelta(days=14))
    for offset, employee in enumerate(employees[4:9]):
        first_day = next_working_day(start + timedelta(days=7 * offset))
        submit_time_off_request(
            employee_id=employee.pk,
            time_off_type_id=(personal if offset == 4 else vacation).pk,
            start_date=first_day,
            end_date=first_day if offset == 4 else next_working_day(first_day + timedelta(days=3)),
            half_day_end=offset == 4,
            reason="Demo request",
        )
    stdout.write(
        f"  people: {len(departments)} departments, {len(employees)} employees, 3 time-off types, "
        f"5 pending requests, {len(public_holidays(today.year))} holidays"
    )
    return True
