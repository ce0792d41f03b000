"""Benchmark: the application changelist of a recruiter with 100, 10,000 and 1,000,000 applications.

One tenant with 1,000 jobs and 1,000 candidates (fixed, so only the applications grow); the
applications are added size after size (candidate x job pairs, dates spread over ~14 months) by
`INSERT ... SELECT generate_series` on PostgreSQL, batched inserts elsewhere, then ANALYZEd. Each
size prints the SQL queries and the median server time of the changelist (in-process Client.get,
cache cleared before each request) and its slowest queries; at the end the ratio
time(largest)/time(10,000) (target <= 2x) and whether the query counts are equal (target: equal).

    .venv/bin/python bench/recruiting_changelist.py [--sizes 100,10000,1000000] [--repeat 5]
"""

import argparse
import statistics
import time
from datetime import timedelta

from _setup import throwaway_database
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

URL = "/admin/recruiting/application/"
JOBS = CANDIDATES = 1000  # 1,000,000 distinct (candidate, job) pairs
SECONDS_APART = 37  # applied_at of consecutive rows: 1M rows span ~14 months


def build_people():
    from people.middleware import SESSION_KEY
    from people.models import Membership, Tenant, User
    from people.roles import Role, sync_role_groups
    from people.tenancy import tenant_context
    from recruiting.models import Candidate, JobPosting

    sync_role_groups()
    tenant = Tenant.objects.create(name="Hiring Co", slug="hiring-co")
    recruiter = User.objects.create_user(email="recruiter@hiring.example", password="x")
    with tenant_context(tenant):
        Membership.objects.create(user=recruiter, role=Role.RECRUITER)
        jobs = JobPosting.objects.bulk_create(
            [JobPosting(title=f"Engineer {j}", reference_code=f"JOB-{j:04d}") for j in range(JOBS)]
        )
        candidates = Candidate.objects.bulk_create(
            [
                Candidate(first_name=f"First{c}", last_name=f"Last{c}", email=f"c{c}@mail.example")
                for c in range(CANDIDATES)
            ]
        )
    job_ids, candidate_ids = sorted(j.pk for j in jobs), sorted(c.pk for c in candidates)
    assert job_ids[-1] - job_ids[0] + 1 == JOBS and candidate_ids[-1] - candidate_ids[0] + 1 == CANDIDATES
    client = Client()
    client.force_login(recruiter)
    session = client.session
    session[SESSION_KEY] = tenant.pk
    session.save()
    return tenant, client, job_ids[0], candidate_ids[0]


def add_applications(tenant, start, stop, first_job, first_candidate):
    """Rows start..stop-1: application i is candidate i // JOBS on job i % JOBS."""
    from django.utils import timezone

    from recruiting.models import Application, ApplicationStatus, Source

    statuses, sources = list(ApplicationStatus.values), list(Source.values)
    now = timezone.now()
    table = Application._meta.db_table
    columns = (
        "tenant_id, created_at, updated_at, candidate_id, job_id, status, status_changed_at, source, "
        "rejection_reason, applied_at, hired_at"
    )
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            step = 200_000
            for low in range(start, stop, step):
                high = min(low + step, stop)
                cursor.execute(
                    f"""
                    INSERT INTO {table} ({columns})
                    SELECT %s, %s, %s, %s + g / {JOBS}, %s + mod(g, {JOBS}),
                           (%s::text[])[mod(g, %s) + 1],
                           %s - make_interval(secs => (g * {SECONDS_APART / 2})::double precision),
                           (%s::text[])[mod(g, %s) + 1], '',
                           %s - make_interval(secs => (g * {SECONDS_APART})::double precision), NULL
                    FROM generate_series(%s, %s) AS g
                    """,
                    [
                        tenant.pk,
                        now,
                        now,
                        first_candidate,
                        first_job,
                        statuses,
                        len(statuses),
                        now,
                        sources,
                        len(sources),
                        now,
                        low,
                        high - 1,
                    ],
                )
                print(f"  {high:,} applications", flush=True)
            cursor.execute(f"ANALYZE {table}")
        else:
            adapt = connection.ops.adapt_datetimefield_value
            step = 20_000
            for low in range(start, stop, step):
                high = min(low + step, stop)
                cursor.executemany(
                    f"INSERT INTO {table} ({columns}) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, '', %s, NULL)",
                    [
                        (
                            tenant.pk,
                            adapt(now),
                            adapt(now),
                            first_candidate + i // JOBS,
                            first_job + i % JOBS,
                            statuses[i % len(statuses)],
                            adapt(now - timedelta(seconds=i * SECONDS_APART / 2)),
                            sources[i % len(sources)],
                            adapt(now - timedelta(seconds=i * SECONDS_APART)),
                        )
                        for i in range(low, high)
                    ],
                )
                print(f"  {high:,} applications", flush=True)
            cursor.execute(f"ANALYZE {table}")


def measure(client, repeat):
    timings = []
    for _ in range(repeat):
        cache.clear()
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(URL)
            timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.status_code
    slowest = sorted(captured.captured_queries, key=lambda q: -float(q["time"]))[:3]
    return len(captured), statistics.median(timings), slowest


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,10000,1000000", help="comma-separated application counts")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    sizes = sorted(int(size) for size in args.sizes.split(","))
    assert sizes[-1] <= JOBS * CANDIDATES, f"at most {JOBS * CANDIDATES:,} applications"
    results = {}
    with throwaway_database():
        tenant, client, first_job, first_candidate = build_people()
        client.get(URL)  # warm-up: URL resolver, templates, the permission cache
        have = 0
        for size in sizes:
            started = time.perf_counter()
            add_applications(tenant, have, size, first_job, first_candidate)
            have = size
            print(f"{size:,} applications ready in {time.perf_counter() - started:.1f} s")
            results[size] = measure(client, args.repeat)
        print(
            f"\ndatabase: {connection.vendor}; recruiter's application changelist ({URL}); "
            f"{JOBS:,} jobs, {CANDIDATES:,} candidates; median of {args.repeat} requests"
        )
        print(f"{'applications':>12} {'queries':>7} {'ms':>8}   slowest queries (ms)")
        for size, (queries, ms, slowest) in results.items():
            top = "; ".join(f"{float(q['time']) * 1000:.0f} {q['sql'][:60]}" for q in slowest)
            print(f"{size:>12,} {queries:>7} {ms:>8.1f}   {top}")
    largest = sizes[-1]
    if 10_000 in results and largest != 10_000:
        ratio = results[largest][1] / results[10_000][1]
        print(f"time({largest:,}) / time(10,000): {ratio:.2f}x (target <= 2x)")
    counts = {queries for queries, _, _ in results.values()}
    print(f"query counts equal across sizes: {'yes' if len(counts) == 1 else 'no'} ({sorted(counts)})")


if __name__ == "__main__":
    main()
