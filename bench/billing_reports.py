"""Benchmark: the daily financial report and the monthly revenue report of a tenant with
1,000,000 payments (PostgreSQL only).

Builds one tenant (time zone Europe/Berlin) on a throwaway database with INSERT ... SELECT over
generate_series (a few seconds per million rows): 6 plans in EUR and USD, 20,000 customers and
subscriptions, 20,000 marketplace contracts, an invoice per two payments (4 in 5 of a
subscription, 1 in 20 still open, for the aging), the payments over the last 365 days (9 in 10
for invoices, 1 in 10 for contracts; 5% failed, 2% pending, 3% partially refunded, 2% refunded),
a succeeded refund per refunded payment and escrow holds, releases, refunds and freezes. Then it
generates the daily report of yesterday and the monthly report of last month through
`billing.reports.service.generate_financial_report` (workbook, storage, row) and prints, per
report: seconds, queries, the time spent in SQL (statement execution plus server-side cursor
fetches, measured with connection.execute_wrapper and a wrapper around the cursor's fetchmany),
its share and the rest ("other": building the queries, writing the cells, storing the file),
the peak RSS during the report (VmHWM reset just before it through /proc/self/clear_refs;
ru_maxrss elsewhere), the rows per sheet, the file size and the cells written.

Targets (issue 6): peak memory < 300 MB, time dominated by SQL. A third report, the daily report
of a day without data, shows what writing the workbook costs whatever the data (the fixed part of
"other"). Each report runs `--repeat` times (regenerated): the first run of the process is printed
apart from the median of the others, as the reports run in a long-lived worker (the first one
also pays for loading code paths and warming the database's buffers). The last line compares the
daily report with the day without data: the non-SQL time its data adds, per cell it adds.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/opsconsole_repbench \\
        .venv/bin/python bench/billing_reports.py [--payments 1000000] [--repeat 5] [--keep]

The period filters use the models' indexes on succeeded_at, last_attempt_at and processed_at;
the tables are ANALYZEd after the build, as autovacuum would do.
"""

import argparse
import tempfile
import time
from contextlib import contextmanager
from datetime import timedelta

from _setup import throwaway_database
from django.conf import settings
from django.db import connection
from recruiting_export import current_rss_mb, peak_rss_mb

CUSTOMERS = 20_000
CONTRACTS = 20_000
PLANS = [  # name, price, currency, interval
    ("Basic", "29.00", "EUR", "month"),
    ("Pro", "99.00", "EUR", "month"),
    ("Team", "990.00", "EUR", "year"),
    ("Enterprise", "4990.00", "EUR", "year"),
    ("Starter", "19.00", "USD", "month"),
    ("Growth", "199.00", "USD", "month"),
]


# --- data ----------------------------------------------------------------------------------------
def insert_series(model, rows: int | None, exprs: dict[str, str], source: str = "") -> int:
    """INSERT INTO <model> SELECT <exprs> FROM generate_series(1, rows) AS g (or `source`).
    Columns missing from `exprs` get NULL when nullable, else the field's default; returns the
    smallest new id (ids of one statement are consecutive on a fresh database)."""
    columns, values, params = [], [], []
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        if field.attname in exprs:
            values.append(exprs[field.attname])
        elif field.null:
            continue
        elif field.get_default() is not None:  # the default, or "" for text
            values.append("%s")
            params.append(field.get_db_prep_save(field.get_default(), connection))
        else:
            raise SystemExit(f"bench: no value for {model.__name__}.{field.name}")
        columns.append(connection.ops.quote_name(field.column))
    table = model._meta.db_table
    source = source or f"generate_series(1::bigint, {rows}) AS g"
    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(max(id), 0) FROM " + table)
        before = cursor.fetchone()[0]
        cursor.execute(
            f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(values)} FROM {source}", params
        )
    return before + 1


def build(payments: int):
    from billing.models import (
        Customer,
        EscrowTransaction,
        Invoice,
        PaymentTransaction,
        Plan,
        RefundRequest,
        Subscription,
    )
    from marketplace.models import Contract, ServiceProvider
    from people.models import Tenant
    from people.tenancy import tenant_context

    tenant = Tenant.objects.create(name="Reports Co", slug="reports-co", timezone="Europe/Berlin")
    invoices = max(1, payments // 2)
    with tenant_context(tenant):
        plans = [Plan.objects.create(name=n, price=p, currency=c, interval=i) for n, p, c, i in PLANS]
        provider = ServiceProvider.objects.create(display_name="Bench Provider")
    t, now = (
        str(tenant.pk),
        "(date_trunc('day', now() AT TIME ZONE 'Europe/Berlin') AT TIME ZONE 'Europe/Berlin')",
    )
    stamps = {"tenant_id": t, "created_at": "now()", "updated_at": "now()"}
    plan_ids = "ARRAY[" + ",".join(str(p.pk) for p in plans) + "]"
    plan_currencies = "ARRAY[" + ",".join(f"'{p.currency}'" for p in plans) + "]"

    customer = insert_series(
        Customer, CUSTOMERS, {**stamps, "name": "'Customer ' || g", "email": "'c' || g || '@bench.example'"}
    )
    subscription = insert_series(Subscription, CUSTOMERS, {
        **stamps, "customer_id": f"{customer - 1} + g", "plan_id": f"({plan_ids})[(mod(g, 6) + 1)::int]",
        "status": "CASE WHEN mod(g, 20) = 0 THEN 'canceled' WHEN mod(g, 20) = 1 THEN 'past_due' "
                  "WHEN mod(g, 20) = 2 THEN 'trialing' ELSE 'active' END",
        "current_period_start": "current_date - 10", "current_period_end": "current_date + 20",
    })  # fmt: skip
    contract = insert_series(Contract, CONTRACTS, {
        **stamps, "provider_id": str(provider.pk), "client_name": "'Client ' || g",
        "client_email": "'client' || g || '@bench.example'", "title": "'Contract ' || g",
        "amount": "(500 + mod(g, 4500))::numeric(14, 2)", "currency": "'EUR'", "status": "'active'",
    })  # fmt: skip
    # Invoice j: of subscription mod(j, CUSTOMERS) unless mod(j, 5) = 0; open when mod(j, 20) = 1.
    sub_of = f"mod(g, {CUSTOMERS})"
    is_open = "mod(g, 20) = 1"
    insert_series(Invoice, invoices, {
        **stamps, "customer_id": f"{customer} + {sub_of}",
        "subscription_id": f"CASE WHEN mod(g, 5) = 0 THEN NULL ELSE {subscription} + {sub_of} END",
        "number": "'INV-' || g", "status": f"CASE WHEN {is_open} THEN 'open' ELSE 'paid' END",
        "currency": f"CASE WHEN mod(g, 5) = 0 THEN 'EUR' ELSE ({plan_currencies})[(mod({sub_of} + 1, 6) + 1)::int] END",
        "issue_date": "current_date - mod(g * 7, 400)::int", "due_date": "current_date - mod(g * 7, 400)::int + 14",
        "period_start": f"CASE WHEN mod(g, 5) = 0 THEN NULL ELSE date '2000-01-01' + (g / {CUSTOMERS})::int * 31 END",
        "subtotal": "(10 + mod(g, 500))::numeric(14, 2)", "total": "(10 + mod(g, 500))::numeric(14, 2)",
        "amount_paid": f"CASE WHEN {is_open} THEN 0 ELSE (10 + mod(g, 500))::numeric(14, 2) END",
        "amount_due": f"CASE WHEN {is_open} THEN (10 + mod(g, 500))::numeric(14, 2) ELSE 0 END",
    })  # fmt: skip
    # Payment g: for invoice mod(g, invoices) or (1 in 10) contract; spread over 365 days.
    status = (
        "CASE WHEN mod(g * 37, 100) < 5 THEN 'failed' WHEN mod(g * 37, 100) < 7 THEN 'pending' "
        "WHEN mod(g * 37, 100) < 10 THEN 'partially_refunded' WHEN mod(g * 37, 100) < 12 THEN 'refunded' "
        "ELSE 'succeeded' END"
    )
    moment = f"{now} - make_interval(secs => mod(g * 7919, 365 * 86400) + 1)"
    amount = "CASE WHEN i.id IS NULL THEN (500 + mod(g, 4500))::numeric(14, 2) ELSE i.total END"
    insert_series(PaymentTransaction, None, {
        **stamps, "created_at": f"{moment} - interval '5 minutes'", "updated_at": moment,
        "invoice_id": "i.id", "contract_id": f"CASE WHEN i.id IS NULL THEN {contract} + mod(g / 10, {CONTRACTS}) END",
        "customer_id": "i.customer_id", "amount": amount, "currency": "coalesce(i.currency, 'EUR')",
        "status": status, "gateway": "'stripe'", "gateway_reference": "'pi_' || g", "idempotency_key": "'bench-' || g",
        "amount_refunded": f"CASE {status} WHEN 'refunded' THEN {amount} WHEN 'partially_refunded' THEN round({amount} / 4, 2) ELSE 0 END",
        "attempt_count": "1 + mod(g, 3)", "last_attempt_at": moment,
        "succeeded_at": f"CASE WHEN {status} IN ('failed', 'pending') THEN NULL ELSE {moment} END",
        "failure_code": f"CASE WHEN {status} = 'failed' THEN 'card_declined' ELSE '' END",
        "failure_message": f"CASE WHEN {status} = 'failed' THEN 'Your card was declined.' ELSE '' END",
    }, source=(
        f"generate_series(1::bigint, {payments}) AS g LEFT JOIN billing_invoice i "
        f"ON mod(g, 10) <> 0 AND i.tenant_id = {t} AND i.number = 'INV-' || (1 + mod(g, {invoices}))"
    ))  # fmt: skip
    insert_series(RefundRequest, None, {
        **stamps, "payment_id": "p.id", "amount": "p.amount_refunded", "currency": "p.currency",
        "reason": "'Bench refund'", "status": "'succeeded'",
        "processed_at": f"least(p.succeeded_at + interval '2 days', {now} - interval '1 second')",
    }, source=f"billing_paymenttransaction p WHERE p.tenant_id = {t} AND p.status IN ('refunded', 'partially_refunded')")  # fmt: skip
    for kind, share in (("hold", 1), ("release", 0.6), ("refund", 0.1), ("freeze", 0.02)):
        insert_series(EscrowTransaction, None, {
            **stamps, "created_at": f"{now} - make_interval(secs => mod(g * 104729, 365 * 86400) + 1)",
            "contract_id": f"{contract - 1} + g", "kind": f"'{kind}'",
            "amount": "0" if kind == "freeze" else "(500 + mod(g, 4500))::numeric(14, 2)",
            "currency": "'EUR'", "key": f"'contract-' || ({contract - 1} + g) || '-{kind}'",
        }, source=f"generate_series(1::bigint, {int(CONTRACTS * share)}) AS g")  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return tenant


# --- measuring -----------------------------------------------------------------------------------
class SqlClock:
    """Time in the database: statements (execute_wrapper) and server-side cursor fetches (the
    streamed listings fetch their rows chunk by chunk after the statement returned)."""

    def __init__(self):
        self.seconds, self.queries = 0.0, 0

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started
            self.queries += 1

    @contextmanager
    def fetches(self):
        from django.db.backends.postgresql.base import ServerSideCursor

        original = ServerSideCursor.fetchmany

        def timed(cursor, *args, **kwargs):
            started = time.perf_counter()
            try:
                return original(cursor, *args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - started

        ServerSideCursor.fetchmany = timed
        try:
            yield
        finally:
            ServerSideCursor.fetchmany = original


@contextmanager
def counting_cells():
    """Counts the cells the report hands to openpyxl (values other than None, headers included):
    the part of "other" that grows with the report's rows is openpyxl's work per cell."""
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

    original, counted = WriteOnlyWorksheet.append, [0]

    def append(sheet, row):
        row = list(row)
        counted[0] += sum(value is not None for value in row)
        return original(sheet, row)

    WriteOnlyWorksheet.append = append
    try:
        yield counted
    finally:
        WriteOnlyWorksheet.append = original


def measure(kind: str, period_start, regenerate=False):
    from billing.reports.service import generate_financial_report  # imported before: not timed

    clock = SqlClock()
    base = current_rss_mb()
    with counting_cells() as cells:
        started = time.perf_counter()
        with connection.execute_wrapper(clock), clock.fetches():
            report = generate_financial_report(kind=kind, period_start=period_start, regenerate=regenerate)
        seconds = time.perf_counter() - started
    return {
        "seconds": seconds, "sql": clock.seconds, "queries": clock.queries, "peak": peak_rss_mb(), "base": base,
        "rows": report.row_counts, "bytes": report.file.size, "cells": cells[0],
    }  # fmt: skip


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--payments", type=int, default=1_000_000)
    parser.add_argument(
        "--repeat", type=int, default=5, help="runs of each report: the first, then the median of the others"
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the bench database and reuse its data next run"
    )
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        raise SystemExit("bench/billing_reports.py needs PostgreSQL: set DATABASE_URL=postgres://...")

    import billing.reports.service  # noqa: F401  (imports are not the reports' time)
    from billing.models import FinancialReport, PaymentTransaction
    from billing.selectors import tenant_today
    from people.models import Tenant
    from people.tenancy import tenant_context

    with tempfile.TemporaryDirectory() as media, throwaway_database(keep=args.keep):
        settings.MEDIA_ROOT = media
        tenant = Tenant.objects.filter(slug="reports-co").first() if args.keep else None
        if tenant is None:
            started = time.perf_counter()
            tenant = build(args.payments)
            print(f"built {args.payments:,} payments in {time.perf_counter() - started:.1f} s")
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        with tenant_context(tenant):
            yesterday = tenant_today() - timedelta(days=1)
            last_month = (tenant_today().replace(day=1) - timedelta(days=1)).replace(day=1)
            total = PaymentTransaction.objects.count()
            quiet_day = yesterday - timedelta(days=3 * 365)  # before any data: the file's fixed cost
            FinancialReport.objects.all().delete()  # a kept database's reports of an earlier run
            results, typical = {}, {}  # typical: each report's median run (its only run with --repeat 1)
            for key, name, kind, start in (
                ("daily", f"daily {yesterday}", "daily", yesterday),
                ("monthly", f"monthly {last_month:%Y-%m}", "monthly", last_month),
                ("quiet", f"daily {quiet_day} (no data)", "daily", quiet_day),
            ):
                runs = [measure(kind, start, regenerate=n > 0) for n in range(args.repeat)]
                results[f"{name}, first"] = typical[key] = runs[0]
                if len(runs) > 1:
                    again = sorted(runs[1:], key=lambda r: r["seconds"])
                    results[f"{name}, median of {len(again)} more"] = typical[key] = again[len(again) // 2]
    print(
        f"\ndatabase: postgresql; tenant with {total:,} payments (time zone Europe/Berlin); "
        "SQL = statement execution + server-side cursor fetches; peak = peak RSS of this process "
        "during the report (VmHWM reset just before it), +MB = its growth over the RSS before it"
    )
    print(
        f"{'report':<48} {'seconds':>8} {'SQL s':>7} {'SQL %':>6} {'other s':>8} {'queries':>8} {'peak MB':>8} "
        f"{'+MB':>6} {'file KB':>8} {'cells':>6}"
    )
    for name, r in results.items():
        print(
            f"{name:<48} {r['seconds']:>8.2f} {r['sql']:>7.2f} {r['sql'] / r['seconds']:>6.0%} "
            f"{r['seconds'] - r['sql']:>8.2f} {r['queries']:>8} {r['peak']:>8.1f} {r['peak'] - r['base']:>6.1f} "
            f"{r['bytes'] / 1024:>8.0f} {r['cells']:>6,}"
        )
        print(f"{'':<48} rows per sheet: {r['rows']}")
    print(f"peak memory: {max(r['peak'] for r in results.values()):.0f} MB (target < 300 MB)")
    daily, quiet = typical["daily"], typical["quiet"]
    extra_cells = daily["cells"] - quiet["cells"]
    if extra_cells > 0:
        # What the day's data adds to "other" beyond the workbook's fixed cost, per cell written.
        extra = (daily["seconds"] - daily["sql"]) - (quiet["seconds"] - quiet["sql"])
        print(
            f"daily report: its data adds {extra * 1000:.0f} ms of non-SQL time for {extra_cells:,} more cells "
            f"({extra / extra_cells * 1e6:.0f} us per cell: openpyxl building and serialising them); "
            f"the day's SQL takes {daily['sql'] * 1000:.0f} ms"
        )


if __name__ == "__main__":
    main()
