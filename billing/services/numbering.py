"""Gap-free invoice numbers per tenant and year: INV-2026-000123.

The year's counter row is locked (SELECT … FOR UPDATE) and bumped in the caller's transaction, so
concurrent issuers queue on the row, and a transaction that rolls back returns its numbers: a
number exists exactly when the invoice that carries it was committed.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction

from billing.models import BillingSettings, InvoiceSequence
from people.tenancy import current_tenant


def _locked_sequence(year: int) -> InvoiceSequence:
    tenant = current_tenant()
    try:
        return InvoiceSequence.objects.select_for_update().get(tenant=tenant, year=year)
    except InvoiceSequence.DoesNotExist:
        pass
    try:
        with transaction.atomic():  # savepoint: a concurrent first issuer may create it first
            InvoiceSequence.objects.create(tenant=tenant, year=year)
    except IntegrityError:
        pass
    return InvoiceSequence.objects.select_for_update().get(tenant=tenant, year=year)


def reserve_invoice_numbers(year: int, count: int = 1) -> list[str]:
    """`count` consecutive numbers of `year`; call inside the transaction that issues them."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("Invoice numbers must be reserved inside the transaction that issues them.")
    prefix = BillingSettings.current().invoice_prefix
    sequence = _locked_sequence(year)
    first = sequence.last_number + 1
    sequence.last_number += count
    sequence.save(update_fields=["last_number", "updated_at"])
    return [format_number(prefix, year, n) for n in range(first, first + count)]


def format_number(prefix: str, year: int, number: int) -> str:
    return f"{prefix}-{year}-{number:06d}"
