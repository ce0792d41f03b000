"""Small helpers the marketplace services share: amounts, currency codes, status labels, times."""

from __future__ import annotations

import re
import zoneinfo
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils import timezone

from marketplace.services.errors import MarketplaceError
from people.tenancy import current_tenant

CENTS = Decimal("0.01")
CURRENCY = re.compile(r"^[A-Z]{3}$")


def money(value, *, field: str = "amount", allow_zero: bool = False) -> Decimal:
    """An amount quantized to cents; never a float's binary noise."""
    try:
        amount = Decimal(str(value)).quantize(CENTS, rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError, TypeError):
        raise MarketplaceError(
            {field: f"{value!r} is not an amount; write it like 1500 or 1500.50."}
        ) from None
    if not amount.is_finite() or amount < 0 or (amount == 0 and not allow_zero):
        raise MarketplaceError({field: "The amount must be more than zero."})
    if amount >= Decimal("1e12"):
        raise MarketplaceError({field: "The amount is too large; check it."})
    return amount


def currency_code(value: str, *, field: str = "currency") -> str:
    """A 3-letter ISO code; blank means the tenant's default currency."""
    code = (value or "").strip()
    if not code:
        return current_tenant().default_currency
    if not CURRENCY.match(code):
        raise MarketplaceError(
            {field: f"{value!r} is not a currency code; use the 3-letter ISO code in capitals, like EUR."}
        )
    return code


def labels(choices, statuses) -> str:
    """Human labels in the choices' order: "Active, Delivered or Cancelled"."""
    names = [str(choice.label) for choice in choices if choice in statuses]
    if not names:
        return "nothing (it is final)"
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


def local_time(moment: datetime) -> str:
    """A moment in the tenant's time zone, as people read it in messages."""
    zone = zoneinfo.ZoneInfo(current_tenant().timezone or "UTC")
    return timezone.localtime(moment, zone).strftime("%Y-%m-%d %H:%M")
