"""The invoice steps (issue, mark paid, write off, void), the overdue filter and the printable
invoice's content."""

from datetime import timedelta

from django.contrib import admin

from billing.models import InvoiceStatus
from billing.money import display
from billing.services import invoices
from billing.services.common import tenant_today
from people.admin_fields import day, note, text
from people.admin_workflow import Step, StepForm

I = InvoiceStatus  # noqa: E741
UNPAID = (I.OPEN, I.UNCOLLECTIBLE)


class MarkPaidForm(StepForm):
    reference = text(
        "Payment reference", max_length=80, help_text="The bank transfer's or cheque's reference."
    )
    paid_on = day("Received on", required=False, help_text="Empty: today.")


class VoidForm(StepForm):
    reason = note(
        "Reason", required=True, help_text="Kept with the invoice.", error="Say why the invoice is void."
    )


def _issued(invoice, result):
    return f"Issued as {result.number}, due on {result.due_date:%d %b %Y}."


def _paid(invoice, result):
    if result.status == I.PAID:
        return f"{result}: paid."
    return f"{result}: payment recorded, {display(result.amount_due, result.currency)} still due."


ISSUE = Step(
    "issue_invoice",
    "Issue",
    "Issue this invoice? It gets the next number of the year's sequence and can no longer be edited.",
    lambda inv, user, d: invoices.issue_invoice(invoice_id=inv.pk, by=user),
    done=_issued,
)
MARK_PAID = Step(
    "mark_invoice_paid",
    "Mark paid…",
    "Record that the customer paid the amount due offline (bank transfer, cheque)?",
    lambda inv, user, d: invoices.mark_invoice_paid(
        invoice_id=inv.pk, reference=d["reference"], paid_on=d.get("paid_on"), by=user
    ),
    MarkPaidForm,
    done=_paid,
)
WRITE_OFF = Step(
    "write_off_invoice",
    "Write off",
    "Write this invoice off as uncollectible? A payment can still be recorded later.",
    lambda inv, user, d: invoices.mark_uncollectible(invoice_id=inv.pk, by=user),
    done=lambda inv, result: f"{result}: written off as uncollectible.",
    back_label="Keep it open",
)
VOID = Step(
    "void_invoice",
    "Void…",
    "Void this invoice? It keeps its number, and nothing is owed on it any more. This cannot be undone.",
    lambda inv, user, d: invoices.void_invoice(invoice_id=inv.pk, reason=d["reason"], by=user),
    VoidForm,
    done=lambda inv, result: f"{result}: void.",
    back_label="Keep the invoice",
)
STEPS_BY_STATUS = {
    I.DRAFT: {ISSUE.name},
    I.OPEN: {MARK_PAID.name, WRITE_OFF.name, VOID.name},
    I.UNCOLLECTIBLE: {MARK_PAID.name, VOID.name},
    I.PAID: {VOID.name},  # once its payments are refunded (the service checks)
}


class OverdueFilter(admin.SimpleListFilter):
    title = "payment"
    parameter_name = "due"
    CHOICES = {"overdue": "Overdue", "week": "Due within 7 days", "later": "Due later"}

    def lookups(self, request, model_admin):
        return list(self.CHOICES.items())

    def queryset(self, request, queryset):
        today = tenant_today()
        unpaid = queryset.filter(status__in=UNPAID)
        if self.value() == "overdue":
            return unpaid.filter(due_date__lt=today)
        if self.value() == "week":
            return unpaid.filter(due_date__gte=today, due_date__lte=today + timedelta(days=7))
        if self.value() == "later":
            return unpaid.filter(due_date__gt=today + timedelta(days=7))
        return queryset


def printable_invoice(invoice, tenant) -> dict:
    """What billing/invoice_print.html shows: two queries (the invoice, its lines)."""
    code = invoice.currency

    def amount(value):
        return display(value, code)

    lines = [
        {
            "description": line.description,
            "quantity": line.quantity.normalize(),
            "unit_price": amount(line.unit_price),
            "amount": amount(line.amount),
        }
        for line in invoice.lines.order_by("position", "pk")
    ]
    seller_city = " ".join(part for part in (tenant.postal_code, tenant.city) if part)
    return {
        "invoice": invoice,
        "customer": invoice.customer,
        "seller": {
            "name": tenant.legal_name or tenant.name,
            "lines": [
                x for x in (tenant.address_line1, tenant.address_line2, seller_city, tenant.country) if x
            ],
            "website": tenant.website,
        },
        "lines": lines,
        "subtotal": amount(invoice.subtotal),
        "tax": amount(invoice.tax),
        "tax_rate": f"{invoice.tax_rate.normalize():f}",
        "total": amount(invoice.total),
        "paid": amount(invoice.amount_paid),
        "due": amount(invoice.amount_due),
        "watermark": {I.DRAFT: "Draft", I.VOID: "Void"}.get(invoice.status, ""),
        "title": f"Invoice {invoice}",
    }
