from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from billing.money import display, from_minor_units, quantize, to_minor_units, validate_currency


def test_amounts_are_quantized_half_up_to_the_currencys_minor_unit():
    assert quantize("10.005", "EUR") == Decimal("10.01")
    assert quantize(0.1 + 0.2, "EUR") == Decimal("0.30")  # a float's noise never reaches a column
    assert quantize("1234.5", "JPY") == Decimal("1235")


@pytest.mark.parametrize("code", ["BHD", "KWD", "JOD"])
def test_three_decimal_currencies_are_refused_with_a_clear_message(code):
    with pytest.raises(ValidationError, match="three decimal places"):
        validate_currency(code)
    with pytest.raises(ValidationError, match="three decimal places"):
        quantize("1.000", code)


@pytest.mark.parametrize("code", ["EURO", "ZZZ", "eur", ""])
def test_unknown_currency_codes_are_refused(code):
    with pytest.raises(ValidationError, match="not a currency code"):
        validate_currency(code)


@pytest.mark.parametrize("value", ["abc", "NaN", "Infinity", None, "1e13"])
def test_non_amounts_are_refused_naming_the_field(value):
    with pytest.raises(ValidationError) as error:
        quantize(value, "EUR", field="price")
    assert "price" in error.value.message_dict


def test_negative_and_zero_amounts_only_when_allowed():
    with pytest.raises(ValidationError, match="cannot be negative"):
        quantize("-1", "EUR")
    assert quantize("-1", "EUR", allow_negative=True) == Decimal("-1.00")
    with pytest.raises(ValidationError, match="more than zero"):
        quantize("0", "EUR", allow_zero=False)


def test_minor_units_at_the_gateway_boundary_round_trip():
    assert to_minor_units(Decimal("12.34"), "EUR") == 1234
    assert to_minor_units(Decimal("500"), "JPY") == 500
    assert from_minor_units(1234, "EUR") == Decimal("12.34")
    assert display(Decimal("1234.5"), "EUR") == "€1,234.50"
