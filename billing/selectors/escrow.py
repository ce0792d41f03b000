"""Escrow of marketplace contracts: movements of a period and balances held (holds minus
releases and refunds; freeze and unfreeze entries move no money)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import NamedTuple

from django.db.models import Count, Q, Sum

from billing.models import EscrowKind, EscrowTransaction
from billing.selectors.periods import day_bounds, money


class EscrowTotal(NamedTuple):
    currency: str
    held: Decimal  # held (contracts funded) in the period
    released: Decimal  # released to providers in the period
    refunded: Decimal  # refunded to clients in the period
    balance: Decimal  # still held at the end of the period: holds - releases - refunds


def _escrow_sums(**period) -> dict:
    return {
        "held": Sum("amount", filter=Q(kind=EscrowKind.HOLD, **period)),
        "released": Sum("amount", filter=Q(kind=EscrowKind.RELEASE, **period)),
        "refunded": Sum("amount", filter=Q(kind=EscrowKind.REFUND, **period)),
    }


def escrow_in_period(*, start: date, end: date) -> list[EscrowTotal]:
    """Escrow movements of the period and the balance held at its end, per currency: one query."""
    lo, hi = day_bounds(start, end)
    rows = (
        EscrowTransaction.objects.filter(created_at__lt=hi)
        .order_by()
        .values_list("currency")
        .annotate(**_escrow_sums(created_at__gte=lo), **{f"all_{k}": v for k, v in _escrow_sums().items()})
        .order_by("currency")
    )
    result = []
    for currency, held, released, refunded, all_held, all_released, all_refunded in rows:
        balance = money(all_held, currency) - money(all_released, currency) - money(all_refunded, currency)
        result.append(
            EscrowTotal(
                currency, money(held, currency), money(released, currency), money(refunded, currency), balance
            )
        )
    return result


def escrow_held() -> dict[str, Decimal]:
    """What escrow holds now, per currency (the dashboard's card): one query."""
    rows = EscrowTransaction.objects.order_by().values_list("currency").annotate(**_escrow_sums())
    balances = {
        currency: money(held, currency) - money(released, currency) - money(refunded, currency)
        for currency, held, released, refunded in rows
    }
    return dict(sorted(balances.items()))


class EscrowGroup(NamedTuple):
    kind: str
    currency: str
    entries: int
    contracts: int
    amount: Decimal


def escrow_breakdown(*, start: date, end: date) -> list[EscrowGroup]:
    """The period's escrow entries per kind and currency: one grouped query (a contract's own
    entries are on its escrow page)."""
    lo, hi = day_bounds(start, end)
    rows = (
        EscrowTransaction.objects.filter(created_at__gte=lo, created_at__lt=hi)
        .order_by()
        .values_list("kind", "currency")
        .annotate(entries=Count("pk"), contracts=Count("contract", distinct=True), amount=Sum("amount"))
        .order_by("kind", "currency")
    )
    return [
        EscrowGroup(kind, currency, entries, contracts, money(amount, currency))
        for kind, currency, entries, contracts, amount in rows
    ]
