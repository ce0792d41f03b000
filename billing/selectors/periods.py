"""Periods of the billing selectors: whole days in the active tenant's time zone, and which
moment counts for a payment or a refund (see billing.selectors)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Case, DateTimeField, F, Q, When
from django.db.models.functions import Coalesce

from billing.models import PaymentStatus, RefundRequest, RefundStatus
from billing.models.choices import COLLECTED_PAYMENT_STATUSES, NOTHING_TO_COLLECT
from billing.money import quantize
from billing.services.common import tenant_today, tenant_zone  # noqa: F401  (re-exported)

CHUNK = 2000  # rows per fetch of the streamed listings
ZERO = Decimal("0")


def day_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """[midnight of `start`, midnight after `end`) in the tenant's time zone."""
    zone = tenant_zone()
    return datetime.combine(start, time.min, zone), datetime.combine(end + timedelta(days=1), time.min, zone)


def money(value, currency: str) -> Decimal:
    """A sum from SQL as an amount of `currency` (None: zero; SQLite's float sums rounded)."""
    return quantize(value or ZERO, currency, allow_negative=True)


# The moment a payment counts (see the module docstring), for ordering and per-day listings.
PAYMENT_MOMENT = Case(
    When(status__in=COLLECTED_PAYMENT_STATUSES, then=F("succeeded_at")),
    When(status=PaymentStatus.FAILED, then=Coalesce("last_attempt_at", "created_at")),
    default=F("created_at"),
    output_field=DateTimeField(),
)


def collected_in(lo: datetime, hi: datetime) -> Q:
    return Q(status__in=COLLECTED_PAYMENT_STATUSES, succeeded_at__gte=lo, succeeded_at__lt=hi)


def failed_in(lo: datetime, hi: datetime) -> Q:
    # Spelt out (not PAYMENT_MOMENT) so each branch can use an index on its own column. A queued
    # charge dropped because its invoice was settled meanwhile asked nobody for money.
    return (
        Q(status=PaymentStatus.FAILED)
        & ~Q(failure_code=NOTHING_TO_COLLECT)
        & (
            Q(last_attempt_at__gte=lo, last_attempt_at__lt=hi)
            | Q(last_attempt_at__isnull=True, created_at__gte=lo, created_at__lt=hi)
        )
    )


def payments_in(start: date, end: date) -> Q:
    """Payments that count in the period, whatever their status."""
    lo, hi = day_bounds(start, end)
    pending = Q(status=PaymentStatus.PENDING, created_at__gte=lo, created_at__lt=hi)
    return collected_in(lo, hi) | failed_in(lo, hi) | pending


def succeeded_refunds(start: date, end: date):
    """Refunds that succeeded in the period (the money went back then)."""
    lo, hi = day_bounds(start, end)
    return RefundRequest.objects.filter(
        status=RefundStatus.SUCCEEDED, processed_at__gte=lo, processed_at__lt=hi
    )
