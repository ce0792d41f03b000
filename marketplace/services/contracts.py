"""Contracts: draft → active → delivered → completed, or disputed / cancelled.

    draft      → active, cancelled
    active     → delivered, disputed, cancelled
    delivered  → completed, disputed
    disputed   → active (work resumes), completed (settled for the provider), cancelled
    completed and cancelled are final.

Completing a contract updates the provider's completed contracts count (marketplace.services.stats).
Billing will hold a contract's funds in escrow when it exists; until then a contract only records
its amount.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from marketplace.models import Contract, ContractStatus, ServiceProvider
from marketplace.services.common import currency_code, labels, money
from marketplace.services.errors import MarketplaceError, TransitionNotAllowed
from marketplace.services.stats import locked_provider, refresh_provider_stats
from people.models import User

C = ContractStatus
ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    C.DRAFT: frozenset({C.ACTIVE, C.CANCELLED}),
    C.ACTIVE: frozenset({C.DELIVERED, C.DISPUTED, C.CANCELLED}),
    C.DELIVERED: frozenset({C.COMPLETED, C.DISPUTED}),
    C.DISPUTED: frozenset({C.ACTIVE, C.COMPLETED, C.CANCELLED}),
    C.COMPLETED: frozenset(),
    C.CANCELLED: frozenset(),
}
# What a person clicks, by target status, for refusal messages.
ACTIONS = {
    C.ACTIVE: "activate it",
    C.DELIVERED: "mark it as delivered",
    C.COMPLETED: "complete it",
    C.DISPUTED: "dispute it",
    C.CANCELLED: "cancel it",
}


def allowed_moves(status: str) -> frozenset[str]:
    return ALLOWED_TRANSITIONS.get(status, frozenset())


def _locked_contract(contract_id: int) -> Contract:
    return Contract.objects.select_for_update(of=("self",)).select_related("provider").get(pk=contract_id)


def _move(contract: Contract, to_status: str, *, by: User | None, reason: str = "", **fields) -> Contract:
    allowed = allowed_moves(contract.status)
    if to_status not in allowed:
        action = "resume it" if to_status == C.ACTIVE and contract.status != C.DRAFT else ACTIONS[to_status]
        raise TransitionNotAllowed(
            f"This contract is {contract.get_status_display().lower()}; you cannot {action}. "
            f"It can become: {labels(C, allowed)}."
        )
    contract.status = to_status
    for name, value in fields.items():
        setattr(contract, name, value)
    contract._history_user = by
    if reason:
        contract._change_reason = reason[:100]
    contract.save(update_fields=["status", *fields, "updated_at"])
    return contract


def _check_dates(start_date: date | None, end_date: date | None) -> None:
    if start_date and end_date and end_date < start_date:
        raise MarketplaceError({"end_date": "The end date cannot be before the start date."})


@transaction.atomic
def create_contract(
    *,
    provider_id: int,
    client_name: str,
    client_email: str,
    title: str,
    amount,
    currency: str = "",
    client_company: str = "",
    scope: str = "",
    start_date: date | None = None,
    end_date: date | None = None,
    by: User | None = None,
) -> Contract:
    """Draft a contract with a provider who is active and accepting projects."""
    provider = ServiceProvider.objects.get(pk=provider_id)
    if not (title or "").strip():
        raise MarketplaceError({"title": "Give the contract a title."})
    if not (client_name or "").strip():
        raise MarketplaceError({"client_name": "Give the client's name."})
    try:
        validate_email((client_email or "").strip())
    except ValidationError:
        raise MarketplaceError({"client_email": f"{client_email!r} is not an e-mail address."}) from None
    amount, currency = money(amount), currency_code(currency)
    _check_dates(start_date, end_date)
    if not provider.is_active:
        raise MarketplaceError(f"{provider} is inactive; contracts cannot be made with them.")
    if not provider.accepting_projects:
        raise MarketplaceError(
            f"{provider} is not accepting projects at the moment; ask them, then tick "
            "“accepting projects” on their page before drafting a contract."
        )
    contract = Contract(
        provider=provider,
        client_name=client_name.strip(),
        client_email=client_email.strip().lower(),
        client_company=(client_company or "").strip(),
        title=title.strip(),
        scope=scope or "",
        amount=amount,
        currency=currency,
        start_date=start_date,
        end_date=end_date,
    )
    contract._history_user = by
    contract.save()
    return contract


@transaction.atomic
def activate_contract(*, contract_id: int, by: User | None = None) -> Contract:
    """Work starts. The provider must be active and the amount set."""
    contract = _locked_contract(contract_id)
    if contract.status != C.DRAFT:
        _move(contract, C.ACTIVE, by=by)  # raises, naming what the contract can still become
    if not contract.provider.is_active:
        raise MarketplaceError(f"{contract.provider} is inactive; reactivate them or cancel this contract.")
    if not contract.amount or contract.amount <= 0:
        raise MarketplaceError({"amount": "Set the contract's amount before activating it."})
    return _move(
        contract,
        C.ACTIVE,
        by=by,
        activated_at=timezone.now(),
        start_date=contract.start_date or timezone.localdate(),
    )


@transaction.atomic
def deliver_contract(*, contract_id: int, by: User | None = None) -> Contract:
    """The provider delivered the work; the client accepts it (Complete) or disputes it."""
    return _move(_locked_contract(contract_id), C.DELIVERED, by=by, delivered_at=timezone.now())


@transaction.atomic
def complete_contract(*, contract_id: int, by: User | None = None) -> Contract:
    """The client accepted the delivery (or a dispute was settled for the provider)."""
    contract = _locked_contract(contract_id)
    provider = locked_provider(contract.provider_id)  # its completed count changes
    _move(contract, C.COMPLETED, by=by, completed_at=timezone.now())
    refresh_provider_stats(provider)
    return contract


@transaction.atomic
def dispute_contract(*, contract_id: int, reason: str, by: User | None = None) -> Contract:
    """The client or the provider disputes the work; the reason is kept on the contract."""
    if not (reason or "").strip():
        raise MarketplaceError({"reason": "Say what is disputed; the reason is kept on the contract."})
    contract = _locked_contract(contract_id)
    return _move(
        contract, C.DISPUTED, by=by, reason=f"Disputed: {reason.strip()}", dispute_reason=reason.strip()
    )


@transaction.atomic
def resume_contract(*, contract_id: int, by: User | None = None) -> Contract:
    """A dispute is settled by more work: the contract is active again."""
    contract = _locked_contract(contract_id)
    if contract.status != C.DISPUTED:
        raise TransitionNotAllowed(
            f"This contract is {contract.get_status_display().lower()}; only a disputed contract can resume. "
            f"It can become: {labels(C, allowed_moves(contract.status))}."
        )
    return _move(contract, C.ACTIVE, by=by, reason="Resumed after a dispute")


@transaction.atomic
def cancel_contract(*, contract_id: int, by: User | None = None, reason: str = "") -> Contract:
    """Cancel a draft, active or disputed contract. Beyond a draft, say why (it is kept)."""
    contract = _locked_contract(contract_id)
    reason = (reason or "").strip()
    if not reason and contract.status != C.DRAFT and C.CANCELLED in allowed_moves(contract.status):
        raise MarketplaceError({"reason": "Say why the contract is cancelled; the reason is kept."})
    return _move(
        contract,
        C.CANCELLED,
        by=by,
        reason=f"Cancelled: {reason}" if reason else "Cancelled",
        cancelled_at=timezone.now(),
        cancellation_reason=reason,
    )
