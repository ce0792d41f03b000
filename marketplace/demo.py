"""Demo data of the marketplace app, added by `manage.py bootstrap_demo_tenant` (see people/registry.py).

A category tree (4 top-level categories, 7 below them), 12 providers (5 verified, 3 without a
location, 6 without a legal business name, 3 not on the marketplace of which 1 inactive, 1 not
accepting projects), 19 services, 18 bookings around this week in every status, 10 contracts in
every status and 5 reviews (one unpublished).

Everything goes through the marketplace services, so the rules hold (no overlapping confirmed
bookings, allowed transitions only), history is written and the providers' figures are kept.
Idempotent: a tenant that already has providers gets nothing new.
"""

from __future__ import annotations

import zoneinfo
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from marketplace.models import ContractStatus, ProviderKind, Service, ServiceCategory, ServiceProvider
from marketplace.services import bookings, contracts, providers, reviews
from people.models import Membership, User

OWNER_EMAIL = "admin@demo.localhost"
OPS_EMAIL = "ops@demo.localhost"

CATEGORIES = {
    "Software development": ["Web development", "Data engineering"],
    "Design": ["Branding", "UX research"],
    "Home services": ["Cleaning", "Repairs", "Gardening"],
    "Coaching": [],
}

IND, CO = ProviderKind.INDIVIDUAL, ProviderKind.COMPANY
# (display name, legal name, kind, skills, rate, city, country, lat, lon, verified, listed, active, accepting)
# fmt: off
PROVIDERS = [
    ("Ada Byte", "", IND, "Python, Django, PostgreSQL", "95", "Berlin", "DE", "52.520008", "13.404954", True, True, True, True),
    ("Pixel & Co", "Pixel & Co Design GmbH", CO, "Branding, Illustration, Figma", "110", "Hamburg", "DE", "53.551086", "9.993682", True, True, True, True),
    ("Grace Data", "", IND, "Data engineering, Airflow, dbt", "120", "Munich", "DE", "48.135125", "11.581981", True, True, True, False),
    ("Sparkle Cleaning", "Sparkle Cleaning Services Ltd", CO, "Office cleaning, Deep cleaning", "35", "Cologne", "DE", "50.937531", "6.960279", True, True, True, True),
    ("Fix-It Fritz", "", IND, "Plumbing, Electrics, Carpentry", "55", "", "", None, None, True, True, True, True),
    ("Remote Research Lab", "Remote Research Lab B.V.", CO, "UX research, Usability testing", "100", "", "", None, None, False, True, True, True),
    ("Linus Kernel", "", IND, "C, Linux, Embedded", "130", "Helsinki", "FI", "60.169857", "24.938379", False, True, True, True),
    ("Green Thumbs", "Green Thumbs Gartenbau KG", CO, "Gardening, Landscaping", "45", "Leipzig", "DE", "51.339695", "12.373075", False, True, True, True),
    ("Coach Carla", "", IND, "Leadership coaching, Career coaching", "150", "", "", None, None, False, True, True, True),
    ("WebWorks Studio", "WebWorks Studio GmbH", CO, "React, TypeScript, Accessibility", "105", "Frankfurt", "DE", "50.110924", "8.682127", False, False, True, True),
    ("Brandon Brand", "", IND, "Logo design, Typography", "70", "Vienna", "AT", "48.208176", "16.373819", False, False, True, True),
    ("Old Reliable Repairs", "Old Reliable Repairs e.K.", CO, "Appliance repair", "50", "Bremen", "DE", "53.079296", "8.801694", False, False, False, True),
]
# provider index -> [(title, category, price, minutes)]
SERVICES = {
    0: [("Django code review", "Web development", "380", 240), ("Database tuning session", "Data engineering", "190", 120)],
    1: [("Logo and brand kit", "Branding", "1800", 480), ("Brand workshop", "Branding", "650", 180)],
    2: [("Pipeline health check", "Data engineering", "480", 240), ("dbt project setup", "Data engineering", "2400", 960)],
    3: [("Office deep clean", "Cleaning", "240", 240), ("Weekly office cleaning", "Cleaning", "120", 120)],
    4: [("Plumbing call-out", "Repairs", "90", 60), ("Small repairs (hourly)", "Repairs", "55", 60)],
    5: [("Usability test (5 users)", "UX research", "2200", 480)],
    6: [("Embedded firmware review", "Software development", "780", 360)],
    7: [("Garden maintenance", "Gardening", "135", 180), ("Hedge trimming", "Gardening", "90", 120)],
    8: [("Leadership coaching session", "Coaching", "150", 60), ("Career coaching session", "Coaching", "120", 60)],
    9: [("Accessibility audit", "Web development", "1500", 480)],
    10: [("Logo refresh", "Branding", "600", 240)],
    11: [("Washing machine repair", "Repairs", "80", 60)],
}
CLIENTS = [
    ("Marie Curie", "marie@radium.example"),
    ("Alan Kay", "alan@smalltalk.example"),
    ("Katherine Johnson", "katherine@orbit.example"),
    ("Tim Cook", "tim@fruit.example"),
    ("Frances Allen", "frances@compilers.example"),
    ("Barbara Liskov", "barbara@clu.example"),
]
# (provider, service index, day offset from this Monday, local hour, final status); bookings that
# took place (completed, no-show) are before this Monday, so they are always in the past.
BOOKINGS = [
    (0, 0, -7, 9, "completed"),
    (0, 1, -5, 14, "no_show"),
    (0, 1, -1, 9, "completed"),
    (0, 0, 2, 10, "confirmed"),
    (0, 1, 2, 15, "requested"),
    (1, 1, -3, 10, "completed"),
    (1, 1, 3, 13, "confirmed"),
    (2, 0, 1, 9, "confirmed"),
    (2, 0, 1, 10, "requested"),  # overlaps the confirmed one: waiting for a decision
    (3, 0, -2, 8, "completed"),
    (3, 1, 4, 8, "confirmed"),
    (3, 1, 4, 9, "cancelled"),
    (4, 0, -1, 16, "no_show"),
    (4, 1, 5, 11, "requested"),
    (6, 0, 8, 9, "confirmed"),
    (7, 0, 3, 9, "cancelled"),
    (8, 0, -4, 17, "completed"),
    (8, 1, 9, 17, "requested"),
]
C = ContractStatus
# (provider, title, client index, amount, final status, review (rating, comment, published) or None)
CONTRACTS = [
    (0, "Booking platform rebuild", 0, "18500", C.COMPLETED, (5, "Fast, careful and well documented.", True)),
    (0, "Django upgrade to 5.2", 3, "4200", C.ACTIVE, None),
    (1, "Rebrand for the spring launch", 1, "9600", C.COMPLETED, (4, "Great ideas; one round of revisions ran late.", True)),
    (1, "Packaging design", 4, "3100", C.DRAFT, None),
    (2, "Warehouse data pipeline", 2, "12800", C.DELIVERED, None),
    (3, "Office cleaning, Q3", 5, "2900", C.COMPLETED, (5, "Spotless every time.", True)),
    (4, "Kitchen renovation repairs", 3, "1750", C.DISPUTED, None),
    (6, "Firmware bring-up", 2, "7400", C.COMPLETED, (3, "Good work, slow communication.", True)),
    (7, "Garden redesign", 0, "5200", C.CANCELLED, None),
    (8, "Leadership programme (10 sessions)", 4, "1500", C.COMPLETED, (2, "Not what we expected.", False)),
]
# fmt: on


@transaction.atomic
def build_demo_data(*, tenant, stdout) -> bool:
    if ServiceProvider.objects.exists():
        return False
    zone = zoneinfo.ZoneInfo(tenant.timezone or "UTC")
    today = timezone.localdate(timezone.now(), zone)
    monday = today - timedelta(days=today.weekday())
    members = {
        m.user.email: m.user
        for m in Membership.objects.select_related("user").filter(user__email__in=[OWNER_EMAIL, OPS_EMAIL])
    }
    by: User | None = members.get(OPS_EMAIL) or members.get(OWNER_EMAIL)

    categories = {}
    for parent_name, children in CATEGORIES.items():
        parent = categories[parent_name] = ServiceCategory.objects.create(name=parent_name)
        for name in children:
            categories[name] = ServiceCategory.objects.create(name=name, parent=parent)

    provider_rows, services = [], {}
    for index, row in enumerate(PROVIDERS):
        name, legal, kind, skills, rate, city, country, lat, lon, *_flags = row
        provider = ServiceProvider.objects.create(
            display_name=name,
            legal_name=legal,
            kind=kind,
            bio=f"{name}: {skills.split(',')[0].strip().lower()} and more, for companies of every size.",
            skills=skills,
            hourly_rate=Decimal(rate),
            city=city,
            country=country,
            latitude=Decimal(lat) if lat else None,
            longitude=Decimal(lon) if lon else None,
        )
        provider_rows.append(provider)
        services[index] = [
            Service.objects.create(
                provider=provider,
                category=categories[category],
                title=title,
                description=f"{title} by {name}.",
                price=Decimal(price),
                duration_minutes=minutes,
            )
            for title, category, price, minutes in SERVICES[index]
        ]

    for provider, row in zip(provider_rows, PROVIDERS, strict=True):
        verified, listed = row[9], row[10]
        if verified:
            providers.verify_provider(provider_id=provider.pk, by=by)
        if listed:
            providers.enable_on_marketplace(provider_id=provider.pk, by=by)

    for number, (p_index, s_index, day_offset, hour, status) in enumerate(BOOKINGS):
        service = services[p_index][s_index]
        start = datetime.combine(monday + timedelta(days=day_offset), time(hour), tzinfo=zone)
        client_name, client_email = CLIENTS[number % len(CLIENTS)]
        booking = bookings.request_booking(
            service_id=service.pk,
            client_name=client_name,
            client_email=client_email,
            start=start,
            notes="Booked by phone." if number % 3 == 0 else "",
            by=by,
        )
        if status in ("confirmed", "completed", "no_show"):
            bookings.confirm_booking(booking_id=booking.pk, by=by)
        if status == "completed":
            bookings.complete_booking(booking_id=booking.pk, by=by)
        elif status == "no_show":
            bookings.mark_no_show(booking_id=booking.pk, by=by)
        elif status == "cancelled":
            bookings.cancel_booking(booking_id=booking.pk, reason="The client rescheduled.", by=by)

    # The steps from a draft to each final status, in lifecycle order.
    paths = {
        C.DRAFT: [],
        C.ACTIVE: [contracts.activate_contract],
        C.DELIVERED: [contracts.activate_contract, contracts.deliver_contract],
        C.COMPLETED: [contracts.activate_contract, contracts.deliver_contract, contracts.complete_contract],
        C.DISPUTED: [contracts.activate_contract, contracts.deliver_contract],
        C.CANCELLED: [contracts.activate_contract],
    }
    review_count = 0
    for p_index, title, client_index, amount, status, review in CONTRACTS:
        client_name, client_email = CLIENTS[client_index]
        contract = contracts.create_contract(
            provider_id=provider_rows[p_index].pk,
            client_name=client_name,
            client_email=client_email,
            client_company=client_email.split("@")[1].split(".")[0].title() + " Inc.",
            title=title,
            scope=f"{title}, as agreed in the kick-off call.",
            amount=amount,
            start_date=today - timedelta(days=30),
            end_date=today + timedelta(days=30),
            by=by,
        )
        for step in paths[status]:
            step(contract_id=contract.pk, by=by)
        if status == C.DISPUTED:
            contracts.dispute_contract(
                contract_id=contract.pk, reason="The client says two items are missing.", by=by
            )
        elif status == C.CANCELLED:
            contracts.cancel_contract(contract_id=contract.pk, reason="The client's budget was cut.", by=by)
        if review is not None:
            rating, comment, published = review
            reviews.leave_review(
                contract_id=contract.pk, rating=rating, comment=comment, publish=published, by=by
            )
            review_count += 1

    # Availability last (a plain profile change): contracts were made while they took projects.
    for provider, row in zip(provider_rows, PROVIDERS, strict=True):
        active, accepting = row[11], row[12]
        if not (active and accepting):
            provider.refresh_from_db()
            provider.is_active, provider.accepting_projects = active, accepting
            provider.save(update_fields=["is_active", "accepting_projects", "updated_at"])

    stdout.write(
        f"  marketplace: {len(categories)} categories, {len(provider_rows)} providers, "
        f"{sum(len(s) for s in services.values())} services, {len(BOOKINGS)} bookings, "
        f"{len(CONTRACTS)} contracts, {review_count} reviews"
    )
    return True
