"""Benchmark: bulk catalog sync of 100,000 jobs against the one-row-at-a-time path, same run.

One tenant with `--jobs` listed jobs (realistic titles, HTML descriptions of ~1 KB, skills,
salaries), written with bulk inserts (no change tasks), then vacuumed, analyzed and checkpointed
on PostgreSQL (as a source table is when a sync runs, not a second after its rows were loaded). Then:
1. bulk: `catalog.sync.engine.sync_tenant("jobs")` over every job (each becomes an entry);
2. unchanged: the same again (the integrity check's cost when nothing differs);
3. every entry changed: the tenant renamed, so each entry is rewritten in place (on PostgreSQL
   the upsert through a temporary table, not the COPY of new entries);
4. one row at a time: `sync_row("jobs", id)` (what each change task runs) for `--sample` jobs
   whose entries were deleted first, so each one is written.
Prints jobs/s and SQL statements of each, and the bulk/one-row ratio (targets: >= 5,000 jobs/s
and >= 20x, for 1 against 4).

    .venv/bin/python bench/catalog_sync.py [--jobs 100000] [--sample 2000]

Runs on a throwaway test database of the configured engine (DATABASE_URL, else SQLite).
"""

import argparse
import time
from datetime import timedelta
from decimal import Decimal

from _setup import throwaway_database
from django.db import connection

TITLES = ["Backend Developer", "Product Designer", "Data Engineer", "Account Executive", "Nurse",
          "Warehouse Associate", "Site Reliability Engineer", "Marketing Manager"]  # fmt: skip
CATEGORIES = ["Engineering", "Design", "Data", "Sales", "Health", "Logistics", "Operations", "Marketing"]
PARAGRAPH = (
    "<p>We are looking for a <b>{title}</b> to join our {category} team in {city}. You will work "
    "with colleagues across the company on products used by thousands of customers every day.</p>"
    "<ul><li>Ownership from day one</li><li>Flexible hours and remote days</li>"
    "<li>Training budget</li></ul><p>Questions? Ask in the application form.</p>"
)


def build(jobs: int):
    from django.utils import timezone

    from people.models import Tenant
    from people.tenancy import tenant_context
    from recruiting.models import JobPosting, JobStatus, RemotePolicy

    tenant = Tenant.objects.create(name="Bench Co", slug="bench-co")
    now = timezone.now()
    policies = list(RemotePolicy.values)
    with tenant_context(tenant):
        for low in range(0, jobs, 5000):
            JobPosting.objects.bulk_create(
                [
                    JobPosting(
                        title=f"{TITLES[i % 8]} {i}",
                        reference_code=f"JOB-{i:07d}",
                        location=["Berlin", "Munich", "Hamburg", "Remote"][i % 4],
                        remote_policy=policies[i % 3],
                        category=CATEGORIES[i % 8],
                        description=PARAGRAPH.format(title=TITLES[i % 8], category=CATEGORIES[i % 8], city="Berlin") * 2,
                        requirements="<ul><li>3+ years of experience</li><li>German or English</li></ul>",
                        skills=["Python", "SQL", "Teamwork"][: 1 + i % 3],
                        salary_min=Decimal(40000 + i % 30 * 1000),
                        salary_max=Decimal(60000 + i % 30 * 1000),
                        salary_currency="EUR",
                        status=JobStatus.PUBLISHED,
                        published_on_career_page=True,
                        published_at=now - timedelta(minutes=i),
                    )
                    for i in range(low, min(low + 5000, jobs))
                ]
            )  # fmt: skip
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The jobs were inserted a moment ago; a real source table has been read and vacuumed
            # long before a sync. Without this, the timed sync pays for the build: the first read
            # of each new row sets its hint bits (dirtying every page of the jobs table again)
            # and the build's 200 MB of dirty buffers are flushed during it.
            cursor.execute("VACUUM ANALYZE")
            cursor.execute("CHECKPOINT")
        else:
            cursor.execute("ANALYZE")
    return tenant


class StatementCounter:
    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def timed(func):
    counter = StatementCounter()
    with connection.execute_wrapper(counter):
        started = time.perf_counter()
        result = func()
        seconds = time.perf_counter() - started
    return result, seconds, counter.count


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=100_000)
    parser.add_argument("--sample", type=int, default=2000)
    args = parser.parse_args()
    with throwaway_database():
        from catalog.models import PublicJobCatalog
        from catalog.sync.engine import sync_row, sync_tenant
        from people.models import Tenant
        from people.tenancy import tenant_context

        started = time.perf_counter()
        tenant = build(args.jobs)
        print(
            f"{args.jobs:,} jobs ready in {time.perf_counter() - started:.1f} s ({connection.vendor})",
            flush=True,
        )
        with tenant_context(tenant):
            bulk, bulk_s, bulk_q = timed(lambda: sync_tenant("jobs"))
            assert bulk.synced == args.jobs and bulk.errors == 0, bulk
            again, again_s, again_q = timed(lambda: sync_tenant("jobs"))
            assert again.synced == 0 and again.skipped == args.jobs, again
            Tenant.objects.filter(pk=tenant.pk).update(name="Bench Company")  # no change signals
            tenant.name = "Bench Company"
            changed, changed_s, changed_q = timed(lambda: sync_tenant("jobs"))
            assert changed.synced == args.jobs and changed.details["stale"] == args.jobs, changed
            ids = list(
                PublicJobCatalog.objects.order_by("?").values_list("source_job_id", flat=True)[: args.sample]
            )
            PublicJobCatalog.objects.filter(source_job_id__in=ids)._raw_delete(connection.alias)
            outcomes, row_s, row_q = timed(lambda: [sync_row("jobs", job_id) for job_id in ids])
            assert set(outcomes) == {"listed"}, set(outcomes)
        bulk_rate, row_rate = args.jobs / bulk_s, len(ids) / row_s
        print(f"\n{'path':<34}{'jobs':>10}{'seconds':>10}{'jobs/s':>10}{'SQL':>9}")
        print(
            f"{'bulk sync (every row written)':<34}{args.jobs:>10,}{bulk_s:>10.2f}{bulk_rate:>10,.0f}{bulk_q:>9,}"
        )
        print(f"{'bulk sync (nothing changed)':<34}{args.jobs:>10,}{again_s:>10.2f}{args.jobs / again_s:>10,.0f}"
              f"{again_q:>9,}")  # fmt: skip
        print(f"{'bulk sync (every entry changed)':<34}{args.jobs:>10,}{changed_s:>10.2f}"
              f"{args.jobs / changed_s:>10,.0f}{changed_q:>9,}")  # fmt: skip
        print(
            f"{'one row at a time (change task)':<34}{len(ids):>10,}{row_s:>10.2f}{row_rate:>10,.0f}{row_q:>9,}"
        )
        print(f"\nbulk: {bulk_rate:,.0f} jobs/s (target >= 5,000); bulk / one-row: {bulk_rate / row_rate:.1f}x "
              "(target >= 20x)")  # fmt: skip


if __name__ == "__main__":
    main()
