"""What a Stripe event means for our records (runs inside the event's tenant, in a transaction).

    payment_intent.succeeded / .payment_failed / .processing  -> the payment (and its invoice)
    charge.refunded (with its refunds listed), refund.*         -> the refunds
    customer.subscription.*, invoice.* carrying our subscription_id -> the subscription's status
    anything else                                                -> ignored

Records are found by our metadata id (payment_id, refund_id, subscription_id) inside the active
tenant only, else by the gateway reference; nothing found means "ignored". Every handler is
idempotent (the services it calls are), so a replayed event changes nothing more.
"""

from __future__ import annotations

from billing.gateways.stripe import charge_result, refund_result
from billing.models import EventStatus, PaymentTransaction, RefundRequest, Subscription, SubscriptionStatus
from billing.services import payments, refunds, subscriptions
from people.models import User

S = SubscriptionStatus
# Stripe's subscription statuses in ours; the others (incomplete, paused) change nothing here.
SUBSCRIPTION_STATUSES = {
    "active": S.ACTIVE,
    "trialing": S.ACTIVE,
    "past_due": S.PAST_DUE,
    "unpaid": S.PAST_DUE,
    "canceled": S.CANCELED,
    "incomplete_expired": S.CANCELED,
}
Outcome = tuple[str, str]


def metadata_id(obj: dict, key: str) -> int | None:
    value = (obj.get("metadata") or {}).get(key)
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _find(model, obj: dict, key: str, **by_reference):
    """The locked record named by our metadata id, else by its gateway reference (this tenant)."""
    rows = model.objects.select_for_update(of=("self",))
    record_id = metadata_id(obj, key)
    if record_id is not None:
        return rows.filter(pk=record_id).first()
    reference = obj.get("id") or ""
    return rows.filter(gateway_reference=reference, **by_reference).first() if reference else None


def _payment_intent(obj: dict, by: User | None) -> Outcome:
    payment = _find(PaymentTransaction, obj, "payment_id", gateway="stripe")
    if payment is None:
        return EventStatus.IGNORED, f"No payment of this tenant matches {obj.get('id')}."
    return EventStatus.PROCESSED, payments.record_charge_result(payment, charge_result(obj), by=by)


def _refund(obj: dict, by: User | None) -> str:
    refund = _find(RefundRequest, obj, "refund_id")
    if refund is None:
        return f"No refund of this tenant matches {obj.get('id')}."
    return refunds.record_refund_result(refund, refund_result(obj), by=by)


def _refunds_of_charge(obj: dict, by: User | None) -> Outcome:
    listed = (obj.get("refunds") or {}).get("data") or []
    if not listed:
        return (
            EventStatus.IGNORED,
            "The charge lists no refunds; each refund's refund.updated event carries it.",
        )
    return EventStatus.PROCESSED, " ".join(_refund(refund, by) for refund in listed)


def _subscription_id(obj: dict) -> int | None:
    for holder in (
        obj,
        obj.get("subscription_details") or {},
        ((obj.get("parent") or {}).get("subscription_details") or {}),
    ):
        found = metadata_id(holder, "subscription_id")
        if found is not None:
            return found
    return None


def _subscription(event_type: str, obj: dict, by: User | None) -> Outcome:
    subscription_id = _subscription_id(obj)
    subscription = Subscription.objects.filter(pk=subscription_id).first() if subscription_id else None
    if subscription is None:
        return (
            EventStatus.IGNORED,
            "The event names no subscription of this tenant (metadata subscription_id).",
        )
    if event_type == "customer.subscription.deleted":
        wanted = S.CANCELED
    elif event_type == "invoice.paid":
        wanted = S.ACTIVE
    elif event_type.startswith("customer.subscription."):
        wanted = SUBSCRIPTION_STATUSES.get(obj.get("status"))
    else:
        wanted = None
    if wanted is None or wanted == subscription.status:
        return (
            EventStatus.IGNORED,
            f"Subscription #{subscription.pk} stays {subscription.get_status_display().lower()}.",
        )
    if wanted == S.PAST_DUE:
        subscription = subscriptions.mark_past_due(subscription_id=subscription.pk, by=by)
    elif wanted == S.CANCELED:
        subscription = subscriptions.cancel_subscription(
            subscription_id=subscription.pk, at_period_end=False, reason="Canceled on Stripe.", by=by
        )
    elif subscription.status == S.PAST_DUE:
        subscription = subscriptions.reactivate_if_settled(subscription_id=subscription.pk, by=by)
    return (
        EventStatus.PROCESSED,
        f"Subscription #{subscription.pk} is {subscription.get_status_display().lower()}.",
    )


def handle_event(payload: dict, *, by: User | None = None) -> Outcome:
    """(EventStatus, result text) of applying a verified Stripe event to the active tenant."""
    event_type = payload.get("type", "")
    obj = (payload.get("data") or {}).get("object") or {}
    if event_type.startswith("payment_intent.") and event_type.rsplit(".", 1)[1] in (
        "succeeded",
        "payment_failed",
        "processing",
        "canceled",
    ):
        return _payment_intent(obj, by)
    if event_type == "charge.refunded":
        return _refunds_of_charge(obj, by)
    if event_type.startswith("refund."):
        text = _refund(obj, by)
        return (EventStatus.IGNORED if text.startswith("No refund") else EventStatus.PROCESSED), text
    if event_type.startswith(("customer.subscription.", "invoice.")):
        return _subscription(event_type, obj, by)
    return EventStatus.IGNORED, f"Billing does not use {event_type or 'this'} events."
