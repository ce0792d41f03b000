import threading
from datetime import date, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from billing.models import BillingSettings, Invoice, InvoiceSequence, InvoiceStatus, PaymentTransaction
from billing.services import invoices
from billing.services.errors import BillingError, TransitionNotAllowed
from billing.services.numbering import reserve_invoice_numbers
from people.tenancy import tenant_context
from tests.billing.factories import CustomerFactory, PlanFactory

pytestmark = pytest.mark.django_db
LINES = [{"description": "Consulting", "quantity": "2", "unit_price": "150.00"}]


def draft(**kwargs):
    return invoices.create_invoice(customer_id=CustomerFactory().pk, currency="EUR", lines=LINES, **kwargs)


def test_a_draft_totals_its_lines_with_the_tenants_tax(in_a):
    settings = BillingSettings.current()
    settings.tax_rate = Decimal("19")
    settings.save()
    invoice = draft()
    assert invoice.status == InvoiceStatus.DRAFT and invoice.number == ""
    assert (invoice.subtotal, invoice.tax, invoice.total, invoice.amount_due) == (
        Decimal("300.00"),
        Decimal("57.00"),
        Decimal("357.00"),
        Decimal("357.00"),
    )


def test_issuing_numbers_the_invoice_and_sets_the_due_date(in_a):
    invoice = invoices.issue_invoice(invoice_id=draft().pk, issue_date=date(2026, 3, 2))
    assert invoice.status == InvoiceStatus.OPEN
    assert invoice.number == "INV-2026-000001"
    assert invoice.due_date == date(2026, 3, 16)  # 14 days' terms by default
    second = invoices.issue_invoice(invoice_id=draft().pk, issue_date=date(2026, 3, 3))
    assert second.number == "INV-2026-000002"
    next_year = invoices.issue_invoice(invoice_id=draft().pk, issue_date=date(2027, 1, 2))
    assert next_year.number == "INV-2027-000001"


def test_numbers_are_per_tenant(tenant_a, tenant_b):
    for tenant in (tenant_a, tenant_b):
        with tenant_context(tenant):
            assert invoices.issue_invoice(invoice_id=draft().pk, issue_date=date(2026, 5, 1)).number.endswith(
                "000001"
            )


def test_a_rolled_back_issue_gives_its_number_back(in_a):
    invoice = draft(due_date=date(2026, 1, 1))
    with pytest.raises(BillingError, match="due date cannot be before"):
        invoices.issue_invoice(invoice_id=invoice.pk, issue_date=date(2026, 2, 1))
    assert (
        invoices.issue_invoice(invoice_id=draft().pk, issue_date=date(2026, 2, 1)).number == "INV-2026-000001"
    )


@pytest.mark.django_db(transaction=True)
def test_reserving_numbers_outside_a_transaction_is_refused(tenant_a):
    with tenant_context(tenant_a), pytest.raises(RuntimeError, match="inside the transaction"):
        reserve_invoice_numbers(2026)


def test_issuing_needs_lines_and_a_draft(in_a):
    empty = invoices.create_invoice(customer_id=CustomerFactory().pk, currency="EUR")
    with pytest.raises(BillingError, match="at least one line"):
        invoices.issue_invoice(invoice_id=empty.pk)
    issued = invoices.issue_invoice(invoice_id=draft().pk)
    with pytest.raises(TransitionNotAllowed, match="only an invoice that is draft"):
        invoices.issue_invoice(invoice_id=issued.pk)
    with pytest.raises(TransitionNotAllowed, match="add lines to only"):
        invoices.add_invoice_line(invoice_id=issued.pk, description="More", unit_price="1")


def test_one_invoice_never_mixes_currencies(in_a):
    usd_plan = PlanFactory(currency="USD")
    invoice = draft()
    with pytest.raises(BillingError, match="never mixes currencies"):
        invoices.add_invoice_line(
            invoice_id=invoice.pk, description="Plan", unit_price="10", plan_id=usd_plan.pk
        )


def test_three_decimal_currency_invoices_are_refused(in_a):
    with pytest.raises(ValidationError) as error:
        invoices.create_invoice(customer_id=CustomerFactory().pk, currency="KWD")
    assert "three decimal places" in str(error.value)
    assert not Invoice.objects.exists()


def test_mark_paid_records_a_manual_payment_once_per_reference(in_a):
    invoice = invoices.issue_invoice(invoice_id=draft().pk)
    paid = invoices.mark_invoice_paid(invoice_id=invoice.pk, reference="BANK-42")
    again = invoices.mark_invoice_paid(invoice_id=invoice.pk, reference="BANK-42")
    assert paid.status == again.status == InvoiceStatus.PAID
    assert (paid.amount_paid, paid.amount_due) == (Decimal("300.00"), Decimal("0.00"))
    payment = PaymentTransaction.objects.get()
    assert (payment.amount, payment.gateway_reference, payment.status) == (
        Decimal("300.00"),
        "BANK-42",
        "succeeded",
    )
    with pytest.raises(BillingError, match="reference"):
        invoices.mark_invoice_paid(invoice_id=invoice.pk, reference=" ")
    with pytest.raises(TransitionNotAllowed):
        invoices.mark_invoice_paid(invoice_id=invoice.pk, reference="BANK-43")


def test_a_future_payment_date_is_refused(in_a):
    invoice = invoices.issue_invoice(invoice_id=draft().pk)
    with pytest.raises(BillingError, match="future"):
        invoices.mark_invoice_paid(
            invoice_id=invoice.pk, reference="X", paid_on=date.today() + timedelta(days=5)
        )


def test_void_keeps_the_number_needs_a_reason_and_nothing_paid(in_a):
    invoice = invoices.issue_invoice(invoice_id=draft().pk)
    with pytest.raises(BillingError, match="Say why"):
        invoices.void_invoice(invoice_id=invoice.pk, reason="")
    voided = invoices.void_invoice(invoice_id=invoice.pk, reason="Billed twice")
    assert (voided.status, voided.number, voided.void_reason) == ("void", invoice.number, "Billed twice")
    paid = invoices.mark_invoice_paid(
        invoice_id=invoices.issue_invoice(invoice_id=draft().pk).pk, reference="R"
    )
    with pytest.raises(BillingError, match="still kept; refund the payments first"):
        invoices.void_invoice(invoice_id=paid.pk, reason="x")
    with pytest.raises(TransitionNotAllowed, match="delete it instead"):
        invoices.void_invoice(invoice_id=draft().pk, reason="x")


def test_write_off_then_late_payment(in_a):
    invoice = invoices.issue_invoice(invoice_id=draft().pk)
    assert invoices.mark_uncollectible(invoice_id=invoice.pk).status == InvoiceStatus.UNCOLLECTIBLE
    assert invoices.mark_invoice_paid(invoice_id=invoice.pk, reference="LATE").status == InvoiceStatus.PAID


def test_the_invoice_writes_history_naming_the_user(in_a, user_a):
    invoice = invoices.issue_invoice(invoice_id=draft(by=user_a).pk, by=user_a)
    assert invoice.history.first().history_user == user_a


postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_issues_get_consecutive_numbers_without_gaps(tenant_a):
    with tenant_context(tenant_a):
        drafts = [draft().pk for _ in range(6)]
    barrier, errors = threading.Barrier(len(drafts)), []

    def issue(invoice_id):
        try:
            with tenant_context(tenant_a):
                barrier.wait(timeout=10)
                invoices.issue_invoice(invoice_id=invoice_id, issue_date=date(2026, 6, 1))
        except Exception as exc:  # the assertion below reports it
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=issue, args=(pk,)) for pk in drafts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors
    with tenant_context(tenant_a):
        numbers = sorted(Invoice.objects.values_list("number", flat=True))
        assert numbers == [f"INV-2026-{n:06d}" for n in range(1, 7)]
        assert InvoiceSequence.objects.get(year=2026).last_number == 6


def test_paid_by_transfer_ends_past_due(in_a):
    from billing.models import Subscription, SubscriptionStatus
    from billing.services import subscriptions
    from tests.billing.factories import InvoiceFactory, SubscriptionFactory

    subscription = SubscriptionFactory()
    invoice = InvoiceFactory(subscription=subscription, customer=subscription.customer,
                             due_date=date.today() - timedelta(days=20))  # fmt: skip
    subscriptions.mark_past_due(subscription_id=subscription.pk)
    invoices.mark_invoice_paid(invoice_id=invoice.pk, reference="SEPA-LATE")
    subscription = Subscription.objects.get(pk=subscription.pk)
    assert (subscription.status, subscription.past_due_since) == (SubscriptionStatus.ACTIVE, None)
    assert subscriptions.update_subscription_status(now=subscription.updated_at + timedelta(days=60)) == {
        "canceled_unpaid": 0,
        "canceled_at_period_end": 0,
    }


def test_the_payment_date_is_a_day_of_the_tenants_time_zone(in_a):
    in_a.timezone = "America/New_York"
    in_a.save()
    invoice = invoices.issue_invoice(invoice_id=draft().pk, issue_date=date(2026, 2, 20))
    invoices.mark_invoice_paid(invoice_id=invoice.pk, reference="WIRE-1", paid_on=date(2026, 3, 1))
    received = PaymentTransaction.objects.get().succeeded_at
    assert received.astimezone(ZoneInfo("America/New_York")).date() == date(2026, 3, 1)
    assert received.astimezone(ZoneInfo("UTC")).hour == 5  # midnight in New York, not in UTC


def test_void_waits_for_a_card_payment_the_gateway_is_still_deciding(in_a):
    invoice = invoices.issue_invoice(invoice_id=draft().pk)
    waiting = PaymentTransaction.objects.create(
        invoice=invoice, customer=invoice.customer, amount=invoice.total, currency="EUR",
        gateway="stripe", gateway_reference="pi_123", idempotency_key=f"invoice-{invoice.pk}-charge",
    )  # fmt: skip
    with pytest.raises(BillingError, match="still being decided at the gateway"):
        invoices.void_invoice(invoice_id=invoice.pk, reason="Billed twice")
    with pytest.raises(BillingError, match="record the transfer once it has failed"):
        invoices.mark_invoice_paid(invoice_id=invoice.pk, reference="SEPA-1")
    # Declined: no longer at the gateway. Unreachable while retrying: it may have charged.
    PaymentTransaction.objects.filter(pk=waiting.pk).update(
        status="failed", failure_code="gateway_unreachable"
    )
    with pytest.raises(BillingError, match="still being decided at the gateway"):
        invoices.void_invoice(invoice_id=invoice.pk, reason="Billed twice")
    PaymentTransaction.objects.filter(pk=waiting.pk).update(failure_code="card_declined")
    assert invoices.void_invoice(invoice_id=invoice.pk, reason="Billed twice").status == "void"


def test_with_a_card_gateway_an_issued_invoice_is_queued_for_collection(in_a):
    settings = BillingSettings.current()
    settings.gateway = "stripe"
    settings.save()
    invoice = invoices.issue_invoice(invoice_id=draft().pk)
    payment = PaymentTransaction.objects.get()
    assert (payment.invoice, payment.amount, payment.status, payment.next_retry_at is not None) == (
        invoice,
        Decimal("300.00"),
        "pending",
        True,
    )
    assert invoices.queue_collection([invoice]) == 1 and PaymentTransaction.objects.count() == 1


def test_with_the_manual_gateway_nothing_is_queued(in_a):
    invoices.issue_invoice(invoice_id=draft().pk)
    assert not PaymentTransaction.objects.exists()


def test_a_plan_price_must_fit_its_currency(in_a):
    from billing.models import Plan

    plan = Plan(name="Yen", price=Decimal("10.50"), currency="JPY", interval="month")
    with pytest.raises(ValidationError) as error:
        plan.full_clean()
    assert error.value.message_dict == {"price": ["JPY has no decimal places; write the price like 11."]}
    plan.price = Decimal("11")
    plan.full_clean()
    too_fine = Plan(name="Euro", price=Decimal("10.505"), currency="EUR", interval="month")
    with pytest.raises(ValidationError) as error:
        too_fine.full_clean()
    assert len(error.value.message_dict["price"]) == 1  # the field's own message, once
    bad_currency = Plan(name="Dinar", price=Decimal("1.00"), currency="BHD", interval="month")
    with pytest.raises(ValidationError) as error:
        bad_currency.full_clean()
    assert list(error.value.message_dict) == ["currency"]
