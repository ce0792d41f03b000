"""Invoices, their lines, and the gap-free per-tenant numbering they draw from."""

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from billing.models.choices import MONEY, STATUS_LENGTH, InvoiceStatus
from billing.models.customers import Customer, Plan, Subscription
from billing.money import validate_currency
from people.tenancy import TenantOwned


class InvoiceSequence(TenantOwned):
    """The last invoice number issued by a tenant in a year. Numbers are drawn under a row lock
    in the transaction that issues the invoice, so a rolled-back issue gives its number back:
    no gaps, no duplicates, whatever runs concurrently (billing.services.numbering)."""

    year = models.PositiveSmallIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "year"], name="billing_sequence_per_year")]

    def __str__(self):
        return f"{self.year}: {self.last_number}"


class Invoice(TenantOwned):
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="invoices")
    subscription = models.ForeignKey(
        Subscription, on_delete=models.PROTECT, null=True, blank=True, related_name="invoices"
    )
    number = models.CharField(
        max_length=30, blank=True, editable=False, help_text=_("Given when the invoice is issued.")
    )
    status = models.CharField(
        max_length=STATUS_LENGTH, choices=InvoiceStatus.choices, default=InvoiceStatus.DRAFT
    )
    currency = models.CharField(max_length=3, validators=[validate_currency])
    issue_date = models.DateField(null=True, blank=True, editable=False)
    due_date = models.DateField(null=True, blank=True)
    period_start = models.DateField(null=True, blank=True, editable=False)
    period_end = models.DateField(null=True, blank=True, editable=False)
    subtotal = models.DecimalField(**MONEY, default=0, editable=False)
    tax_rate = models.DecimalField(
        _("tax rate (%)"),
        max_digits=5,
        decimal_places=2,
        default=0,
        editable=False,
        help_text=_("The tenant's rate when the invoice was created."),
    )
    tax = models.DecimalField(**MONEY, default=0, editable=False)
    total = models.DecimalField(**MONEY, default=0, editable=False)
    amount_paid = models.DecimalField(**MONEY, default=0, editable=False)
    amount_due = models.DecimalField(**MONEY, default=0, editable=False)
    paid_at = models.DateTimeField(null=True, blank=True, editable=False)
    voided_at = models.DateTimeField(null=True, blank=True, editable=False)
    void_reason = models.CharField(max_length=200, blank=True, editable=False)
    notes = models.TextField(blank=True, help_text=_("Printed on the invoice."))

    class Meta:
        ordering = ["-issue_date", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "number"], condition=~Q(number=""), name="billing_invoice_number_unique"
            ),
            # One invoice per subscription per period: generate_monthly_invoices may run twice.
            models.UniqueConstraint(
                fields=["tenant", "subscription", "period_start"],
                condition=Q(subscription__isnull=False),
                name="billing_invoice_one_per_period",
            ),
            models.CheckConstraint(
                condition=Q(status=InvoiceStatus.DRAFT) | ~Q(number=""),
                name="billing_invoice_issued_numbered",
            ),
            models.CheckConstraint(
                condition=Q(total=F("subtotal") + F("tax")), name="billing_invoice_total_adds_up"
            ),
            models.CheckConstraint(
                condition=Q(amount_due=F("total") - F("amount_paid")), name="billing_invoice_due_adds_up"
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "status", "due_date"], name="billing_invoice_status_due"),
            models.Index(fields=["tenant", "customer", "issue_date"], name="billing_invoice_customer"),
            models.Index(fields=["tenant", "issue_date"], name="billing_invoice_issued"),
        ]

    def __str__(self):
        return self.number or f"Draft invoice #{self.pk}"


class InvoiceLine(TenantOwned):
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    description = models.CharField(max_length=200)
    quantity = models.DecimalField(
        max_digits=10, decimal_places=2, default=1, validators=[MinValueValidator(0)]
    )
    unit_price = models.DecimalField(**MONEY)
    amount = models.DecimalField(**MONEY, editable=False)
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["invoice", "position", "pk"]
        indexes = [models.Index(fields=["tenant", "invoice"], name="billing_line_invoice")]

    def __str__(self):
        return self.description
