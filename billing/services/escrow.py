"""Escrow of marketplace contracts: the client's money is held when the contract is funded,
released to the provider when the contract is completed (or after the tenant's hold period once
delivered), refunded to the client when it is cancelled, and frozen while it is disputed.

The ledger (EscrowTransaction) is append-only and every entry has a deterministic key, so each
step happens at most once whoever runs it: an admin action, the schedule, or both at once. The
refund entry files an approved refund of the funding payment; if that refund fails at the gateway
(or is rejected), refunding the escrow again files a new one for the same amount.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Case, DecimalField, F, Sum, Value, When
from django.utils import timezone

from billing.models import (
    BillingSettings,
    EscrowKind,
    EscrowTransaction,
    PaymentStatus,
    PaymentTransaction,
    RefundRequest,
    RefundStatus,
)
from billing.money import display, minor_unit_error, validate_currency
from billing.services.errors import BillingError
from billing.services.refunds import OPEN_REFUND_STATUSES, refundable_amount
from marketplace.models import Contract, ContractStatus
from people.models import User

logger = logging.getLogger("billing.escrow")
K = EscrowKind
C = ContractStatus
FUNDABLE = (C.DRAFT, C.ACTIVE, C.DELIVERED)

SIGNED_AMOUNT = Case(
    When(kind=K.HOLD, then=F("amount")),
    When(kind__in=(K.RELEASE, K.REFUND), then=-F("amount")),
    default=Value(Decimal(0)),
    output_field=DecimalField(max_digits=14, decimal_places=2),
)


@dataclass(frozen=True)
class EscrowBalance:
    held: Decimal
    currency: str
    frozen: bool


def escrow_balance(contract_id: int) -> EscrowBalance:
    """What the contract's ledger holds now, derived from its entries."""
    entries = EscrowTransaction.objects.filter(contract_id=contract_id)
    held = entries.aggregate(held=Sum(SIGNED_AMOUNT))["held"] or Decimal("0.00")
    last_flag = entries.filter(kind__in=(K.FREEZE, K.UNFREEZE)).order_by("-created_at", "-pk").first()
    currency = entries.values_list("currency", flat=True).first() or ""
    return EscrowBalance(held=held, currency=currency, frozen=bool(last_flag and last_flag.kind == K.FREEZE))


def _locked_contract(contract_id: int) -> Contract:
    return Contract.objects.select_for_update(of=("self",)).get(pk=contract_id)


def _entry(contract: Contract, kind: str, key: str, amount=Decimal("0.00"), **fields) -> EscrowTransaction:
    entry = EscrowTransaction(
        contract=contract, kind=kind, key=key, amount=amount, currency=contract.currency, **fields
    )
    entry._history_user = fields.get("created_by")
    entry.save()
    return entry


def _check_money(contract: Contract) -> None:
    """Escrow follows billing's money rules: a supported currency, an amount in its minor unit
    (never rounded here: the client pays what the contract says)."""
    try:
        validate_currency(contract.currency)
    except ValidationError as error:
        raise BillingError(f"{error.messages[0]} Correct the contract's currency first.") from None
    error = minor_unit_error(contract.amount, contract.currency)
    if error:
        raise BillingError(f"The contract's amount is {contract.amount}: {error} Correct it first.")


@transaction.atomic
def fund_contract(*, contract_id: int, reference: str, by: User | None = None) -> EscrowTransaction:
    """The client paid the contract's amount (recorded by finance with the payment's reference):
    the money is held in escrow. Funding twice returns the first hold."""
    contract = _locked_contract(contract_id)
    existing = EscrowTransaction.objects.filter(key=f"contract-{contract.pk}-hold").first()
    if existing:
        return existing
    if contract.status not in FUNDABLE:
        raise BillingError(
            f"This contract is {contract.get_status_display().lower()}; only a draft, active or "
            "delivered contract can be funded."
        )
    if contract.amount <= 0:
        raise BillingError("The contract has no amount to hold; set its amount first.")
    _check_money(contract)
    if not (reference or "").strip():
        raise BillingError({"reference": "Give the reference of the client's payment."})
    now = timezone.now()
    payment = PaymentTransaction(
        contract=contract,
        amount=contract.amount,
        currency=contract.currency,
        status=PaymentStatus.SUCCEEDED,
        gateway="manual",
        gateway_reference=reference.strip(),
        idempotency_key=f"contract-{contract.pk}-funding",
        attempt_count=1,
        last_attempt_at=now,
        succeeded_at=now,
    )
    payment._history_user = by
    payment.save()
    return _entry(
        contract,
        K.HOLD,
        f"contract-{contract.pk}-hold",
        contract.amount,
        payment=payment,
        created_by=by,
        note=f"Funded, reference {reference.strip()}"[:300],
    )


def _check_still_held(payment_id: int, held: Decimal) -> None:
    """The held money must still be ours to pay out: none of the funding payment may have gone
    back to the client outside the escrow (refunds filed on the payment before that was barred)."""
    payment = PaymentTransaction.objects.select_for_update(of=("self",)).get(pk=payment_id)
    left = refundable_amount(payment)
    if held > left:
        raise BillingError(
            f"The escrow holds {display(held, payment.currency)}, but only {display(left, payment.currency)} "
            f"of its funding payment #{payment.pk} is still with us: the rest was refunded, or is being "
            "refunded, to the client outside the escrow. Nothing is paid out; reject the open refunds "
            "of that payment, or have the ledger corrected, first."
        )


def _refund_to_client(contract: Contract, payment: PaymentTransaction, amount: Decimal, *, by, note: str):
    """The client's money goes back through the gateway that took it (process_pending_refunds):
    an approved refund, as the contract's cancellation already decided it."""
    refund = RefundRequest(
        payment=payment,
        amount=amount,
        currency=contract.currency,
        reason=f"Escrow refund of contract {contract.title}: {note}"[:1000],
        status=RefundStatus.APPROVED,
        requested_by=by,
        approved_by=by,
        approved_at=timezone.now(),
    )
    refund._history_user = by
    refund.save()
    return refund


def escrow_refund_not_returned(contract_id: int) -> bool:
    """Was the escrow refunded in the ledger while the money never reached the client (its refund
    failed at the gateway, or was rejected)? Then refund_escrow sends it again."""
    refunds = RefundRequest.objects.filter(payment__contract_id=contract_id)
    return (
        EscrowTransaction.objects.filter(contract_id=contract_id, kind=K.REFUND).exists()
        and refunds.filter(status__in=(RefundStatus.FAILED, RefundStatus.REJECTED)).exists()
        and not refunds.filter(status__in=(*OPEN_REFUND_STATUSES, RefundStatus.SUCCEEDED)).exists()
    )


def _settle(contract: Contract, kind: str, *, by: User | None, note: str) -> EscrowTransaction:
    balance = escrow_balance(contract.pk)
    key = f"contract-{contract.pk}-{kind}"
    existing = EscrowTransaction.objects.filter(key=key).first()
    if existing:
        if kind == K.REFUND and existing.payment_id and escrow_refund_not_returned(contract.pk):
            _check_still_held(existing.payment_id, existing.amount)
            _refund_to_client(contract, existing.payment, existing.amount, by=by, note=f"sent again. {note}")
        return existing
    if balance.frozen:
        raise BillingError("The escrow is frozen by a dispute; resolve the dispute (unfreeze) first.")
    if balance.held <= 0:
        raise BillingError("Nothing is held in escrow for this contract.")
    hold = EscrowTransaction.objects.filter(contract=contract, kind=K.HOLD).select_related("payment").first()
    if hold and hold.payment_id:
        _check_still_held(hold.payment_id, balance.held)
    entry = _entry(
        contract,
        kind,
        key,
        balance.held,
        payment=hold.payment if hold else None,
        created_by=by,
        note=note[:300],
    )
    if kind == K.REFUND and hold and hold.payment_id:
        _refund_to_client(contract, hold.payment, balance.held, by=by, note=note)
    return entry


@transaction.atomic
def release_escrow(*, contract_id: int, by: User | None = None, note: str = "") -> EscrowTransaction:
    """Pay the held money out to the provider: the contract must be delivered or completed."""
    contract = _locked_contract(contract_id)
    if contract.status not in (C.DELIVERED, C.COMPLETED):
        raise BillingError(
            f"This contract is {contract.get_status_display().lower()}; escrow is released once "
            "the work is delivered or the contract completed."
        )
    return _settle(contract, K.RELEASE, by=by, note=note or "Released to the provider.")


@transaction.atomic
def refund_escrow(*, contract_id: int, reason: str, by: User | None = None) -> EscrowTransaction:
    """Return the held money to the client: the contract must be cancelled."""
    if not (reason or "").strip():
        raise BillingError({"reason": "Say why the client gets the money back."})
    contract = _locked_contract(contract_id)
    if contract.status != C.CANCELLED:
        raise BillingError(
            f"This contract is {contract.get_status_display().lower()}; cancel it before refunding "
            "the escrow to the client."
        )
    return _settle(contract, K.REFUND, by=by, note=reason.strip())


def _flag(contract: Contract, kind: str, *, by: User | None, note: str) -> EscrowTransaction | None:
    balance = escrow_balance(contract.pk)
    if balance.held <= 0 or balance.frozen == (kind == K.FREEZE):
        return None  # nothing held, or already in that state
    n = EscrowTransaction.objects.filter(contract=contract, kind=kind).count() + 1
    try:
        with transaction.atomic():
            return _entry(
                contract, kind, f"contract-{contract.pk}-{kind}-{n}", created_by=by, note=note[:300]
            )
    except IntegrityError:  # a concurrent run wrote the same entry
        return None


@transaction.atomic
def freeze_escrow(
    *, contract_id: int, by: User | None = None, note: str = "Contract disputed."
) -> EscrowTransaction | None:
    return _flag(_locked_contract(contract_id), K.FREEZE, by=by, note=note)


@transaction.atomic
def unfreeze_escrow(
    *, contract_id: int, by: User | None = None, note: str = "Dispute resolved."
) -> EscrowTransaction | None:
    return _flag(_locked_contract(contract_id), K.UNFREEZE, by=by, note=note)


def contracts_holding_escrow():
    """Contract ids with money still held, from one aggregate query."""
    return (
        EscrowTransaction.objects.values("contract_id")
        .annotate(held=Sum(SIGNED_AMOUNT))
        .filter(held__gt=0)
        .values_list("contract_id", flat=True)
    )


def process_escrow_transactions(*, now=None) -> dict[str, int]:
    """Per tenant (schedule): freeze disputed contracts' escrow, unfreeze resolved ones, release
    completed ones and delivered ones past the hold period, refund cancelled ones. Each step is
    keyed, so a double or concurrent run does nothing twice; one contract's failure is counted
    and does not stop the others."""
    now = now or timezone.now()
    hold_until = now - timedelta(days=BillingSettings.current().escrow_hold_days)
    counts = {"frozen": 0, "unfrozen": 0, "released": 0, "refunded": 0, "errors": 0}
    ids = list(contracts_holding_escrow())
    for contract in Contract.objects.filter(pk__in=ids).order_by("pk"):
        try:
            with transaction.atomic():
                balance = escrow_balance(contract.pk)
                if contract.status == C.DISPUTED:
                    counts["frozen"] += bool(freeze_escrow(contract_id=contract.pk))
                    continue
                if balance.frozen:
                    counts["unfrozen"] += bool(unfreeze_escrow(contract_id=contract.pk))
                if contract.status == C.COMPLETED or (
                    contract.status == C.DELIVERED
                    and contract.delivered_at
                    and contract.delivered_at <= hold_until
                ):
                    release_escrow(contract_id=contract.pk, note="Released by the escrow schedule.")
                    counts["released"] += 1
                elif contract.status == C.CANCELLED:
                    refund_escrow(contract_id=contract.pk, reason="Contract cancelled.")
                    counts["refunded"] += 1
        except BillingError as error:
            counts["errors"] += 1
            logger.warning("escrow step refused", extra={"contract_id": contract.pk, "error": str(error)})
    return counts
