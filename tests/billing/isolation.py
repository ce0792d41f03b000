"""Isolation factories of the billing admins (see tests/isolation.py): one row per model, with
what its page shows inline (lines and payments of an invoice, refunds of a payment...)."""

from billing.models import (
    BillingSettings,
    Customer,
    EscrowTransaction,
    FinancialReport,
    GatewayEvent,
    Invoice,
    InvoiceSequence,
    PaymentTransaction,
    Plan,
    RefundRequest,
    Subscription,
)
from tests.billing.factories import (
    CustomerFactory,
    EscrowHoldFactory,
    FinancialReportFactory,
    GatewayEventFactory,
    InvoiceFactory,
    InvoiceLineFactory,
    PaymentFactory,
    PlanFactory,
    RefundFactory,
    SubscriptionFactory,
)
from tests.isolation import isolation_factory


@isolation_factory(BillingSettings)
def settings_for_isolation():
    return BillingSettings.current()


@isolation_factory(Customer, search_term=lambda customer: customer.email)
def customer_for_isolation():
    customer = CustomerFactory()
    InvoiceFactory(customer=customer, subscription=SubscriptionFactory(customer=customer))
    return customer


@isolation_factory(Plan, search_term=lambda plan: plan.name)
def plan_for_isolation():
    plan = PlanFactory()
    SubscriptionFactory(plan=plan)
    return plan


@isolation_factory(Subscription, search_term=lambda subscription: subscription.customer.email)
def subscription_for_isolation():
    subscription = SubscriptionFactory()
    InvoiceFactory(customer=subscription.customer, subscription=subscription)
    return subscription


@isolation_factory(Invoice, search_term=lambda invoice: invoice.number)
def invoice_for_isolation():
    invoice = InvoiceFactory(status="draft")
    InvoiceLineFactory(invoice=invoice, plan=PlanFactory())
    PaymentFactory(invoice=invoice, status="failed")
    return invoice


@isolation_factory(PaymentTransaction, search_term=lambda payment: payment.invoice.number)
def payment_for_isolation():
    payment = PaymentFactory()
    RefundFactory(payment=payment)
    return payment


@isolation_factory(RefundRequest, search_term=lambda refund: refund.payment.invoice.number)
def refund_for_isolation():
    return RefundFactory()


@isolation_factory(EscrowTransaction, search_term=lambda entry: entry.contract.title)
def escrow_entry_for_isolation():
    return EscrowHoldFactory()


@isolation_factory(GatewayEvent, search_term=lambda event: event.event_id)
def gateway_event_for_isolation():
    return GatewayEventFactory()


@isolation_factory(FinancialReport)
def report_for_isolation():
    return FinancialReportFactory()


@isolation_factory(InvoiceSequence, search_term=lambda sequence: str(sequence.year))
def sequence_for_isolation():
    return InvoiceSequence.objects.create(year=2026, last_number=7)
