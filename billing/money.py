"""Money in billing: Decimal amounts quantized to the currency's minor unit, never float.

Minor units come from CLDR through Babel (JPY has none, EUR two, BHD three). Columns hold two
decimal places (DESIGN.md), so three-decimal currencies are refused with a clear message instead
of being rounded. Integer minor units exist only at a gateway boundary (`to_minor_units`).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from babel.numbers import format_currency, get_currency_precision, list_currencies
from django.core.exceptions import ValidationError

MAX_AMOUNT = Decimal("1e12")
_KNOWN = frozenset(list_currencies())


def validate_currency(code: str) -> None:
    """A known ISO 4217 code with at most two decimals (model-field validator)."""
    if code not in _KNOWN:
        raise ValidationError(
            f"{code!r} is not a currency code; use a three-letter ISO 4217 code such as EUR or USD.",
            code="unknown_currency",
        )
    if get_currency_precision(code) > 2:
        raise ValidationError(
            f"{code} has three decimal places, which billing does not support; "
            "invoice in a currency with at most two (e.g. USD or EUR).",
            code="three_decimal_currency",
        )


def minor_unit(code: str) -> Decimal:
    """Decimal('0.01') for EUR, Decimal('1') for JPY."""
    validate_currency(code)
    return Decimal(1).scaleb(-get_currency_precision(code))


def minor_unit_error(amount: Decimal, code: str, noun: str = "amount") -> str:
    """Why `amount` is not an exact amount of `code` (finer than its minor unit), or "".
    For amounts people typed, which are refused rather than rounded behind their backs."""
    unit = minor_unit(code)
    if amount == amount.quantize(unit):
        return ""
    places = -unit.as_tuple().exponent
    example = amount.quantize(unit, rounding=ROUND_HALF_UP)
    return f"{code} has {places or 'no'} decimal place{'s' if places != 1 else ''}; write the {noun} like {example}."


def quantize(
    value, code: str, *, field: str = "amount", allow_zero: bool = True, allow_negative: bool = False
) -> Decimal:
    """`value` as an amount of `code`, rounded half-up to its minor unit; refuses floats' noise
    by going through str(), and refuses non-numbers, NaN and absurd sizes with a field message."""
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationError(
            {field: f"{value!r} is not an amount; write it like 1500 or 1500.50."}
        ) from None
    if not amount.is_finite():
        raise ValidationError({field: f"{value!r} is not an amount; write it like 1500 or 1500.50."})
    try:
        amount = amount.quantize(minor_unit(code), rounding=ROUND_HALF_UP)
    except ValidationError as error:
        raise ValidationError({"currency": error.messages}) from None
    if amount < 0 and not allow_negative:
        raise ValidationError({field: "The amount cannot be negative."})
    if amount == 0 and not allow_zero:
        raise ValidationError({field: "The amount must be more than zero."})
    if abs(amount) >= MAX_AMOUNT:
        raise ValidationError({field: "The amount is too large; check it."})
    return amount


def to_minor_units(amount: Decimal, code: str) -> int:
    """1234.50 EUR -> 123450, as payment gateways want it."""
    return int((quantize(amount, code, allow_negative=True) / minor_unit(code)).to_integral_value())


def from_minor_units(units: int, code: str) -> Decimal:
    return quantize(Decimal(int(units)) * minor_unit(code), code, allow_negative=True)


def display(amount: Decimal | None, code: str, locale: str = "en") -> str:
    """'€1,234.50' for people (invoices, reports, messages)."""
    if amount is None:
        return "—"
    return format_currency(amount, code, locale=locale)
