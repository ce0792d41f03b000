"""Reads of the marketplace app that services, the dashboard, the calendar and commands share."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

from django.db.models import Avg, Count, QuerySet

from marketplace.models import Booking, BookingStatus, Contract, ContractStatus, Review

RATING_PLACES = Decimal("0.01")


class ProviderStats(NamedTuple):
    rating_average: Decimal | None
    review_count: int
    completed_contracts_count: int


NO_STATS = ProviderStats(None, 0, 0)


def provider_stats(provider_ids: Iterable[int] | None = None) -> dict[int, ProviderStats]:
    """{provider_id: ProviderStats} from the published reviews and the completed contracts: two
    grouped queries whatever the number of providers (None: every provider of the tenant).
    Providers with neither reviews nor completed contracts are absent (their figures are NO_STATS)."""
    reviews = Review.objects.filter(is_published=True)
    contracts = Contract.objects.filter(status=ContractStatus.COMPLETED)
    if provider_ids is not None:
        ids = list(provider_ids)
        reviews = reviews.filter(contract__provider_id__in=ids)
        contracts = contracts.filter(provider_id__in=ids)
    found: dict[int, list] = {}
    for provider_id, average, count in (
        reviews.order_by()
        .values("contract__provider_id")
        .annotate(average=Avg("rating"), n=Count("pk"))
        .values_list("contract__provider_id", "average", "n")
    ):
        rating = Decimal(str(average)).quantize(RATING_PLACES, rounding=ROUND_HALF_UP)
        found[provider_id] = [rating, count, 0]
    for provider_id, count in (
        contracts.order_by().values("provider_id").annotate(n=Count("pk")).values_list("provider_id", "n")
    ):
        found.setdefault(provider_id, [None, 0, 0])[2] = count
    return {provider_id: ProviderStats(*values) for provider_id, values in found.items()}


def overlapping_confirmed_booking(
    *, provider_id: int, start: datetime, end: datetime, exclude_id: int | None = None
) -> Booking | None:
    """The first confirmed booking of the provider that overlaps [start, end), if any."""
    clashes = Booking.objects.filter(
        provider_id=provider_id, status=BookingStatus.CONFIRMED, start_at__lt=end, end_at__gt=start
    ).select_related("service")
    if exclude_id is not None:
        clashes = clashes.exclude(pk=exclude_id)
    return clashes.order_by("start_at", "pk").first()


def bookings_between(start: datetime, end: datetime) -> QuerySet[Booking]:
    """Bookings that overlap [start, end), with their service and provider (one query)."""
    return (
        Booking.objects.filter(start_at__lt=end, end_at__gt=start)
        .select_related("service", "provider")
        .order_by("provider__display_name", "provider_id", "start_at", "pk")
    )
