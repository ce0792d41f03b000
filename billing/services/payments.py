"""Collecting payments through the gateway, with dunning.

    pending --charge succeeds--> succeeded
    pending/failed --declined--> failed, retried 1, 3 and 7 days later; the 4th decline ends the
                                 retries and the invoice's subscription becomes past due
    pending --gateway still deciding--> pending (sync_gateway_payments or a webhook settles it)

One attempt runs in one transaction that holds the payment's row lock, gateway call included:
the attempt number is part of the idempotency key (`payment-<id>-attempt-<n>`), so if the
transaction dies after the call, the attempt is rolled back with it and its retry sends the same
key, which the gateway answers with the first result instead of charging again. An unreachable
gateway records nothing but the error and a retry an hour later, with the same key.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from billing.gateways import ChargeResult, get_gateway, tenant_gateway_name
from billing.models import Invoice, PaymentStatus, PaymentTransaction
from billing.models.choices import COLLECTED_PAYMENT_STATUSES, GATEWAY_UNREACHABLE, NOTHING_TO_COLLECT
from billing.services import subscriptions
from billing.services.common import labels
from billing.services.errors import BillingError, GatewayError, TransitionNotAllowed
from billing.services.invoices import PAYABLE, apply_payment, charge_key, locked_invoice
from people.models import User

P = PaymentStatus
CHARGEABLE = (P.PENDING, P.FAILED)
# Dunning: after the n-th declined attempt, the next one is due this much later; none after the 4th.
RETRY_DELAYS = {1: timedelta(days=1), 2: timedelta(days=3), 3: timedelta(days=7)}
GATEWAY_ERROR_DELAY = timedelta(hours=1)


def _locked(payment_id: int, *, skip_locked: bool = False) -> PaymentTransaction | None:
    return (
        PaymentTransaction.objects.select_for_update(of=("self",), skip_locked=skip_locked)
        .select_related("customer")
        .filter(pk=payment_id)
        .first()
    )


@transaction.atomic
def create_invoice_payment(*, invoice_id: int, by: User | None = None) -> PaymentTransaction:
    """The pending card payment of an open invoice's amount due, attempted by the next
    retry_failed_payments run. Asking again returns the same payment (key `invoice-<id>-charge`)."""
    invoice = locked_invoice(invoice_id)
    existing = PaymentTransaction.objects.filter(idempotency_key=charge_key(invoice.pk)).first()
    if existing is not None:
        return existing
    gateway = tenant_gateway_name()
    if not get_gateway(gateway).charges_automatically:
        raise BillingError(
            "Payments of this tenant are recorded manually: use “Mark invoice paid” when the money "
            "arrives, or choose a card gateway in the billing settings."
        )
    if invoice.status not in PAYABLE or invoice.amount_due <= 0:
        raise TransitionNotAllowed(
            f"Invoice {invoice} is {invoice.get_status_display().lower()}; nothing to collect."
        )
    payment = PaymentTransaction(
        invoice=invoice,
        customer=invoice.customer,
        amount=invoice.amount_due,
        currency=invoice.currency,
        gateway=gateway,
        idempotency_key=charge_key(invoice.pk),
        next_retry_at=timezone.now(),
    )
    payment._history_user = by
    payment.save()
    return payment


def _nothing_left_to_collect(payment: PaymentTransaction, invoice: Invoice | None) -> str:
    """Why the payment must not be attempted, when its invoice was settled some other way."""
    if invoice is None:
        return ""
    if invoice.status not in PAYABLE or invoice.amount_due <= 0:
        return f"Invoice {invoice} is {invoice.get_status_display().lower()}; nothing was left to collect."
    return ""


def _save(payment: PaymentTransaction, by: User | None) -> None:
    payment._history_user = by
    payment.save()


def record_charge_result(
    payment: PaymentTransaction,
    result: ChargeResult,
    *,
    by: User | None = None,
    now: datetime | None = None,
    attempt: bool = False,
) -> str:
    """Apply what the gateway said about `payment` (locked by the caller): the answer to an
    attempt just made (`attempt`), or a later report (sync, webhook). Idempotent: a success, or a
    report of a decline already recorded, changes nothing. Returns what it did, for people."""
    now = now or timezone.now()
    if payment.status in COLLECTED_PAYMENT_STATUSES:
        return f"Payment #{payment.pk} was already recorded as {payment.get_status_display().lower()}."
    if not attempt:
        if result.failed and payment.status == P.FAILED:
            return f"Payment #{payment.pk}: its decline was already recorded."
        if result.failed and result.reference != payment.gateway_reference:
            return f"Payment #{payment.pk}: {result.reference} is not its latest attempt; nothing to update."
        if result.pending and payment.status != P.PENDING:
            return f"Payment #{payment.pk} is {payment.get_status_display().lower()}; nothing to update."
    payment.gateway_reference = result.reference or payment.gateway_reference
    invoice = locked_invoice(payment.invoice_id) if payment.invoice_id else None
    if result.pending:
        payment.status, payment.next_retry_at = P.PENDING, None
        _save(payment, by)
        return f"Payment #{payment.pk} is pending at the gateway."
    if result.succeeded:
        payment.status, payment.succeeded_at, payment.next_retry_at = P.SUCCEEDED, now, None
        payment.failure_code = payment.failure_message = ""
        _save(payment, by)
        if invoice is not None:
            invoice._history_user = by
            apply_payment(invoice, payment)
            if invoice.subscription_id:
                subscriptions.reactivate_if_settled(subscription_id=invoice.subscription_id, by=by)
        return f"Payment #{payment.pk} succeeded."
    payment.status = P.FAILED
    payment.failure_code, payment.failure_message = result.failure_code[:100], result.failure_message
    delay = RETRY_DELAYS.get(payment.attempt_count)
    payment.next_retry_at = now + delay if delay else None
    _save(payment, by)
    if delay:
        return f"Payment #{payment.pk} was declined ({payment.failure_code}); retried on {payment.next_retry_at:%Y-%m-%d}."
    if invoice is not None and invoice.subscription_id:
        subscriptions.mark_past_due(subscription_id=invoice.subscription_id, by=by)
        return (
            f"Payment #{payment.pk} was declined {payment.attempt_count} times; the subscription is past due."
        )
    return f"Payment #{payment.pk} was declined ({payment.failure_code}); no retries are left."


def _attempt(payment: PaymentTransaction, *, by: User | None, now: datetime) -> GatewayError | None:
    """One gateway attempt of the locked `payment`; returns the gateway error it recorded, if any."""
    invoice = locked_invoice(payment.invoice_id) if payment.invoice_id else None
    closed = _nothing_left_to_collect(payment, invoice)
    if closed:
        payment.status, payment.next_retry_at = P.FAILED, None
        payment.failure_code, payment.failure_message = NOTHING_TO_COLLECT, closed
        _save(payment, by)
        return None
    if invoice is not None and invoice.amount_due < payment.amount:
        payment.amount = invoice.amount_due  # partly paid some other way since: charge only the rest
    gateway = get_gateway(payment.gateway)
    payment.attempt_count += 1
    payment.last_attempt_at = now
    try:
        customer_ref = gateway.ensure_customer(payment.customer) if payment.customer else ""
        if customer_ref and payment.customer.gateway_customer_id != customer_ref:
            payment.customer.gateway_customer_id = customer_ref
            payment.customer._history_user = by
            payment.customer.save(update_fields=["gateway_customer_id", "updated_at"])
        result = gateway.charge(payment)
    except GatewayError as error:
        # Outcome unknown: keep the attempt number, so the retry sends the same idempotency key.
        payment.attempt_count -= 1
        payment.failure_code, payment.failure_message = GATEWAY_UNREACHABLE, str(error)
        payment.next_retry_at = now + GATEWAY_ERROR_DELAY
        _save(payment, by)
        return error
    record_charge_result(payment, result, by=by, now=now, attempt=True)
    return None


def charge_payment(*, payment_id: int, by: User | None = None) -> PaymentTransaction:
    """Attempt a pending or failed payment once, now. Raises GatewayError (after recording it and
    a retry in an hour) when the gateway cannot be reached."""
    now = timezone.now()
    with transaction.atomic():
        payment = _locked(payment_id)
        if payment is None:
            raise PaymentTransaction.DoesNotExist(f"Payment #{payment_id} does not exist.")
        if payment.status not in CHARGEABLE:
            raise TransitionNotAllowed(
                f"Payment #{payment.pk} is {payment.get_status_display().lower()}; only a payment that is "
                f"{labels(P, CHARGEABLE).lower()} can be charged."
            )
        error = _attempt(payment, by=by, now=now)
    if error is not None:
        raise error
    return payment


def retry_payment(*, payment_id: int, by: User | None) -> PaymentTransaction:
    """Admin action: charge a failed payment again now (e.g. the customer updated their card)."""
    payment = PaymentTransaction.objects.get(pk=payment_id)
    if payment.status != P.FAILED:
        raise TransitionNotAllowed(
            f"Payment #{payment.pk} is {payment.get_status_display().lower()}; only a failed payment can be retried."
        )
    if not get_gateway(payment.gateway).charges_automatically:
        raise BillingError(
            "A manual payment cannot be charged: record the money received with “Mark invoice paid”."
        )
    try:
        return charge_payment(payment_id=payment_id, by=by)
    except GatewayError as error:
        raise BillingError(
            f"{error} Nothing was charged twice: the payment is tried again automatically within the hour."
        ) from error


def _due(payment: PaymentTransaction, now: datetime) -> bool:
    return payment.status in CHARGEABLE and payment.next_retry_at is not None and payment.next_retry_at <= now


def retry_failed_payments(*, now: datetime | None = None) -> dict[str, int]:
    """Per tenant (schedule): attempt once every pending or failed payment whose retry is due.
    Each payment is locked with skip_locked, so two workers never attempt the same one, and an
    attempt moves its retry into the future (or clears it), so a second run attempts nothing twice."""
    now = now or timezone.now()
    counts = {"attempted": 0, "succeeded": 0, "failed": 0, "pending": 0, "gateway_errors": 0}
    due = PaymentTransaction.objects.filter(status__in=CHARGEABLE, next_retry_at__lte=now)
    for payment_id in due.order_by("next_retry_at", "pk").values_list("pk", flat=True):
        with transaction.atomic():
            payment = _locked(payment_id, skip_locked=True)
            if payment is None or not _due(payment, now):
                continue  # another worker has it, or it was settled meanwhile
            error = _attempt(payment, by=None, now=now)
        counts["attempted"] += 1
        if error:
            counts["gateway_errors"] += 1
        else:
            counts[{P.SUCCEEDED: "succeeded", P.PENDING: "pending"}.get(payment.status, "failed")] += 1
    return counts


def sync_gateway_payments() -> dict[str, int]:
    """Per tenant (schedule): ask the gateway about payments still pending there (they have a
    reference) and record its answer. Idempotent: a settled payment is no longer pending."""
    counts = {"checked": 0, "settled": 0, "gateway_errors": 0}
    waiting = (
        PaymentTransaction.objects.filter(status=P.PENDING)
        .exclude(gateway_reference="")
        .exclude(gateway="manual")
    )
    for payment_id in waiting.order_by("pk").values_list("pk", flat=True):
        with transaction.atomic():
            payment = _locked(payment_id, skip_locked=True)
            if payment is None or payment.status != P.PENDING:
                continue
            counts["checked"] += 1
            try:
                result = get_gateway(payment.gateway).retrieve(payment)
            except GatewayError:
                counts["gateway_errors"] += 1
                continue
            if not result.pending:
                record_charge_result(payment, result)
                counts["settled"] += 1
    return counts
