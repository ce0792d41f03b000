"""Revenue, payments and refunds of a period (see billing.selectors for the rules)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from typing import NamedTuple

from django.db.models import BooleanField, Count, ExpressionWrapper, F, Max, Min, Q, Sum
from django.db.models.functions import Coalesce, TruncDate, TruncMonth

from billing.models import PaymentTransaction
from billing.selectors.periods import (
    CHUNK,
    PAYMENT_MOMENT,
    ZERO,
    collected_in,
    day_bounds,
    failed_in,
    money,
    payments_in,
    succeeded_refunds,
    tenant_zone,
)

# Revenue is what customers paid on invoices. A contract's funding is the client's money held in
# escrow for the provider (see billing.selectors.escrow), not the tenant's revenue.
ON_INVOICES = {"invoice__isnull": False}
REFUNDS_ON_INVOICES = {"payment__invoice__isnull": False}


class Revenue(NamedTuple):
    currency: str
    collected: Decimal  # payments collected in the period (refunded since or not)
    refunded: Decimal  # refunds that succeeded in the period (of payments of any period)
    net: Decimal
    payments: int
    refunds: int


def revenue(*, start: date, end: date) -> list[Revenue]:
    """Net revenue per currency: collected payments minus succeeded refunds. Two queries."""
    lo, hi = day_bounds(start, end)
    collected = {
        currency: (amount, count)
        for currency, amount, count in PaymentTransaction.objects.filter(collected_in(lo, hi), **ON_INVOICES)
        .order_by()
        .values_list("currency")
        .annotate(amount=Sum("amount"), count=Count("pk"))
    }
    refunded = {
        currency: (amount, count)
        for currency, amount, count in succeeded_refunds(start, end)
        .filter(**REFUNDS_ON_INVOICES)
        .order_by()
        .values_list("currency")
        .annotate(amount=Sum("amount"), count=Count("pk"))
    }
    result = []
    for currency in sorted(collected.keys() | refunded.keys()):
        gross, payments = collected.get(currency, (ZERO, 0))
        back, refunds = refunded.get(currency, (ZERO, 0))
        gross, back = money(gross, currency), money(back, currency)
        result.append(Revenue(currency, gross, back, gross - back, payments, refunds))
    return result


def revenue_by_month(*, start: date, end: date) -> list[tuple[date, str, Decimal]]:
    """(first day of month, currency, net revenue) for the dashboard's chart. Two queries."""
    zone = tenant_zone()
    lo, hi = day_bounds(start, end)
    totals: dict[tuple[date, str], Decimal] = {}
    gross = (
        PaymentTransaction.objects.filter(collected_in(lo, hi), **ON_INVOICES)
        .annotate(month=TruncMonth("succeeded_at", tzinfo=zone))
        .order_by()
        .values_list("month", "currency")
        .annotate(amount=Sum("amount"))
    )
    back = (
        succeeded_refunds(start, end)
        .filter(**REFUNDS_ON_INVOICES)
        .annotate(month=TruncMonth("processed_at", tzinfo=zone))
        .order_by()
        .values_list("month", "currency")
        .annotate(amount=-Sum("amount"))
    )
    for rows in (gross, back):
        for month, currency, amount in rows:
            key = (month.date() if isinstance(month, datetime) else month, currency)
            totals[key] = totals.get(key, ZERO) + money(amount, currency)
    return [(month, currency, amount) for (month, currency), amount in sorted(totals.items())]


class PlanDay(NamedTuple):
    day: date
    plan_id: int | None  # None: invoices without a subscription
    plan: str
    currency: str
    amount: Decimal
    payments: int


def revenue_by_day_and_plan(*, start: date, end: date) -> list[PlanDay]:
    """Collected payments per day (tenant time) and plan (invoice -> subscription -> plan),
    in one grouped query; days without payments are absent, "no plan" comes last in a day."""
    lo, hi = day_bounds(start, end)
    rows = (
        PaymentTransaction.objects.filter(collected_in(lo, hi), **ON_INVOICES)
        .annotate(day=TruncDate("succeeded_at", tzinfo=tenant_zone()))
        .order_by()
        .values_list("day", "invoice__subscription__plan_id", "invoice__subscription__plan__name", "currency")
        .annotate(amount=Sum("amount"), count=Count("pk"))
        .order_by("day", "currency", F("invoice__subscription__plan__name").asc(nulls_last=True))
    )
    return [
        PlanDay(day, plan_id, name or "", currency, money(amount, currency), count)
        for day, plan_id, name, currency, amount, count in rows
    ]


# --- payments ------------------------------------------------------------------------------------
class StatusTotal(NamedTuple):
    status: str
    currency: str
    count: int
    amount: Decimal


def payments_by_status(*, start: date, end: date) -> list[StatusTotal]:
    """Count and sum of the period's payments per status and currency: one grouped query."""
    rows = (
        PaymentTransaction.objects.filter(payments_in(start, end))
        .order_by()
        .values_list("status", "currency")
        .annotate(count=Count("pk"), amount=Sum("amount"))
        .order_by("status", "currency")
    )
    return [
        StatusTotal(status, currency, count, money(amount, currency))
        for status, currency, count, amount in rows
    ]


class PaymentGroup(NamedTuple):
    status: str
    for_invoices: bool  # False: a contract's funding (escrow)
    gateway: str
    currency: str
    count: int
    amount: Decimal
    refunded: Decimal
    attempts: int
    first_at: datetime
    last_at: datetime


def payment_breakdown(*, start: date, end: date) -> list[PaymentGroup]:
    """The period's payments grouped by status, purpose, gateway and currency, in one grouped query:
    the daily report sums a day's payments in SQL instead of listing each (the payment changelist
    and its export list them one by one)."""
    rows = (
        PaymentTransaction.objects.filter(payments_in(start, end))
        .annotate(
            moment=PAYMENT_MOMENT, for_invoices=ExpressionWrapper(Q(invoice__isnull=False), BooleanField())
        )
        .order_by()
        .values_list("status", "for_invoices", "gateway", "currency")
        .annotate(
            count=Count("pk"),
            amount=Sum("amount"),
            refunded=Sum("amount_refunded"),
            attempts=Sum("attempt_count"),
            first_at=Min("moment"),
            last_at=Max("moment"),
        )
        .order_by("status", "-for_invoices", "gateway", "currency")
    )
    return [
        PaymentGroup(status, for_invoices, gateway, currency, count, money(amount, currency),
                     money(refunded, currency), attempts or 0, first_at, last_at)
        for status, for_invoices, gateway, currency, count, amount, refunded, attempts, first_at, last_at in rows
    ]  # fmt: skip


FAILED_COLUMNS = (
    "moment", "amount", "currency", "customer__name", "invoice__number", "contract__title", "gateway",
    "attempt_count", "failure_code", "failure_message", "next_retry_at",
)  # fmt: skip


def failed_payment_rows(*, start: date, end: date) -> Iterator[tuple]:
    """Payments whose last attempt failed in the period (FAILED_COLUMNS), streamed."""
    lo, hi = day_bounds(start, end)
    return (
        PaymentTransaction.objects.filter(failed_in(lo, hi))
        .annotate(moment=Coalesce("last_attempt_at", "created_at"))
        .order_by("moment", "pk")
        .values_list(*FAILED_COLUMNS)
        .iterator(chunk_size=CHUNK)
    )


# --- refunds -------------------------------------------------------------------------------------
class RefundTotal(NamedTuple):
    currency: str
    count: int
    amount: Decimal


def refunds_in_period(*, start: date, end: date) -> list[RefundTotal]:
    """Refunds that succeeded in the period, per currency: one grouped query."""
    rows = (
        succeeded_refunds(start, end)
        .order_by()
        .values_list("currency")
        .annotate(count=Count("pk"), amount=Sum("amount"))
        .order_by("currency")
    )
    return [RefundTotal(currency, count, money(amount, currency)) for currency, count, amount in rows]


class RefundGroup(NamedTuple):
    currency: str
    for_invoices: bool  # False: refunds of contract funding (escrow back to the client)
    gateway: str
    count: int
    amount: Decimal
    first_at: datetime
    last_at: datetime


def refund_breakdown(*, start: date, end: date) -> list[RefundGroup]:
    """Refunds that succeeded in the period per currency, purpose and gateway: one grouped query
    (the refund changelist lists them one by one, with reasons and approvers)."""
    rows = (
        succeeded_refunds(start, end)
        .annotate(for_invoices=ExpressionWrapper(Q(payment__invoice__isnull=False), BooleanField()))
        .order_by()
        .values_list("currency", "for_invoices", "payment__gateway")
        .annotate(
            count=Count("pk"), amount=Sum("amount"), first_at=Min("processed_at"), last_at=Max("processed_at")
        )
        .order_by("currency", "-for_invoices", "payment__gateway")
    )
    return [
        RefundGroup(currency, for_invoices, gateway, count, money(amount, currency), first_at, last_at)
        for currency, for_invoices, gateway, count, amount, first_at, last_at in rows
    ]
