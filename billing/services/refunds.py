"""Refunds: asked for, approved by someone else, returned through the payment's gateway.

    requested --approve--> approved --process--> processing --gateway--> succeeded | failed
    requested/approved --reject--> rejected

Rules:
- Only collected payments are refunded, and never more than is still refundable: the payment's
  amount minus what was refunded and what other open refunds (requested, approved, processing)
  already claim. The check runs under the payment's row lock, so two concurrent requests cannot
  together exceed it.
- Four eyes: a finance user (billing.change_refundrequest in the tenant) approves or rejects, and
  not the person who asked for the refund.
- A refund runs through the gateway of its payment with `refund-<id>-attempt-<n>` as the
  idempotency key, in one transaction with the rows locked (as payments do): a crash replays the
  same key; an unreachable gateway leaves the refund approved, for the next run.
- A succeeded refund marks the payment refunded or partially refunded. Its invoice stays as it
  is (see _money_returned).
- A contract's funding payment is returned only through the contract's escrow (refund_escrow), so
  the escrow ledger records it and the same money cannot also be released to the provider.
- A refund that no longer fits its payment when it is processed fails without reaching the
  gateway, rather than blocking every refund after it.
"""

from __future__ import annotations

import logging
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from billing.gateways import RefundResult, get_gateway
from billing.models import PaymentStatus, PaymentTransaction, RefundRequest, RefundStatus
from billing.models.choices import COLLECTED_PAYMENT_STATUSES
from billing.money import display, quantize
from billing.services.common import labels
from billing.services.errors import BillingError, GatewayError, TransitionNotAllowed
from people.models import User

R = RefundStatus
OPEN_REFUND_STATUSES = (R.REQUESTED, R.APPROVED, R.PROCESSING)
PERMISSION = "billing.change_refundrequest"
logger = logging.getLogger("billing.refunds")


def _locked_payment(payment_id: int) -> PaymentTransaction:
    return PaymentTransaction.objects.select_for_update(of=("self",)).get(pk=payment_id)


def _locked_refund(refund_id: int, *, skip_locked: bool = False) -> RefundRequest | None:
    return (
        RefundRequest.objects.select_for_update(of=("self",), skip_locked=skip_locked)
        .select_related("payment")
        .filter(pk=refund_id)
        .first()
    )


def _get_locked_refund(refund_id: int) -> RefundRequest:
    refund = _locked_refund(refund_id)
    if refund is None:
        raise RefundRequest.DoesNotExist(f"Refund #{refund_id} does not exist.")
    return refund


def _claimed(payment: PaymentTransaction) -> Decimal:
    total = payment.refunds.filter(status__in=OPEN_REFUND_STATUSES).aggregate(total=Sum("amount"))["total"]
    return total or Decimal(0)


def refundable_amount(payment: PaymentTransaction) -> Decimal:
    """What can still be asked for: amount − refunded − open refunds. Lock the payment first."""
    return payment.amount - payment.amount_refunded - _claimed(payment)


def _refuse_unless(refund: RefundRequest, allowed: tuple[str, ...], action: str) -> None:
    if refund.status not in allowed:
        raise TransitionNotAllowed(
            f"Refund #{refund.pk} is {refund.get_status_display().lower()}; you can {action} only a refund "
            f"that is {labels(R, allowed).lower()}."
        )


def _check_decider(refund: RefundRequest, by: User | None, action: str) -> None:
    if by is None or not by.has_perm(PERMISSION):
        raise BillingError(f"Only a finance user can {action} a refund.")
    if refund.requested_by_id is not None and refund.requested_by_id == by.pk:
        raise BillingError(f"You asked for this refund; another finance user or an owner must {action} it.")


def _save(obj, by: User | None) -> None:
    obj._history_user = by
    obj.save()


@transaction.atomic
def request_refund(*, payment_id: int, amount=None, reason: str, by: User | None = None) -> RefundRequest:
    """Ask to return `amount` of a collected payment (all that is still refundable when None)."""
    reason = (reason or "").strip()
    if not reason:
        raise BillingError({"reason": "Say why the money is returned; the reason is kept with the refund."})
    payment = _locked_payment(payment_id)
    if payment.contract_id:
        raise BillingError(
            f"Payment #{payment.pk} funded a contract's escrow. Return it with the contract's "
            "“Refund escrow” step (after cancelling the contract), so the escrow records it and "
            "the money cannot also be released to the provider."
        )
    if payment.status not in COLLECTED_PAYMENT_STATUSES:
        raise TransitionNotAllowed(
            f"Payment #{payment.pk} is {payment.get_status_display().lower()}: no money was received, so "
            "there is nothing to refund. Refund a succeeded or partly refunded payment."
        )
    available = refundable_amount(payment)
    if available <= 0:
        raise BillingError("Nothing of this payment is left to refund: it was refunded or is being refunded.")
    if amount in (None, ""):
        amount = available
    else:
        try:
            amount = quantize(amount, payment.currency, allow_zero=False)
        except ValidationError as error:
            raise BillingError(error.message_dict) from None
    if amount > available:

        def money(value):
            return display(value, payment.currency)

        raise BillingError(
            {
                "amount": f"At most {money(available)} of this payment can still be refunded: {money(payment.amount)} "
                f"paid, {money(payment.amount_refunded)} refunded, {money(_claimed(payment))} in refunds not done "
                "yet. Lower the amount."
            }
        )
    refund = RefundRequest(
        payment=payment, amount=amount, currency=payment.currency, reason=reason, requested_by=by
    )
    _save(refund, by)
    return refund


@transaction.atomic
def approve_refund(*, refund_id: int, by: User, reference: str = "") -> RefundRequest:
    """A finance user other than the requester approves it; the next process_pending_refunds run
    (every 15 minutes) returns the money. `reference`: for a manual payment, the bank transfer that returned it."""
    refund = _get_locked_refund(refund_id)
    _refuse_unless(refund, (R.REQUESTED,), "approve")
    _check_decider(refund, by, "approve")
    refund.status, refund.approved_by, refund.approved_at = R.APPROVED, by, timezone.now()
    refund.gateway_reference = (reference or "").strip()[:100]
    _save(refund, by)
    return refund


@transaction.atomic
def reject_refund(*, refund_id: int, reason: str, by: User) -> RefundRequest:
    reason = (reason or "").strip()
    if not reason:
        raise BillingError({"reason": "Say why the refund is rejected; the requester sees it."})
    refund = _get_locked_refund(refund_id)
    _refuse_unless(refund, (R.REQUESTED, R.APPROVED), "reject")
    _check_decider(refund, by, "reject")
    refund.status, refund.rejection_reason = R.REJECTED, reason
    _save(refund, by)
    return refund


def _money_returned(refund: RefundRequest, payment: PaymentTransaction, by: User | None) -> None:
    """The payment records what went back. Its invoice stays as it is: a refund is money returned
    (a credit), not a debt re-opened, so nobody is charged again for it."""
    payment.amount_refunded += refund.amount
    payment.status = (
        PaymentStatus.REFUNDED
        if payment.amount_refunded >= payment.amount
        else PaymentStatus.PARTIALLY_REFUNDED
    )
    _save(payment, by)


def record_refund_result(
    refund: RefundRequest, result: RefundResult, *, by: User | None = None, attempt: bool = False
) -> str:
    """Apply the gateway's answer to `refund` (locked by the caller, with its payment): the answer
    to a call just made (`attempt`) or a later webhook. Idempotent. Returns what it did."""
    if refund.status not in (R.APPROVED, R.PROCESSING):
        return f"Refund #{refund.pk} is {refund.get_status_display().lower()}; nothing to update."
    if not attempt and not result.succeeded and refund.status != R.PROCESSING:
        return f"Refund #{refund.pk} has not reached the gateway yet; its next attempt records the answer."
    refund.gateway_reference = result.reference or refund.gateway_reference
    if result.pending:
        refund.status = R.PROCESSING
        _save(refund, by)
        return f"Refund #{refund.pk} is processing at the gateway."
    if result.succeeded:
        payment = _locked_payment(refund.payment_id)
        refund.status, refund.processed_at, refund.failure_message = R.SUCCEEDED, timezone.now(), ""
        _save(refund, by)
        _money_returned(refund, payment, by)
        return f"Refund #{refund.pk} succeeded: {display(refund.amount, refund.currency)} returned."
    refund.status, refund.processed_at = R.FAILED, timezone.now()
    refund.failure_message = result.failure_message or result.failure_code
    _save(refund, by)
    return f"Refund #{refund.pk} failed: {refund.failure_message}"


def _process(refund: RefundRequest, by: User | None) -> GatewayError | None:
    payment = _locked_payment(refund.payment_id)
    refund.payment = payment
    left = payment.amount - payment.amount_refunded
    if refund.amount > left:
        # Never send the gateway more than is left of the payment (it could return it, and our
        # books could not record it): fail this refund and let the queue go on.
        refund.status, refund.processed_at = R.FAILED, timezone.now()
        refund.failure_message = (
            f"Only {display(left, payment.currency)} of payment #{payment.pk} is left to refund; "
            f"{display(refund.amount, refund.currency)} was not sent. Ask for a smaller refund."
        )
        _save(refund, by)
        logger.warning("refund exceeds its payment", extra={"refund_id": refund.pk, "payment_id": payment.pk})
        return None
    gateway = get_gateway(payment.gateway)
    refund.attempt_count += 1
    try:
        result = gateway.refund(refund)
    except GatewayError as error:
        refund.attempt_count -= 1  # outcome unknown: the next run sends the same idempotency key
        refund.failure_message = f"{error} It is tried again on the next run."
        _save(refund, by)
        return error
    record_refund_result(refund, result, by=by, attempt=True)
    return None


def process_refund(*, refund_id: int, by: User | None = None) -> RefundRequest:
    """Return an approved refund's money through its payment's gateway, now. Raises a
    BillingError (after recording it) when the gateway cannot be reached."""
    with transaction.atomic():
        refund = _get_locked_refund(refund_id)
        _refuse_unless(refund, (R.APPROVED,), "process")
        error = _process(refund, by)
    if error is not None:
        raise BillingError(f"{error} The refund stays approved and is tried again automatically.") from error
    return refund


def process_pending_refunds() -> dict[str, int]:
    """Per tenant (schedule): process every approved refund once. Rows are locked with
    skip_locked, so two workers never process the same refund; a processed refund is no longer
    approved, so a second run does nothing more."""
    counts = {"processed": 0, "succeeded": 0, "failed": 0, "processing": 0, "gateway_errors": 0}
    approved = RefundRequest.objects.filter(status=R.APPROVED).order_by("pk").values_list("pk", flat=True)
    for refund_id in approved:
        with transaction.atomic():
            refund = _locked_refund(refund_id, skip_locked=True)
            if refund is None or refund.status != R.APPROVED:
                continue
            error = _process(refund, None)
        counts["processed"] += 1
        counts["gateway_errors" if error else refund.status] += 1
    return counts
