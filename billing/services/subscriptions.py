"""Subscription workflows: start (with or without a trial), renew with an invoice per period,
cancel now or at the period's end, past due after failed payments, and back to active.

    trialing --trial ends--> active --payments fail after retries--> past_due --grace ends--> canceled
                             active/trialing/past_due --cancel--> canceled
    past_due --invoice paid--> active
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from billing.models import (
    BillingSettings,
    Customer,
    Interval,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    Plan,
    Subscription,
    SubscriptionStatus,
)
from billing.money import quantize
from billing.services.common import add_months, tenant_today
from billing.services.errors import BillingError, TransitionNotAllowed
from billing.services.invoices import queue_collection, tax_for
from billing.services.numbering import reserve_invoice_numbers
from people.history_sql import copy_rows_to_history
from people.models import User

S = SubscriptionStatus
LIVE = (S.TRIALING, S.ACTIVE, S.PAST_DUE)


def period_after(start: date, interval: str) -> date:
    """The first day after the period that begins on `start`."""
    return add_months(start, 12 if interval == Interval.YEAR else 1)


def _locked(subscription_id: int) -> Subscription:
    return (
        Subscription.objects.select_for_update(of=("self",))
        .select_related("plan", "customer")
        .get(pk=subscription_id)
    )


@transaction.atomic
def start_subscription(
    *, customer_id: int, plan_id: int, start_date: date | None = None, by: User | None = None
) -> Subscription:
    """Subscribe a customer to a plan: a trial first when the plan has one, else the first period
    starts at once and its invoice is issued."""
    customer = Customer.objects.get(pk=customer_id)
    plan = Plan.objects.get(pk=plan_id)
    if not plan.active:
        raise BillingError({"plan": f"{plan.name} takes no new subscribers; choose an active plan."})
    start = start_date or tenant_today()
    subscription = Subscription(customer=customer, plan=plan, current_period_start=start)
    if plan.trial_days:
        subscription.status = S.TRIALING
        subscription.trial_end = start + timedelta(days=plan.trial_days)
        subscription.current_period_end = subscription.trial_end
    else:
        subscription.status = S.ACTIVE
        subscription.current_period_end = period_after(start, plan.interval)
    subscription._history_user = by
    subscription.save()
    if subscription.status == S.ACTIVE:
        queue_collection(invoice_periods([subscription], by=by))  # its first invoice, by card
    return subscription


def invoice_periods(
    subscriptions: list[Subscription],
    *,
    by: User | None = None,
    settings: BillingSettings | None = None,
    issue_date: date | None = None,
) -> list[Invoice]:
    """Issue one invoice per subscription for its current period, in bulk (numbers reserved in one
    block, invoices, lines and their history rows written in a few queries). A subscription that
    already has its period's invoice is skipped (the unique constraint guards a race). History
    rows are copied by the database (people.history_sql), naming `by`."""
    if not subscriptions:
        return []
    already = set(
        Invoice.objects.filter(
            subscription__in=[s.pk for s in subscriptions],
            period_start__in={s.current_period_start for s in subscriptions},
        ).values_list("subscription_id", "period_start")
    )
    todo = [s for s in subscriptions if (s.pk, s.current_period_start) not in already]
    if not todo:
        return []
    settings = settings or BillingSettings.current()
    today = issue_date or tenant_today()
    numbers = iter(reserve_invoice_numbers(today.year, len(todo)))
    invoices, lines = [], []
    for subscription in todo:
        plan = subscription.plan
        subtotal = quantize(plan.price, plan.currency)
        tax = tax_for(subtotal, settings.tax_rate, plan.currency)
        paid = subtotal + tax == 0
        invoice = Invoice(
            tenant_id=subscription.tenant_id,
            customer=subscription.customer,  # cached objects: the tenant check needs no query
            subscription=subscription,
            number=next(numbers),
            status=InvoiceStatus.PAID if paid else InvoiceStatus.OPEN,
            currency=plan.currency,
            issue_date=today,
            due_date=today + timedelta(days=settings.payment_terms_days),
            period_start=subscription.current_period_start,
            period_end=subscription.current_period_end - timedelta(days=1),
            subtotal=subtotal,
            tax_rate=settings.tax_rate,
            tax=tax,
            total=subtotal + tax,
            amount_due=subtotal + tax,
            paid_at=timezone.now() if paid else None,
        )
        invoices.append(invoice)
        lines.append(
            InvoiceLine(
                tenant_id=subscription.tenant_id,
                description=f"{plan.name}, {invoice.period_start:%d %b %Y} – {invoice.period_end:%d %b %Y}",
                quantity=1,
                unit_price=subtotal,
                amount=subtotal,
                plan=plan,
            )
        )
    invoices = Invoice.objects.bulk_create(invoices, batch_size=1000)
    for invoice, line in zip(invoices, lines, strict=True):
        line.invoice = invoice  # PostgreSQL and SQLite >= 3.35 return the new ids
    lines = InvoiceLine.objects.bulk_create(lines, batch_size=1000)
    copy_rows_to_history(Invoice, [invoice.pk for invoice in invoices], user=by)
    copy_rows_to_history(InvoiceLine, [line.pk for line in lines], user=by)
    return invoices


RENEWAL_CHUNK = 1000


def generate_monthly_invoices(*, today: date | None = None, by: User | None = None, on_progress=None) -> int:
    """Renew every subscription whose period has ended and issue the new period's invoice; trials
    that ended become active. Idempotent: a renewed subscription is no longer due, and the unique
    (subscription, period_start) constraint refuses a second invoice for a period. Works in chunks,
    each in its own transaction with its rows locked (skip_locked: two runs never share a row).
    A subscription several periods behind gets one invoice per missed period. Invoices are issued
    on `today` (the tenant's today by default). Returns invoices made."""
    today = today or tenant_today()
    settings = BillingSettings.current()
    made = 0
    while True:
        with transaction.atomic():
            due = list(
                Subscription.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("plan", "customer")
                .filter(status__in=LIVE, current_period_end__lte=today)
                .order_by("pk")[:RENEWAL_CHUNK]
            )
            if not due:
                return made
            renewed = []
            for subscription in due:
                if subscription.cancel_at_period_end:
                    _cancel(subscription, reason="Canceled at the end of its period.")
                    continue
                if subscription.status == S.TRIALING:
                    subscription.status = S.ACTIVE
                subscription.current_period_start = subscription.current_period_end
                subscription.current_period_end = period_after(
                    subscription.current_period_start, subscription.plan.interval
                )
                renewed.append(subscription)
            _save_renewals(due, by=by)
            invoices = invoice_periods(renewed, by=by, settings=settings, issue_date=today)
            queue_collection(invoices, gateway=settings.gateway)
            made += len(invoices)
        if on_progress:
            on_progress(made)


RENEWED_FIELDS = (
    "status",
    "current_period_start",
    "current_period_end",
    "canceled_at",
    "cancellation_reason",
)


def _save_renewals(subscriptions: list[Subscription], *, by: User | None) -> None:
    """One UPDATE per distinct outcome (renewals on one day mostly share their new period) instead
    of Django's bulk_update, whose CASE per row and field dominated the run; history by SQL."""
    now = timezone.now()
    groups = defaultdict(list)
    for subscription in subscriptions:
        subscription.updated_at = now
        groups[tuple(getattr(subscription, name) for name in RENEWED_FIELDS)].append(subscription.pk)
    for values, ids in groups.items():
        Subscription.objects.filter(pk__in=ids).update(
            updated_at=now, **dict(zip(RENEWED_FIELDS, values, strict=True))
        )
    copy_rows_to_history(
        Subscription, [subscription.pk for subscription in subscriptions], history_type="~", user=by
    )


def _cancel(subscription: Subscription, *, reason: str) -> None:
    subscription.status = S.CANCELED
    subscription.canceled_at = timezone.now()
    subscription.cancellation_reason = reason[:200]


@transaction.atomic
def cancel_subscription(
    *, subscription_id: int, at_period_end: bool = True, reason: str = "", by: User | None = None
) -> Subscription:
    """Cancel now, or at the end of the period already paid for (the default)."""
    subscription = _locked(subscription_id)
    if subscription.status not in LIVE:
        raise TransitionNotAllowed(
            f"This subscription is already {subscription.get_status_display().lower()}."
        )
    if at_period_end and subscription.status != S.PAST_DUE:
        subscription.cancel_at_period_end = True
    else:
        _cancel(subscription, reason=reason or "Canceled by finance.")
    subscription._history_user = by
    subscription.save()
    return subscription


@transaction.atomic
def resume_subscription(*, subscription_id: int, by: User | None = None) -> Subscription:
    """Undo a cancellation planned for the period's end."""
    subscription = _locked(subscription_id)
    if subscription.status not in LIVE or not subscription.cancel_at_period_end:
        raise TransitionNotAllowed("Only a subscription set to cancel at its period's end can be resumed.")
    subscription.cancel_at_period_end = False
    subscription._history_user = by
    subscription.save(update_fields=["cancel_at_period_end", "updated_at"])
    return subscription


@transaction.atomic
def mark_past_due(*, subscription_id: int, by: User | None = None) -> Subscription:
    """Payments failed after every retry: past due until paid, canceled after the grace period."""
    subscription = _locked(subscription_id)
    if subscription.status in (S.ACTIVE, S.TRIALING):
        subscription.status = S.PAST_DUE
        subscription.past_due_since = timezone.now()
        subscription._history_user = by
        subscription.save(update_fields=["status", "past_due_since", "updated_at"])
    return subscription


@transaction.atomic
def reactivate_if_settled(*, subscription_id: int, by: User | None = None) -> Subscription:
    """A past-due subscription whose invoices are all settled is active again."""
    subscription = _locked(subscription_id)
    unpaid = subscription.invoices.filter(
        status__in=(InvoiceStatus.OPEN, InvoiceStatus.UNCOLLECTIBLE), due_date__lt=tenant_today()
    )
    if subscription.status == S.PAST_DUE and not unpaid.exists():
        subscription.status, subscription.past_due_since = S.ACTIVE, None
        subscription._history_user = by
        subscription.save(update_fields=["status", "past_due_since", "updated_at"])
    return subscription


def update_subscription_status(*, now=None) -> dict[str, int]:
    """Per tenant: cancel past-due subscriptions whose grace period is over and those set to cancel
    at a period's end that has passed. Idempotent: what it changed no longer matches."""
    now = now or timezone.now()
    grace = timedelta(days=BillingSettings.current().dunning_grace_days)
    counts = {"canceled_unpaid": 0, "canceled_at_period_end": 0}
    with transaction.atomic():
        overdue = Subscription.objects.select_for_update(skip_locked=True).filter(
            status=S.PAST_DUE, past_due_since__lte=now - grace
        )
        for subscription in overdue:
            _cancel(subscription, reason=f"Unpaid {grace.days} days after the last failed payment.")
            subscription.save()
            counts["canceled_unpaid"] += 1
        ending = Subscription.objects.select_for_update(skip_locked=True).filter(
            status__in=LIVE, cancel_at_period_end=True, current_period_end__lte=tenant_today()
        )
        for subscription in ending:
            _cancel(subscription, reason="Canceled at the end of its period.")
            subscription.save()
            counts["canceled_at_period_end"] += 1
    return counts
