"""Benchmark: SQL queries and median time of the marketplace admin pages at 100 and 10,000 providers.

One tenant seen by an ops user; each provider has one service, one booking (bookings spread over
100 weeks, so a calendar week holds ~1% of them) and one contract (statuses spread). Sizes are
filled size after size with bulk inserts (no history: figures for the pages, not the writes). For
each size it prints the queries, the median server time (in-process Client.get, cache cleared
before each request) of the provider changelist (plain, searched, filtered by rating), the
booking and contract changelists, the booking calendar and the dashboard; then whether each
page's query count is the same at every size (target: yes).

    .venv/bin/python bench/marketplace_pages.py [--sizes 100,10000] [--repeat 5]

Runs on a throwaway test database of the configured engine (DATABASE_URL, else SQLite).
"""

import argparse
import statistics
import time
from datetime import timedelta
from decimal import Decimal

from _setup import throwaway_database
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

PAGES = {
    "providers": "/admin/marketplace/serviceprovider/",
    "providers ?q=": "/admin/marketplace/serviceprovider/?q=django",
    "providers ?rating=4": "/admin/marketplace/serviceprovider/?rating=4",
    "bookings": "/admin/marketplace/booking/",
    "contracts": "/admin/marketplace/contract/",
    "calendar": "/admin/marketplace/booking-calendar/",
    "dashboard": "/admin/",
}
WEEKS = 100


def build_tenant():
    from people.middleware import SESSION_KEY
    from people.models import Membership, Tenant, User
    from people.roles import Role, sync_role_groups
    from people.tenancy import tenant_context

    sync_role_groups()
    tenant = Tenant.objects.create(name="Market Co", slug="market-co")
    ops = User.objects.create_user(email="ops@market.example", password="x")
    with tenant_context(tenant):
        Membership.objects.create(user=ops, role=Role.OPS)
    client = Client()
    client.force_login(ops)
    session = client.session
    session[SESSION_KEY] = tenant.pk
    session.save()
    return tenant, client


def add_providers(tenant, start, stop):
    from django.utils import timezone

    from marketplace.models import (
        Booking,
        BookingStatus,
        Contract,
        ContractStatus,
        Service,
        ServiceCategory,
        ServiceProvider,
    )
    from people.tenancy import tenant_context

    now = timezone.now()
    monday = (now - timedelta(days=now.weekday())).replace(hour=8, minute=0, second=0, microsecond=0)
    skills = ["Python, Django", "Branding, Figma", "Cleaning", "Plumbing", "Data, dbt"]
    contract_statuses, booking_statuses = list(ContractStatus.values), list(BookingStatus.values)
    with tenant_context(tenant):
        category = ServiceCategory.objects.get_or_create(name="General")[0]
        step = 2000
        for low in range(start, stop, step):
            high = min(low + step, stop)
            providers = ServiceProvider.objects.bulk_create(
                [
                    ServiceProvider(
                        display_name=f"Provider {i:06d}",
                        skills=skills[i % len(skills)],
                        city="Berlin" if i % 2 else "Munich",
                        country="DE",
                        currency="EUR",
                        hourly_rate=Decimal(50 + i % 100),
                        is_verified=i % 3 == 0,
                        verified_at=now if i % 3 == 0 else None,
                        marketplace_enabled=i % 4 != 0,
                        rating_average=None if i % 5 == 0 else Decimal("3.00") + Decimal(i % 20) / 10,
                        review_count=i % 7,
                    )
                    for i in range(low, high)
                ]
            )
            services = Service.objects.bulk_create(
                [
                    Service(
                        provider=p, category=category, title="Session", price=Decimal("100"), currency="EUR"
                    )
                    for p in providers
                ]
            )
            Booking.objects.bulk_create(
                [
                    Booking(
                        service=s,
                        provider=s.provider,
                        client_name=f"Client {i}",
                        client_email=f"client{i}@mail.example",
                        start_at=monday + timedelta(weeks=(i % WEEKS) - WEEKS // 2, hours=i % 9),
                        end_at=monday + timedelta(weeks=(i % WEEKS) - WEEKS // 2, hours=i % 9 + 1),
                        status=booking_statuses[i % len(booking_statuses)]
                        if booking_statuses[i % len(booking_statuses)] != BookingStatus.CONFIRMED
                        else BookingStatus.REQUESTED,
                    )
                    for i, s in zip(range(low, high), services, strict=True)
                ]
            )
            Contract.objects.bulk_create(
                [
                    Contract(
                        provider=p,
                        client_name=f"Client {i}",
                        client_email=f"client{i}@mail.example",
                        title=f"Project {i}",
                        amount=Decimal("1000"),
                        currency="EUR",
                        status=contract_statuses[i % len(contract_statuses)],
                    )
                    for i, p in zip(range(low, high), providers, strict=True)
                ]
            )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def measure(client, url, repeat):
    timings = []
    for _ in range(repeat):
        cache.clear()
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return len(captured), statistics.median(timings)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,10000", help="comma-separated provider counts")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    sizes = sorted(int(size) for size in args.sizes.split(","))
    results = {}
    with throwaway_database():
        tenant, client = build_tenant()
        for url in PAGES.values():
            client.get(url)  # warm-up: URL resolver, templates, the permission cache
        have = 0
        for size in sizes:
            started = time.perf_counter()
            add_providers(tenant, have, size)
            have = size
            print(f"{size:,} providers ready in {time.perf_counter() - started:.1f} s", flush=True)
            results[size] = {name: measure(client, url, args.repeat) for name, url in PAGES.items()}
        print(f"\ndatabase: {connection.vendor}; ops user; median of {args.repeat} requests")
        header = f"{'page':<22}" + "".join(f"{f'{size:,} q':>12}{f'{size:,} ms':>14}" for size in sizes)
        print(header)
        for name in PAGES:
            cells = "".join(f"{results[size][name][0]:>12}{results[size][name][1]:>14.1f}" for size in sizes)
            print(f"{name:<22}{cells}")
    flat = all(len({results[size][name][0] for size in sizes}) == 1 for name in PAGES)
    print(f"query counts equal across sizes for every page: {'yes' if flat else 'no'}")


if __name__ == "__main__":
    main()
