"""Receivables (open invoices, their aging, what is overdue) and monthly recurring revenue."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from typing import NamedTuple

from django.db.models import Count, F, Q, Sum

from billing.models import Interval, Invoice, InvoiceStatus, Subscription, SubscriptionStatus
from billing.selectors.periods import CHUNK, ZERO, money, tenant_today

AGING_BUCKETS = ("Current", "1–30 days", "31–60 days", "61–90 days", "Over 90 days")
MRR_STATUSES = (SubscriptionStatus.ACTIVE, SubscriptionStatus.PAST_DUE)


def _open_on(as_of: date):
    """Invoices open now that had been issued by `as_of`."""
    return Invoice.objects.filter(status=InvoiceStatus.OPEN).filter(
        Q(issue_date__lte=as_of) | Q(issue_date__isnull=True)
    )


def aging_filters(as_of: date) -> tuple[Q, ...]:
    """One filter per AGING_BUCKETS entry, by days past the due date on `as_of` (no due date:
    current). Dates compared, not days computed, so the due-date index can serve them."""
    d30, d60, d90 = (as_of - timedelta(days=days) for days in (30, 60, 90))
    return (
        Q(due_date__isnull=True) | Q(due_date__gte=as_of),
        Q(due_date__lt=as_of, due_date__gte=d30),
        Q(due_date__lt=d30, due_date__gte=d60),
        Q(due_date__lt=d60, due_date__gte=d90),
        Q(due_date__lt=d90),
    )


class Aging(NamedTuple):
    currency: str
    buckets: tuple[Decimal, ...]  # amounts due, in AGING_BUCKETS order
    invoices: tuple[int, ...]  # invoice counts, same order
    total: Decimal


def receivables_aging(*, as_of: date) -> list[Aging]:
    """Accounts receivable aging of open invoices on `as_of`, per currency: one grouped query."""
    filters = aging_filters(as_of)
    sums = {f"amount_{i}": Sum("amount_due", filter=q) for i, q in enumerate(filters)}
    counts = {f"count_{i}": Count("pk", filter=q) for i, q in enumerate(filters)}
    rows = _open_on(as_of).order_by().values("currency").annotate(**sums, **counts).order_by("currency")
    result = []
    for row in rows:
        currency = row["currency"]
        amounts = tuple(money(row[f"amount_{i}"], currency) for i in range(len(filters)))
        result.append(
            Aging(
                currency, amounts, tuple(row[f"count_{i}"] for i in range(len(filters))), sum(amounts, ZERO)
            )
        )
    return result


class OpenInvoices(NamedTuple):
    currency: str
    count: int
    amount_due: Decimal
    overdue_count: int
    overdue_amount: Decimal


def open_invoices(*, as_of: date | None = None) -> list[OpenInvoices]:
    """Open invoices and what of them is overdue (due before `as_of`, default today): one query."""
    as_of = as_of or tenant_today()
    overdue = Q(due_date__lt=as_of)
    rows = (
        _open_on(as_of)
        .order_by()
        .values_list("currency")
        .annotate(
            count=Count("pk"),
            due=Sum("amount_due"),
            overdue_count=Count("pk", filter=overdue),
            overdue=Sum("amount_due", filter=overdue),
        )
        .order_by("currency")
    )
    return [
        OpenInvoices(currency, count, money(due, currency), late, money(late_amount, currency))
        for currency, count, due, late, late_amount in rows
    ]


OPEN_INVOICE_COLUMNS = (
    "number",
    "customer__name",
    "issue_date",
    "due_date",
    "total",
    "amount_due",
    "currency",
)


def open_invoice_rows(
    *, as_of: date, overdue_only: bool = False, limit: int | None = None
) -> Iterator[tuple]:
    """Open invoices on `as_of` (OPEN_INVOICE_COLUMNS), most overdue first, streamed; only those
    past their due date with `overdue_only`, at most `limit` of them."""
    invoices = _open_on(as_of).filter(due_date__lt=as_of) if overdue_only else _open_on(as_of)
    invoices = invoices.order_by(F("due_date").asc(nulls_last=True), "-amount_due", "pk")
    return invoices[:limit].values_list(*OPEN_INVOICE_COLUMNS).iterator(chunk_size=CHUNK)


class Recurring(NamedTuple):
    currency: str
    mrr: Decimal
    subscriptions: int


def monthly_recurring_revenue() -> list[Recurring]:
    """MRR now: active and past-due subscriptions' plan prices, yearly plans as 1/12, per
    currency. One query; yearly prices are summed before dividing so no cent is lost per row."""
    rows = (
        Subscription.objects.filter(status__in=MRR_STATUSES)
        .order_by()
        .values_list("plan__currency")
        .annotate(
            monthly=Sum("plan__price", filter=Q(plan__interval=Interval.MONTH)),
            yearly=Sum("plan__price", filter=Q(plan__interval=Interval.YEAR)),
            count=Count("pk"),
        )
        .order_by("plan__currency")
    )
    return [
        Recurring(currency, money(Decimal(monthly or 0) + Decimal(yearly or 0) / 12, currency), count)
        for currency, monthly, yearly, count in rows
    ]
