"""Factories of the billing models. Like every tenant-owned factory, they need an active tenant
(tenant_context). They write rows directly; workflows are tested through billing.services."""

import datetime
from decimal import Decimal

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from billing.models import (
    Customer,
    EscrowKind,
    EscrowTransaction,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    PaymentStatus,
    PaymentTransaction,
    Plan,
    RefundRequest,
    Subscription,
    SubscriptionStatus,
)
from tests.marketplace.factories import ContractFactory


class CustomerFactory(DjangoModelFactory):
    class Meta:
        model = Customer

    name = factory.Sequence(lambda n: f"Customer {n} GmbH")
    email = factory.Sequence(lambda n: f"billing{n}@customer.example")
    address_line1 = "Hauptstraße 1"
    postal_code = "10115"
    city = "Berlin"
    country = "DE"


class PlanFactory(DjangoModelFactory):
    class Meta:
        model = Plan

    name = factory.Sequence(lambda n: f"Plan {n}")
    price = Decimal("49.00")
    currency = "EUR"
    interval = "month"


def _month_start() -> datetime.date:
    return timezone.localdate().replace(day=1)


def _next_month(day: datetime.date) -> datetime.date:
    return (day.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)


class SubscriptionFactory(DjangoModelFactory):
    class Meta:
        model = Subscription

    customer = factory.SubFactory(CustomerFactory)
    plan = factory.SubFactory(PlanFactory)
    status = SubscriptionStatus.ACTIVE
    current_period_start = factory.LazyFunction(_month_start)
    current_period_end = factory.LazyAttribute(lambda o: _next_month(o.current_period_start))


class InvoiceFactory(DjangoModelFactory):
    """An open invoice of 100.00 EUR, numbered; for workflows use billing.services.invoices."""

    class Meta:
        model = Invoice

    customer = factory.SubFactory(CustomerFactory)
    number = factory.Sequence(lambda n: f"TST-2026-{n + 1:06d}")
    status = InvoiceStatus.OPEN
    currency = "EUR"
    issue_date = factory.LazyFunction(timezone.localdate)
    due_date = factory.LazyAttribute(lambda o: o.issue_date + datetime.timedelta(days=14))
    subtotal = Decimal("100.00")
    tax = Decimal("0.00")
    total = factory.LazyAttribute(lambda o: o.subtotal + o.tax)
    amount_paid = Decimal("0.00")
    amount_due = factory.LazyAttribute(lambda o: o.total - o.amount_paid)


class InvoiceLineFactory(DjangoModelFactory):
    class Meta:
        model = InvoiceLine

    invoice = factory.SubFactory(InvoiceFactory)
    description = "Consulting"
    quantity = Decimal("1")
    unit_price = Decimal("100.00")
    amount = factory.LazyAttribute(lambda o: o.quantity * o.unit_price)


class PaymentFactory(DjangoModelFactory):
    """A succeeded payment of an invoice."""

    class Meta:
        model = PaymentTransaction

    invoice = factory.SubFactory(InvoiceFactory)
    customer = factory.LazyAttribute(lambda o: o.invoice.customer if o.invoice else None)
    amount = Decimal("100.00")
    currency = "EUR"
    status = PaymentStatus.SUCCEEDED
    gateway = "manual"
    idempotency_key = factory.Sequence(lambda n: f"test-payment-{n}")
    attempt_count = 1
    succeeded_at = factory.LazyFunction(timezone.now)


class RefundFactory(DjangoModelFactory):
    class Meta:
        model = RefundRequest

    payment = factory.SubFactory(PaymentFactory)
    amount = Decimal("10.00")
    currency = factory.LazyAttribute(lambda o: o.payment.currency)
    reason = "Service outage credit"


class EscrowHoldFactory(DjangoModelFactory):
    class Meta:
        model = EscrowTransaction

    contract = factory.SubFactory(ContractFactory, status="active")
    kind = EscrowKind.HOLD
    amount = factory.LazyAttribute(lambda o: o.contract.amount)
    currency = "EUR"
    key = factory.LazyAttribute(lambda o: f"contract-{o.contract.pk}-hold")


# --- admin tests (gateway events, reports) --------------------------------------------------------
class GatewayEventFactory(DjangoModelFactory):
    class Meta:
        model = "billing.GatewayEvent"

    gateway = "stripe"
    event_id = factory.Sequence(lambda n: f"evt_test_{n:06d}")
    event_type = "payment_intent.succeeded"
    payload = factory.LazyAttribute(
        lambda o: {"id": o.event_id, "type": o.event_type, "data": {"object": {}}}
    )
    status = "failed"
    result = "KeyError: 'metadata'"


class FinancialReportFactory(DjangoModelFactory):
    """A stored daily report whose file is a few bytes (not a workbook)."""

    class Meta:
        model = "billing.FinancialReport"

    kind = "daily"
    period_start = factory.Sequence(lambda n: datetime.date(2026, 1, 1) + datetime.timedelta(days=n))
    period_end = factory.LazyAttribute(lambda o: o.period_start)
    file = factory.django.FileField(filename="daily-report.xlsx", data=b"PK-test-workbook")
    generated_at = factory.LazyFunction(timezone.now)
    row_counts = factory.LazyFunction(lambda: {"Summary": 3, "Payments": 10})
