"""Billing models, one module per aggregate; every one is tenant-owned (people.tenancy.TenantOwned)."""

from billing.models.choices import (
    EscrowKind,
    EventStatus,
    Gateway,
    Interval,
    InvoiceStatus,
    PaymentStatus,
    RefundStatus,
    ReportKind,
    SubscriptionStatus,
)
from billing.models.customers import Customer, Plan, Subscription
from billing.models.escrow import EscrowTransaction
from billing.models.invoices import Invoice, InvoiceLine, InvoiceSequence
from billing.models.payments import GatewayEvent, PaymentTransaction, RefundRequest
from billing.models.reports import FinancialReport
from billing.models.settings import BillingSettings

__all__ = [
    "BillingSettings",
    "Customer",
    "EscrowKind",
    "EscrowTransaction",
    "EventStatus",
    "FinancialReport",
    "Gateway",
    "GatewayEvent",
    "Interval",
    "Invoice",
    "InvoiceLine",
    "InvoiceSequence",
    "InvoiceStatus",
    "PaymentStatus",
    "PaymentTransaction",
    "Plan",
    "RefundRequest",
    "RefundStatus",
    "ReportKind",
    "Subscription",
    "SubscriptionStatus",
]
