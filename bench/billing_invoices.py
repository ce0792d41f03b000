"""Benchmark: monthly invoice generation for 50,000 subscriptions (`--subscriptions`).

Fills a throwaway tenant with customers, 5 plans and N monthly subscriptions whose period ended
yesterday, then runs `billing.services.subscriptions.generate_monthly_invoices` — the function the
`billing.generate_monthly_invoices` schedule runs in each tenant — and prints invoices/s and the
queries it ran. A second run must make no invoice (idempotence). Target (issue 6): >= 1,000
invoices/s on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/opsconsole .venv/bin/python bench/billing_invoices.py [--subscriptions 50000]
"""

import argparse
import time
from datetime import timedelta
from decimal import Decimal

from _setup import throwaway_database
from django.db import connection
from django.test.utils import CaptureQueriesContext

from billing.models import Customer, Invoice, InvoiceLine, Plan, Subscription
from billing.services.common import tenant_today
from billing.services.subscriptions import generate_monthly_invoices
from people.models import Tenant
from people.tenancy import tenant_context

BATCH = 5000


def fill(count: int) -> None:
    today = tenant_today()
    start = today - timedelta(days=31)
    plans = Plan.objects.bulk_create(
        [Plan(name=f"Plan {i}", price=Decimal(19 + 10 * i), currency="EUR") for i in range(5)]
    )
    for first in range(0, count, BATCH):
        size = min(BATCH, count - first)
        customers = Customer.objects.bulk_create(
            [Customer(name=f"Customer {first + i}", email=f"c{first + i}@bench.example") for i in range(size)]
        )
        Subscription.objects.bulk_create(
            [
                Subscription(
                    customer=customer,
                    plan=plans[i % len(plans)],
                    status="active",
                    current_period_start=start,
                    current_period_end=today,
                )
                for i, customer in enumerate(customers)
            ]
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscriptions", type=int, default=50_000)
    args = parser.parse_args()
    with throwaway_database():
        tenant = Tenant.objects.create(name="Bench", slug="bench")
        with tenant_context(tenant):
            started = time.perf_counter()
            fill(args.subscriptions)
            print(
                f"{args.subscriptions:,} subscriptions ready in {time.perf_counter() - started:.1f} s",
                flush=True,
            )
            progress = []
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                made = generate_monthly_invoices(on_progress=progress.append)
                elapsed = time.perf_counter() - started
            again_started = time.perf_counter()
            again = generate_monthly_invoices()
            again_elapsed = time.perf_counter() - again_started
            invoices, lines = Invoice.objects.count(), InvoiceLine.objects.count()
            history = Invoice.history.count()
    print(f"\ndatabase: {connection.vendor}")
    print(
        f"invoices made        {made:>10,}  ({invoices:,} invoices, {lines:,} lines, {history:,} history rows)"
    )
    print(f"time                 {elapsed:>10.2f} s  in {len(progress)} chunks, {len(queries):,} queries")
    print(f"invoices/s           {made / elapsed:>10,.0f}  (target >= 1,000)")
    print(f"second run           {again:>10,} invoices in {again_elapsed:.2f} s (idempotent: must be 0)")


if __name__ == "__main__":
    main()
