"""Benchmark: balance-as-of-date for one employee with 10 years of monthly ledger entries.

Prints the queries and the median microseconds of `people.selectors.balance_as_of` for a few
dates, then the same for 1,000 employees at once through `balances_as_of` (one grouped query).

    .venv/bin/python bench/timeoff_balance.py [--years 10] [--repeat 200]
"""

import argparse
import statistics
import time
from datetime import date
from decimal import Decimal

from _setup import throwaway_database
from django.db import connection
from django.test.utils import CaptureQueriesContext


def build(years: int, employees: int):
    from people.models import Employee, LedgerEntryKind, Tenant, TimeOffLedgerEntry, TimeOffType
    from people.services.timeoff import monthly_accrual
    from people.tenancy import tenant_context

    tenant = Tenant.objects.create(name="Bench", slug="bench")
    with tenant_context(tenant):
        vacation = TimeOffType.objects.create(name="Vacation", yearly_allowance=Decimal("25"))
        people = Employee.objects.bulk_create(
            [
                Employee(
                    employee_number=f"E{i:05d}",
                    first_name="Bench",
                    last_name=str(i),
                    work_email=f"bench{i}@example.com",
                    hire_date=date(2000, 1, 1),
                )
                for i in range(1, employees + 1)
            ]
        )
        first_year = 2026 - years
        entries = [
            TimeOffLedgerEntry(
                employee=person,
                time_off_type=vacation,
                kind=LedgerEntryKind.ACCRUAL,
                amount=monthly_accrual(vacation.yearly_allowance, month),
                effective_date=date(year, month, 1),
                period=f"{year}-{month:02d}",
            )
            for person in people
            for year in range(first_year, 2026)
            for month in range(1, 13)
        ]
        TimeOffLedgerEntry.objects.bulk_create(entries, batch_size=5000)
    return tenant, people, vacation, len(entries)


def timed(func, repeat):
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = func()
        timings.append((time.perf_counter() - started) * 1_000_000)
    with CaptureQueriesContext(connection) as captured:
        func()
    return result, len(captured), statistics.median(timings)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--employees", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()

    from people import selectors
    from people.tenancy import tenant_context

    with throwaway_database():
        tenant, people, vacation, entries = build(args.years, args.employees)
        print(
            f"database: {connection.vendor}; {entries} ledger entries "
            f"({args.employees} employees x {args.years} years x 12 months); median of {args.repeat} runs"
        )
        print(f"{'what':<44} {'queries':>7} {'us':>10} {'result':>10}")
        with tenant_context(tenant):
            one = people[0]
            for as_of in (date(2026 - args.years, 6, 30), date(2021, 1, 1), date(2025, 12, 31)):
                balance, queries, us = timed(
                    lambda as_of=as_of: selectors.balance_as_of(
                        employee_id=one.pk, time_off_type_id=vacation.pk, as_of=as_of
                    ),
                    args.repeat,
                )
                print(
                    f"{'balance_as_of one employee ' + str(as_of):<44} {queries:>7} {us:>10.0f} {balance:>10}"
                )
            ids = [p.pk for p in people]
            balances, queries, us = timed(
                lambda: selectors.balances_as_of(employee_ids=ids, as_of=date(2025, 12, 31)),
                max(5, args.repeat // 20),
            )
            print(
                f"{f'balances_as_of {len(ids)} employees 2025-12-31':<44} {queries:>7} {us:>10.0f} {len(balances):>10}"
            )


if __name__ == "__main__":
    main()
