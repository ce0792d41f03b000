"""Invoice workflows: draft, add lines, issue (numbered), pay, void, write off.

    draft --issue--> open --payments cover the total--> paid
                     open/paid --void (no money kept)--> void
                     open --write off--> uncollectible --payment--> paid

Totals are recomputed from the lines (Decimal, quantized to the currency); one invoice holds one
currency. Writes lock the invoice row, so a payment and a void cannot cross.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import F, Q, Sum
from django.utils import timezone

from billing.models import (
    BillingSettings,
    Customer,
    Gateway,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    PaymentStatus,
    PaymentTransaction,
    Plan,
)
from billing.models.choices import COLLECTED_PAYMENT_STATUSES, GATEWAY_UNREACHABLE
from billing.money import quantize
from billing.services.common import labels, start_of_tenant_day, tenant_today
from billing.services.errors import BillingError, TransitionNotAllowed
from billing.services.numbering import reserve_invoice_numbers
from people.models import User

S = InvoiceStatus
PAYABLE = (S.OPEN, S.UNCOLLECTIBLE)


def locked_invoice(invoice_id: int) -> Invoice:
    return Invoice.objects.select_for_update(of=("self",)).select_related("customer").get(pk=invoice_id)


def _refuse_unless(invoice: Invoice, allowed: tuple[str, ...], action: str) -> None:
    if invoice.status not in allowed:
        raise TransitionNotAllowed(
            f"Invoice {invoice} is {invoice.get_status_display().lower()}; you can {action} only "
            f"an invoice that is {labels(S, allowed).lower()}."
        )


def tax_for(subtotal: Decimal, rate: Decimal, currency: str) -> Decimal:
    return quantize(subtotal * rate / 100, currency)


def recompute_totals(invoice: Invoice) -> None:
    """Subtotal, tax, total and amount due from the lines (does not save)."""
    subtotal = sum((line.amount for line in invoice.lines.all()), Decimal(0))
    invoice.subtotal = quantize(subtotal, invoice.currency)
    invoice.tax = tax_for(invoice.subtotal, invoice.tax_rate, invoice.currency)
    invoice.total = invoice.subtotal + invoice.tax
    invoice.amount_due = invoice.total - invoice.amount_paid


@transaction.atomic
def create_invoice(
    *,
    customer_id: int,
    currency: str,
    lines: list[dict] = (),
    due_date: date | None = None,
    notes: str = "",
    issue: bool = False,
    by: User | None = None,
) -> Invoice:
    """A draft invoice with `lines` ({description, quantity, unit_price, plan_id?}); issued at once
    when `issue`."""
    customer = Customer.objects.get(pk=customer_id)
    quantize(0, currency)  # refuses unknown and three-decimal currencies with a clear message
    invoice = Invoice(
        customer=customer,
        currency=currency,
        due_date=due_date,
        notes=notes,
        tax_rate=BillingSettings.current().tax_rate,
    )
    invoice._history_user = by
    invoice.save()
    for line in lines:
        add_invoice_line(invoice_id=invoice.pk, by=by, **line)
    if issue:
        return issue_invoice(invoice_id=invoice.pk, by=by)
    return Invoice.objects.get(pk=invoice.pk)


@transaction.atomic
def add_invoice_line(
    *,
    invoice_id: int,
    description: str,
    unit_price,
    quantity=1,
    plan_id: int | None = None,
    by: User | None = None,
) -> InvoiceLine:
    invoice = locked_invoice(invoice_id)
    _refuse_unless(invoice, (S.DRAFT,), "add lines to")
    if not (description or "").strip():
        raise BillingError({"description": "Describe what the line bills."})
    quantity = quantize(quantity, "EUR", field="quantity")  # two decimals whatever the currency
    unit_price = quantize(unit_price, invoice.currency, field="unit_price", allow_negative=True)
    if plan_id is not None:
        plan = Plan.objects.get(pk=plan_id)
        if plan.currency != invoice.currency:
            raise BillingError(
                {
                    "plan": f"{plan.name} is priced in {plan.currency}; this invoice is in "
                    f"{invoice.currency}. One invoice never mixes currencies: bill it on another invoice."
                }
            )
    line = InvoiceLine(
        invoice=invoice,
        description=description.strip(),
        quantity=quantity,
        unit_price=unit_price,
        amount=quantize(quantity * unit_price, invoice.currency, allow_negative=True),
        plan_id=plan_id,
        position=invoice.lines.count(),
    )
    line._history_user = by
    line.save()
    recompute_totals(invoice)
    if invoice.subtotal < 0:
        raise BillingError({"unit_price": "The invoice total cannot be negative; issue a refund instead."})
    invoice._history_user = by
    invoice.save(update_fields=["subtotal", "tax", "total", "amount_due", "updated_at"])
    return line


@transaction.atomic
def issue_invoice(*, invoice_id: int, by: User | None = None, issue_date: date | None = None) -> Invoice:
    """Draft -> open: numbered from the tenant's gap-free sequence, due after the payment terms.
    With a card gateway, its payment is queued at once (queue_collection)."""
    invoice = locked_invoice(invoice_id)
    _refuse_unless(invoice, (S.DRAFT,), "issue")
    if not invoice.lines.exists():
        raise BillingError("Add at least one line before issuing the invoice.")
    recompute_totals(invoice)
    invoice.issue_date = issue_date or tenant_today()
    if invoice.due_date is None:
        invoice.due_date = invoice.issue_date + timedelta(days=BillingSettings.current().payment_terms_days)
    elif invoice.due_date < invoice.issue_date:
        raise BillingError({"due_date": "The due date cannot be before the issue date."})
    [invoice.number] = reserve_invoice_numbers(invoice.issue_date.year)
    invoice.status = S.PAID if invoice.total == 0 else S.OPEN
    if invoice.status == S.PAID:
        invoice.paid_at = timezone.now()
    invoice._history_user = by
    invoice.save()
    queue_collection([invoice])
    return invoice


def charge_key(invoice_id: int) -> str:
    """The card payment of an invoice's amount due: one per invoice, whoever queues it."""
    return f"invoice-{invoice_id}-charge"


def queue_collection(invoices: list[Invoice], *, gateway: str | None = None) -> int:
    """With a card gateway, each open invoice gets a pending payment that retry_failed_payments
    attempts (hourly); the key `invoice-<id>-charge` makes this safe to repeat. The manual gateway
    waits for finance to record the payment."""
    gateway = gateway or BillingSettings.current().gateway
    if gateway == Gateway.MANUAL:
        return 0
    now = timezone.now()
    payments = [
        PaymentTransaction(
            tenant_id=invoice.tenant_id,
            invoice=invoice,
            customer=invoice.customer,
            amount=invoice.amount_due,
            currency=invoice.currency,
            status=PaymentStatus.PENDING,
            gateway=gateway,
            idempotency_key=charge_key(invoice.pk),
            next_retry_at=now,
        )
        for invoice in invoices
        if invoice.status == S.OPEN
    ]
    PaymentTransaction.objects.bulk_create(payments, batch_size=1000, ignore_conflicts=True)
    return len(payments)


def apply_payment(invoice: Invoice, payment: PaymentTransaction) -> Invoice:
    """Count a succeeded payment on its (locked) invoice; paid in full -> paid. Call inside the
    transaction that marked the payment succeeded."""
    if payment.currency != invoice.currency:
        raise BillingError(
            f"The payment is in {payment.currency}; invoice {invoice} is in {invoice.currency}."
        )
    invoice.amount_paid += payment.amount
    invoice.amount_due = invoice.total - invoice.amount_paid
    if invoice.amount_due <= 0 and invoice.status in PAYABLE:
        invoice.status = S.PAID
        invoice.paid_at = payment.succeeded_at or timezone.now()
    invoice.save(update_fields=["amount_paid", "amount_due", "status", "paid_at", "updated_at"])
    return invoice


@transaction.atomic
def mark_invoice_paid(
    *, invoice_id: int, reference: str, paid_on: date | None = None, by: User | None = None
) -> Invoice:
    """Finance received the rest of the money offline (bank transfer, cheque): records a manual
    payment of the amount due. The same reference twice records nothing more."""
    reference = (reference or "").strip()
    if not reference:
        raise BillingError({"reference": "Give the bank or cheque reference of the payment."})
    invoice = locked_invoice(invoice_id)
    key = f"invoice-{invoice.pk}-manual-{reference}"[:100]
    if PaymentTransaction.objects.filter(idempotency_key=key).exists():
        return invoice
    _refuse_unless(invoice, PAYABLE, "mark as paid")
    if _charge_at_gateway(invoice).exists():
        raise BillingError(
            f"A card payment of {invoice} is still being decided at the gateway; record the transfer once "
            "it has failed (the gateway is asked every hour), so the customer does not pay twice."
        )
    when = timezone.now()
    if paid_on is not None:
        if paid_on > tenant_today():
            raise BillingError({"paid_on": "The payment date cannot be in the future."})
        when = start_of_tenant_day(paid_on)  # counted on that day in the tenant's reports
    payment = PaymentTransaction(
        invoice=invoice,
        customer=invoice.customer,
        amount=invoice.amount_due,
        currency=invoice.currency,
        status=PaymentStatus.SUCCEEDED,
        gateway="manual",
        gateway_reference=reference,
        idempotency_key=key,
        attempt_count=1,
        last_attempt_at=when,
        succeeded_at=when,
    )
    payment._history_user = by
    payment.save()
    invoice._history_user = by
    apply_payment(invoice, payment)
    if invoice.subscription_id:
        # Paid by transfer counts as paid by card: a past-due subscription is active again, and
        # the dunning schedule no longer cancels it.
        from billing.services.subscriptions import reactivate_if_settled  # it imports this module

        reactivate_if_settled(subscription_id=invoice.subscription_id, by=by)
    return invoice


def _charge_at_gateway(invoice: Invoice):
    """Card payments of the invoice whose outcome the gateway has not told us: sent (they have a
    reference) or lost on the way (the gateway was unreachable, so it may have charged)."""
    sent = Q(status=PaymentStatus.PENDING) & ~Q(gateway_reference="")
    lost = Q(status__in=(PaymentStatus.PENDING, PaymentStatus.FAILED), failure_code=GATEWAY_UNREACHABLE)
    return invoice.payments.exclude(gateway=Gateway.MANUAL).filter(sent | lost)


@transaction.atomic
def void_invoice(*, invoice_id: int, reason: str, by: User | None = None) -> Invoice:
    """Open, uncollectible or paid -> void. Keeps its number (no gap); refused while any money
    received on it is kept (refund the payments first)."""
    if not (reason or "").strip():
        raise BillingError({"reason": "Say why the invoice is void; it is kept with the invoice."})
    invoice = locked_invoice(invoice_id)
    if invoice.status == S.DRAFT:
        raise TransitionNotAllowed("A draft has no number yet: delete it instead of voiding it.")
    _refuse_unless(invoice, (*PAYABLE, S.PAID), "void")
    kept = invoice.payments.filter(status__in=COLLECTED_PAYMENT_STATUSES).aggregate(
        kept=Sum(F("amount") - F("amount_refunded"))
    )["kept"] or Decimal(0)
    if kept > 0:
        raise BillingError(
            f"{kept} {invoice.currency} paid on {invoice} is still kept; refund the payments "
            "first, or write the rest off as uncollectible."
        )
    if _charge_at_gateway(invoice).exists():
        raise BillingError(
            f"A card payment of {invoice} is still being decided at the gateway; void the invoice once "
            "it has succeeded (then refund it) or failed, so no money arrives on a void invoice."
        )
    invoice.status, invoice.voided_at, invoice.void_reason = S.VOID, timezone.now(), reason.strip()[:200]
    invoice._history_user = by
    invoice.save(update_fields=["status", "voided_at", "void_reason", "updated_at"])
    return invoice


@transaction.atomic
def mark_uncollectible(*, invoice_id: int, by: User | None = None) -> Invoice:
    invoice = locked_invoice(invoice_id)
    _refuse_unless(invoice, (S.OPEN,), "write off")
    invoice.status = S.UNCOLLECTIBLE
    invoice._history_user = by
    invoice.save(update_fields=["status", "updated_at"])
    return invoice
