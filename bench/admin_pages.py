"""Benchmark: SQL queries and time of the admin's kernel pages as a tenant grows.

Prints, for each tenant size, the queries and median milliseconds of the dashboard and the
members changelist seen by the tenant's owner. The query counts must not grow with the data;
times are figures to compare between changes, not targets.

    .venv/bin/python bench/admin_pages.py [--sizes 10 100 1000] [--repeat 5]

Runs on a throwaway test database of the configured engine (DATABASE_URL, else SQLite).
"""

import argparse
import statistics
import time

from _setup import throwaway_database
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

PAGES = {"dashboard": "/admin/", "members": "/admin/people/membership/"}


def build_tenant(size: int):
    from people.models import Membership, Tenant, User
    from people.roles import Role, sync_role_groups
    from people.tenancy import tenant_context

    sync_role_groups()
    tenant = Tenant.objects.create(name=f"Bench {size}", slug=f"bench-{size}")
    owner = User.objects.create_user(email=f"owner@bench-{size}.test", password="x")
    users = User.objects.bulk_create(
        [User(email=f"member{i}@bench-{size}.test", password="!") for i in range(size - 1)]
    )
    roles = [role for role in Role.values if role != Role.OWNER]
    with tenant_context(tenant):
        Membership.objects.create(user=owner, role=Role.OWNER)
        Membership.objects.bulk_create(
            [Membership(user=user, role=roles[i % len(roles)]) for i, user in enumerate(users)]
        )
    return tenant, owner


def measure(client, url, repeat):
    timings, queries = [], 0
    for _ in range(repeat):
        cache.clear()  # the dashboard caches its widgets: measure the uncached page
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
        queries = len(captured)
    return queries, statistics.median(timings)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 100, 1000])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    with throwaway_database():
        print(f"database: {connection.vendor}; median of {args.repeat} requests, cache cleared each time")
        print(f"{'members':>8} {'page':<10} {'queries':>7} {'ms':>8}")
        for size in args.sizes:
            tenant, owner = build_tenant(size)
            client = Client()
            client.force_login(owner)
            for name, url in PAGES.items():
                queries, ms = measure(client, url, args.repeat)
                print(f"{size:>8} {name:<10} {queries:>7} {ms:>8.1f}")


if __name__ == "__main__":
    main()
