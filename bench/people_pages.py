"""Benchmark: the time-off calendar and the org chart of a tenant with 5,000 employees.

Prints queries, median milliseconds and HTML size of each page as seen by an HR user. Query counts
must not grow with the tenant; times are figures to compare between changes.

    .venv/bin/python bench/people_pages.py [--employees 5000] [--off 300] [--repeat 5]
"""

import argparse
import statistics
import time
from datetime import date, timedelta
from decimal import Decimal

from _setup import throwaway_database
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

MONTH = date(2026, 3, 1)


def build(employees: int, off: int):
    from people.middleware import SESSION_KEY
    from people.models import (
        Department,
        Employee,
        Holiday,
        Membership,
        RequestStatus,
        Tenant,
        TimeOffRequest,
        TimeOffType,
        User,
    )
    from people.roles import Role, sync_role_groups
    from people.tenancy import tenant_context

    sync_role_groups()
    tenant = Tenant.objects.create(name="Big Co", slug="big-co")
    hr = User.objects.create_user(email="hr@big.example", password="x")
    with tenant_context(tenant):
        Membership.objects.create(user=hr, role=Role.HR)
        departments = Department.objects.bulk_create([Department(name=f"Department {i}") for i in range(50)])
        people = Employee.objects.bulk_create(
            [
                Employee(
                    employee_number=f"E{i:05d}",
                    first_name=f"First{i}",
                    last_name=f"Last{i}",
                    work_email=f"p{i}@big.example",
                    hire_date=date(2020, 1, 1),
                    job_title="Engineer",
                    department=departments[i % len(departments)],
                )
                for i in range(1, employees + 1)
            ],
            batch_size=1000,
        )
        # A reporting line: each employee reports to someone earlier in the list (a wide tree).
        for index, person in enumerate(people[1:], start=1):
            person.manager_id = people[(index - 1) // 8].pk
        Employee.objects.bulk_update(people, ["manager"], batch_size=1000)
        Holiday.objects.create(date=date(2026, 3, 17), name="Bench holiday")
        vacation = TimeOffType.objects.create(name="Vacation", yearly_allowance=Decimal("25"))
        TimeOffRequest.objects.bulk_create(
            [
                TimeOffRequest(
                    employee=person,
                    time_off_type=vacation,
                    start_date=MONTH + timedelta(days=i % 20),
                    end_date=MONTH + timedelta(days=i % 20 + 3),
                    days=Decimal("4"),
                    status=RequestStatus.APPROVED if i % 3 else RequestStatus.PENDING,
                )
                for i, person in enumerate(people[:off])
            ]
        )
    client = Client()
    client.force_login(hr)
    session = client.session
    session[SESSION_KEY] = tenant.pk
    session.save()
    return client


def measure(client, url, repeat):
    timings = []
    for _ in range(repeat):
        cache.clear()
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return len(captured), statistics.median(timings), len(response.content)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--employees", type=int, default=5000)
    parser.add_argument("--off", type=int, default=300, help="employees with time off in the month")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    pages = {
        "time-off calendar": f"/admin/people/time-off-calendar/?month={MONTH:%Y-%m}",
        "org chart": "/admin/people/org-chart/",
        "employees changelist": "/admin/people/employee/",
        "pending approvals": "/admin/people/pending-time-off/",
    }
    with throwaway_database():
        client = build(args.employees, args.off)
        print(
            f"database: {connection.vendor}; {args.employees} employees, {args.off} with time off in "
            f"{MONTH:%B %Y}; median of {args.repeat} requests"
        )
        print(f"{'page':<22} {'queries':>7} {'ms':>8} {'KB':>7}")
        for name, url in pages.items():
            queries, ms, size = measure(client, url, args.repeat)
            print(f"{name:<22} {queries:>7} {ms:>8.1f} {size / 1024:>7.0f}")


if __name__ == "__main__":
    main()
