"""Dashboard widgets of the marketplace app (collected through people.registry, see config/dashboard.py).

For users who may view providers (ops, owners, finance, viewers):
- four KPI cards (active providers on the marketplace, bookings this week, open contracts, average
  rating of published reviews) from one query: scalar sub-selects on a one-row select of the tenant;
- a contracts-by-status bar chart from one conditional-aggregate query.
Two queries in all, whatever the number of providers, bookings or contracts. "This week" is the
tenant's (Monday to Sunday in its time zone), not the server's.
"""

from __future__ import annotations

import zoneinfo
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Avg, Count, DecimalField, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from marketplace.models import Booking, BookingStatus, Contract, ContractStatus, Review, ServiceProvider
from people.models import Tenant

OPEN_CONTRACT_STATUSES = (ContractStatus.ACTIVE, ContractStatus.DELIVERED, ContractStatus.DISPUTED)


def _sees_marketplace(request) -> bool:
    return request.user.has_perm("marketplace.view_serviceprovider")


def _tenant_zone(request) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(request.tenant.timezone or "UTC")


def _local_midnight(day: date, zone: zoneinfo.ZoneInfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=zone)


def week_bounds(request) -> tuple[date, datetime, datetime]:
    """This week's Monday and its start and end moments in the tenant's time zone."""
    zone = _tenant_zone(request)
    today = timezone.localdate(timezone.now(), zone)
    monday = today - timedelta(days=today.weekday())
    return monday, _local_midnight(monday, zone), _local_midnight(monday + timedelta(days=7), zone)


def _per_tenant(queryset, aggregate, output_field):
    """A scalar sub-select of `aggregate` over `queryset`'s rows of the outer tenant."""
    return Subquery(
        queryset.filter(tenant=OuterRef("pk"))
        .order_by()
        .values("tenant")
        .annotate(v=aggregate)
        .values("v")[:1],
        output_field=output_field,
    )


def marketplace_kpis(request):
    """Active providers, bookings this week, open contracts, average rating: one query."""
    if not _sees_marketplace(request):
        return None
    monday, week_start, week_end = week_bounds(request)
    counted = IntegerField()
    figures = (
        Tenant.objects.filter(pk=request.tenant.pk)
        .annotate(
            active_providers=Coalesce(
                _per_tenant(
                    ServiceProvider.objects.filter(is_active=True, marketplace_enabled=True),
                    Count("pk"),
                    counted,
                ),
                0,
            ),
            bookings_this_week=Coalesce(
                _per_tenant(
                    Booking.objects.filter(start_at__gte=week_start, start_at__lt=week_end).exclude(
                        status=BookingStatus.CANCELLED
                    ),
                    Count("pk"),
                    counted,
                ),
                0,
            ),
            open_contracts=Coalesce(
                _per_tenant(Contract.objects.filter(status__in=OPEN_CONTRACT_STATUSES), Count("pk"), counted),
                0,
            ),
            average_rating=_per_tenant(
                Review.objects.filter(is_published=True),
                Avg("rating"),
                DecimalField(max_digits=4, decimal_places=2),
            ),
        )
        .values("active_providers", "bookings_this_week", "open_contracts", "average_rating")
        .get()
    )
    rating = figures["average_rating"]
    rating_text = (
        "–"
        if rating is None
        else f"{Decimal(str(rating)).quantize(Decimal('0.01'), rounding=ROUND_HALF_UP)} ★"
    )
    return [
        {
            "kind": "kpi",
            "title": "Active providers",
            "value": figures["active_providers"],
            "footer": "active and on the marketplace",
        },
        {
            "kind": "kpi",
            "title": "Bookings this week",
            "value": figures["bookings_this_week"],
            "footer": f"week of {monday:%d %B}, not cancelled",
        },
        {
            "kind": "kpi",
            "title": "Open contracts",
            "value": figures["open_contracts"],
            "footer": "active, delivered or disputed",
        },
        {"kind": "kpi", "title": "Average rating", "value": rating_text, "footer": "published reviews"},
    ]


def contracts_by_status_chart(request):
    """Contracts per status, in lifecycle order: one query."""
    if not _sees_marketplace(request):
        return None
    counts = Contract.objects.aggregate(
        **{f"n_{status.value}": Count("pk", filter=Q(status=status)) for status in ContractStatus}
    )
    return {
        "kind": "chart",
        "chart": "bar",
        "title": "Contracts by status",
        "data": {
            "labels": [str(status.label) for status in ContractStatus],
            "datasets": [
                {"label": "Contracts", "data": [counts[f"n_{status.value}"] for status in ContractStatus]}
            ],
        },
    }


WIDGETS = [marketplace_kpis, contracts_by_status_chart]
