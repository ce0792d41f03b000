"""Kinds and statuses of billing."""

from django.db import models
from django.utils.translation import gettext_lazy as _

STATUS_LENGTH = 20
MONEY = {"max_digits": 14, "decimal_places": 2}


class Gateway(models.TextChoices):
    MANUAL = "manual", _("Manual (offline payments)")
    STRIPE = "stripe", _("Stripe")


class Interval(models.TextChoices):
    MONTH = "month", _("Monthly")
    YEAR = "year", _("Yearly")


class SubscriptionStatus(models.TextChoices):
    TRIALING = "trialing", _("Trialing")
    ACTIVE = "active", _("Active")
    PAST_DUE = "past_due", _("Past due")
    CANCELED = "canceled", _("Canceled")


class InvoiceStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    OPEN = "open", _("Open")
    PAID = "paid", _("Paid")
    VOID = "void", _("Void")
    UNCOLLECTIBLE = "uncollectible", _("Uncollectible")


class PaymentStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")
    REFUNDED = "refunded", _("Refunded")
    PARTIALLY_REFUNDED = "partially_refunded", _("Partially refunded")


# Payments whose money arrived (some of it may have gone back since).
COLLECTED_PAYMENT_STATUSES = (
    PaymentStatus.SUCCEEDED,
    PaymentStatus.REFUNDED,
    PaymentStatus.PARTIALLY_REFUNDED,
)


class RefundStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    APPROVED = "approved", _("Approved")
    PROCESSING = "processing", _("Processing")
    SUCCEEDED = "succeeded", _("Succeeded")
    REJECTED = "rejected", _("Rejected")
    FAILED = "failed", _("Failed")


# Refunds that count against what is still refundable on their payment.
COMMITTED_REFUND_STATUSES = (
    RefundStatus.REQUESTED,
    RefundStatus.APPROVED,
    RefundStatus.PROCESSING,
    RefundStatus.SUCCEEDED,
)


class EscrowKind(models.TextChoices):
    HOLD = "hold", _("Hold (contract funded)")
    RELEASE = "release", _("Release to provider")
    REFUND = "refund", _("Refund to client")
    FREEZE = "freeze", _("Freeze (dispute)")
    UNFREEZE = "unfreeze", _("Unfreeze (dispute resolved)")


class ReportKind(models.TextChoices):
    DAILY = "daily", _("Daily financial report")
    MONTHLY = "monthly", _("Monthly revenue report")


class EventStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    PROCESSED = "processed", _("Processed")
    IGNORED = "ignored", _("Ignored (nothing to update)")
    FAILED = "failed", _("Failed")


# Failure codes the services set themselves (a gateway's own codes are stored as it sends them).
GATEWAY_UNREACHABLE = "gateway_unreachable"  # an attempt whose outcome is unknown: it may have charged
# A queued payment never sent: its invoice was settled or voided meanwhile. No money was asked
# for, so reports and the dashboard do not count it as a failed payment.
NOTHING_TO_COLLECT = "nothing_to_collect"
