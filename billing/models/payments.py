"""Payments, refunds and the gateway events that report on them."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from billing.models.choices import (
    MONEY,
    STATUS_LENGTH,
    EventStatus,
    Gateway,
    PaymentStatus,
    RefundStatus,
)
from billing.models.customers import Customer
from billing.models.invoices import Invoice
from billing.money import validate_currency
from people.tenancy import TenantOwned


class PaymentTransaction(TenantOwned):
    """Money asked for or received: for an invoice, or to fund a marketplace contract's escrow.

    `idempotency_key` names what the payment is for (e.g. `invoice-12-charge`), so a task that
    runs twice finds the payment instead of creating another; each gateway call uses
    `attempt_key` (`payment-<id>-attempt-<n>`), so a retried call is never charged twice.
    """

    invoice = models.ForeignKey(
        Invoice, on_delete=models.PROTECT, null=True, blank=True, related_name="payments"
    )
    contract = models.ForeignKey(
        "marketplace.Contract", on_delete=models.PROTECT, null=True, blank=True, related_name="payments"
    )
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, null=True, blank=True, related_name="payments"
    )
    amount = models.DecimalField(**MONEY)
    currency = models.CharField(max_length=3, validators=[validate_currency])
    amount_refunded = models.DecimalField(**MONEY, default=0, editable=False)
    status = models.CharField(
        max_length=STATUS_LENGTH, choices=PaymentStatus.choices, default=PaymentStatus.PENDING
    )
    gateway = models.CharField(max_length=20, choices=Gateway.choices, default=Gateway.MANUAL)
    gateway_reference = models.CharField(
        max_length=100, blank=True, help_text=_("e.g. Stripe's pi_… or a bank reference.")
    )
    idempotency_key = models.CharField(max_length=100, editable=False)
    attempt_count = models.PositiveSmallIntegerField(default=0, editable=False)
    last_attempt_at = models.DateTimeField(null=True, blank=True, editable=False)
    next_retry_at = models.DateTimeField(null=True, blank=True, editable=False)
    failure_code = models.CharField(max_length=100, blank=True, editable=False)
    failure_message = models.TextField(blank=True, editable=False)
    succeeded_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "idempotency_key"], name="billing_payment_idempotency"),
            models.CheckConstraint(
                condition=Q(invoice__isnull=False, contract__isnull=True)
                | Q(invoice__isnull=True, contract__isnull=False),
                name="billing_payment_for_invoice_or_contract",
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="billing_payment_amount_positive"),
            models.CheckConstraint(
                condition=Q(amount_refunded__gte=0) & Q(amount_refunded__lte=models.F("amount")),
                name="billing_payment_refunded_within_amount",
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "status", "created_at"], name="billing_payment_status"),
            models.Index(fields=["tenant", "created_at"], name="billing_payment_created"),
            # The reports' and dashboard's date filters (collected on succeeded_at, failed on the
            # last attempt); without them a day's report scans every payment of the tenant.
            models.Index(fields=["tenant", "succeeded_at"], name="billing_payment_succeeded"),
            models.Index(fields=["tenant", "status", "last_attempt_at"], name="billing_payment_attempted"),
            models.Index(fields=["tenant", "status", "next_retry_at"], name="billing_payment_retry"),
            models.Index(fields=["gateway", "gateway_reference"], name="billing_payment_reference"),
        ]

    def __str__(self):
        return f"Payment #{self.pk} {self.amount} {self.currency} ({self.get_status_display()})"

    @property
    def attempt_key(self) -> str:
        """The gateway idempotency key of the current attempt."""
        return f"payment-{self.pk}-attempt-{self.attempt_count}"

    @property
    def refundable(self):
        return self.amount - self.amount_refunded


class RefundRequest(TenantOwned):
    payment = models.ForeignKey(PaymentTransaction, on_delete=models.PROTECT, related_name="refunds")
    amount = models.DecimalField(**MONEY)
    currency = models.CharField(max_length=3, editable=False)
    reason = models.TextField()
    status = models.CharField(
        max_length=STATUS_LENGTH, choices=RefundStatus.choices, default=RefundStatus.REQUESTED
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    approved_at = models.DateTimeField(null=True, blank=True, editable=False)
    processed_at = models.DateTimeField(null=True, blank=True, editable=False)
    gateway_reference = models.CharField(max_length=100, blank=True, editable=False)
    attempt_count = models.PositiveSmallIntegerField(default=0, editable=False)
    failure_message = models.TextField(blank=True, editable=False)
    rejection_reason = models.TextField(blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="billing_refund_amount_positive")
        ]
        indexes = [
            models.Index(fields=["tenant", "status", "created_at"], name="billing_refund_status"),
            models.Index(fields=["tenant", "payment"], name="billing_refund_payment"),
            models.Index(fields=["tenant", "status", "processed_at"], name="billing_refund_processed"),
        ]

    def __str__(self):
        return f"Refund #{self.pk} {self.amount} {self.currency} ({self.get_status_display()})"

    @property
    def attempt_key(self) -> str:
        return f"refund-{self.pk}-attempt-{self.attempt_count}"


class GatewayEvent(TenantOwned):
    """A webhook event as the gateway sent it, stored once by its id, with what processing did.

    The tenant is read from the event's object (our metadata, else the payment it names); an
    event that names no tenant of ours is acknowledged and logged, not stored."""

    gateway = models.CharField(max_length=20, choices=Gateway.choices)
    event_id = models.CharField(max_length=100)
    event_type = models.CharField(max_length=100)
    payload = models.JSONField()
    status = models.CharField(
        max_length=STATUS_LENGTH, choices=EventStatus.choices, default=EventStatus.RECEIVED
    )
    result = models.TextField(blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-received_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "gateway", "event_id"], name="billing_event_once"),
        ]
        indexes = [models.Index(fields=["tenant", "status", "received_at"], name="billing_event_status")]

    def __str__(self):
        return f"{self.event_type} {self.event_id}"
