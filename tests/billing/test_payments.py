"""Collecting payments: charge, dunning (1, 3, 7 days, then past due), retries, sync."""

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from billing.models import (
    BillingSettings,
    InvoiceStatus,
    PaymentStatus,
    PaymentTransaction,
    SubscriptionStatus,
)
from billing.services import invoices, payments
from billing.services.errors import BillingError, GatewayError, TransitionNotAllowed
from people.tenancy import tenant_context
from tests.billing.factories import InvoiceFactory, SubscriptionFactory

pytestmark = pytest.mark.django_db
postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")


def subscription_invoice(**kwargs):
    subscription = SubscriptionFactory(**kwargs)
    return InvoiceFactory(customer=subscription.customer, subscription=subscription)


def due_payment(invoice=None):
    return payments.create_invoice_payment(invoice_id=(invoice or InvoiceFactory()).pk)


def reload(obj):
    return type(obj).objects.get(pk=obj.pk)


def attempt_keys(stripe_api):
    return [call.idempotency_key for call in stripe_api.calls("POST", "/v1/payment_intents")]


def test_an_invoice_gets_one_pending_payment_however_often_asked(on_stripe):
    invoice = InvoiceFactory()
    payment = due_payment(invoice)
    assert (payment.status, payment.amount, payment.gateway) == (
        PaymentStatus.PENDING,
        invoice.amount_due,
        "stripe",
    )
    assert payment.idempotency_key == f"invoice-{invoice.pk}-charge"
    assert payment.next_retry_at <= timezone.now()
    assert due_payment(invoice) == payment
    assert PaymentTransaction.objects.count() == 1


def test_a_manual_tenant_gets_no_card_payment(in_a):
    assert BillingSettings.current().gateway == "manual"
    with pytest.raises(BillingError, match="Mark invoice paid"):
        due_payment()
    assert not PaymentTransaction.objects.exists()


def test_a_paid_invoice_gets_no_payment(on_stripe):
    with pytest.raises(TransitionNotAllowed, match="nothing to collect"):
        due_payment(InvoiceFactory(status=InvoiceStatus.PAID, amount_paid=Decimal("100.00")))


def test_a_successful_charge_pays_the_invoice(on_stripe, finance):
    payment = payments.charge_payment(payment_id=due_payment().pk, by=finance)
    assert payment.status == PaymentStatus.SUCCEEDED and payment.succeeded_at
    assert payment.gateway_reference in on_stripe.payment_intents
    assert attempt_keys(on_stripe) == [f"payment-{payment.pk}-attempt-1"]
    invoice = reload(payment.invoice)
    assert (invoice.status, invoice.amount_paid, invoice.amount_due) == (InvoiceStatus.PAID, invoice.total, 0)
    assert payment.customer.gateway_customer_id == reload(payment.customer).gateway_customer_id != ""
    assert payment.history.first().history_user == finance
    with pytest.raises(TransitionNotAllowed, match="only a payment that is pending or failed"):
        payments.charge_payment(payment_id=payment.pk)


def test_declines_are_retried_after_1_3_and_7_days_then_the_subscription_is_past_due(on_stripe):
    invoice = subscription_invoice()
    payment = due_payment(invoice)
    on_stripe.plan("payment_intents", "decline", "decline", "decline", "decline")
    now = timezone.now()
    for attempt, days in ((1, 1), (2, 3), (3, 7)):
        assert payments.retry_failed_payments(now=now)["failed"] == 1
        payment = reload(payment)
        assert (payment.status, payment.attempt_count) == (PaymentStatus.FAILED, attempt)
        assert payment.failure_code == "card_declined" and "insufficient funds" in payment.failure_message
        assert payment.next_retry_at == now + timedelta(days=days)
        assert (
            payments.retry_failed_payments(now=now + timedelta(days=days) - timedelta(seconds=1))["attempted"]
            == 0
        )
        now += timedelta(days=days)
        assert reload(invoice.subscription).status == SubscriptionStatus.ACTIVE
    assert payments.retry_failed_payments(now=now)["failed"] == 1
    payment = reload(payment)
    assert (payment.attempt_count, payment.next_retry_at) == (4, None)
    subscription = reload(invoice.subscription)
    assert subscription.status == SubscriptionStatus.PAST_DUE and subscription.past_due_since
    assert payments.retry_failed_payments(now=now + timedelta(days=365))["attempted"] == 0
    assert attempt_keys(on_stripe) == [f"payment-{payment.pk}-attempt-{n}" for n in (1, 2, 3, 4)]


def test_a_double_run_attempts_nothing_twice(on_stripe):
    due = [due_payment() for _ in range(3)]
    on_stripe.plan("payment_intents", "decline")
    first = payments.retry_failed_payments()
    assert (first["attempted"], first["succeeded"], first["failed"]) == (3, 2, 1)
    assert payments.retry_failed_payments()["attempted"] == 0
    assert sorted(attempt_keys(on_stripe)) == sorted(f"payment-{p.pk}-attempt-1" for p in due)


def test_an_unreachable_gateway_keeps_the_attempt_key_for_the_retry(on_stripe):
    payment = due_payment()
    on_stripe.plan("payment_intents", "fail")
    with pytest.raises(GatewayError):
        payments.charge_payment(payment_id=payment.pk)
    payment = reload(payment)
    assert (payment.status, payment.attempt_count, payment.failure_code) == (
        PaymentStatus.PENDING,
        0,
        "gateway_unreachable",
    )
    assert payment.next_retry_at > timezone.now() + timedelta(minutes=59)
    assert payments.retry_failed_payments()["attempted"] == 0
    assert payments.retry_failed_payments(now=payment.next_retry_at)["succeeded"] == 1
    assert attempt_keys(on_stripe) == [f"payment-{payment.pk}-attempt-1"] * 2  # the same key, sent again


def test_a_payment_after_past_due_makes_the_subscription_active_again(on_stripe):
    invoice = subscription_invoice(status=SubscriptionStatus.PAST_DUE, past_due_since=timezone.now())
    payment = due_payment(invoice)
    PaymentTransaction.objects.filter(pk=payment.pk).update(
        status=PaymentStatus.FAILED, attempt_count=4, next_retry_at=None
    )
    payment = payments.retry_payment(payment_id=payment.pk, by=None)
    assert payment.status == PaymentStatus.SUCCEEDED
    subscription = reload(invoice.subscription)
    assert (subscription.status, subscription.past_due_since) == (SubscriptionStatus.ACTIVE, None)


def test_retry_payment_is_for_failed_card_payments_only(on_stripe):
    payment = due_payment()
    with pytest.raises(TransitionNotAllowed, match="only a failed payment can be retried"):
        payments.retry_payment(payment_id=payment.pk, by=None)
    PaymentTransaction.objects.filter(pk=payment.pk).update(status=PaymentStatus.FAILED, gateway="manual")
    with pytest.raises(BillingError, match="Mark invoice paid"):
        payments.retry_payment(payment_id=payment.pk, by=None)


def test_retry_payment_explains_an_unreachable_gateway(on_stripe):
    payment = due_payment()
    PaymentTransaction.objects.filter(pk=payment.pk).update(status=PaymentStatus.FAILED)
    on_stripe.plan("payment_intents", "fail")
    with pytest.raises(BillingError, match="Nothing was charged twice"):
        payments.retry_payment(payment_id=payment.pk, by=None)
    assert reload(payment).failure_code == "gateway_unreachable"


def test_an_invoice_paid_offline_meanwhile_is_not_charged(on_stripe):
    payment = due_payment()
    invoices.mark_invoice_paid(invoice_id=payment.invoice_id, reference="BANK-1")
    assert payments.retry_failed_payments()["failed"] == 1
    payment = reload(payment)
    assert (payment.status, payment.failure_code, payment.next_retry_at) == (
        PaymentStatus.FAILED,
        "nothing_to_collect",
        None,
    )
    assert not attempt_keys(on_stripe)


def test_only_the_rest_of_a_partly_paid_invoice_is_charged(on_stripe):
    payment = due_payment()
    invoice = payment.invoice
    invoice.amount_paid, invoice.amount_due = Decimal("40.00"), invoice.total - Decimal("40.00")
    invoice.save()
    assert payments.charge_payment(payment_id=payment.pk).amount == Decimal("60.00")
    assert on_stripe.calls("POST", "/v1/payment_intents")[0].params["amount"] == "6000"
    assert reload(invoice).status == InvoiceStatus.PAID


def test_sync_records_what_the_gateway_decided_later(on_stripe):
    payment = due_payment()
    on_stripe.plan("payment_intents", "processing")
    payment = payments.charge_payment(payment_id=payment.pk)
    assert (payment.status, payment.next_retry_at) == (PaymentStatus.PENDING, None)
    assert payments.sync_gateway_payments() == {"checked": 1, "settled": 0, "gateway_errors": 0}
    on_stripe.payment_intents[payment.gateway_reference]["status"] = "succeeded"
    assert payments.sync_gateway_payments()["settled"] == 1
    assert reload(payment).status == PaymentStatus.SUCCEEDED
    assert reload(payment.invoice).status == InvoiceStatus.PAID
    assert payments.sync_gateway_payments()["checked"] == 0


def test_sync_applies_dunning_to_a_late_failure(on_stripe):
    payment = due_payment()
    on_stripe.plan("payment_intents", "processing")
    payment = payments.charge_payment(payment_id=payment.pk)
    on_stripe.payment_intents[payment.gateway_reference]["status"] = "requires_payment_method"
    payments.sync_gateway_payments()
    payment = reload(payment)
    assert payment.status == PaymentStatus.FAILED and payment.next_retry_at > timezone.now() + timedelta(
        hours=23
    )


def test_the_schedule_never_touches_another_tenants_payments(on_stripe, tenant_b):
    with tenant_context(tenant_b):
        BillingSettings.objects.create(gateway="stripe")
        theirs = due_payment()
    ours = due_payment()
    assert payments.retry_failed_payments()["attempted"] == 1
    assert attempt_keys(on_stripe) == [f"payment-{ours.pk}-attempt-1"]
    with tenant_context(tenant_b):
        assert reload(theirs).status == PaymentStatus.PENDING


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_runs_attempt_each_payment_once(tenant_a, stripe_api):
    with tenant_context(tenant_a):
        BillingSettings.objects.create(gateway="stripe")
        due = [due_payment().pk for _ in range(4)]
    barrier, errors, counts = threading.Barrier(2), [], []

    def run():
        try:
            with tenant_context(tenant_a):
                barrier.wait(timeout=10)
                counts.append(payments.retry_failed_payments()["attempted"])
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors and sum(counts) == 4
    assert sorted(attempt_keys(stripe_api)) == sorted(f"payment-{pk}-attempt-1" for pk in due)
    with tenant_context(tenant_a):
        assert set(PaymentTransaction.objects.values_list("attempt_count", flat=True)) == {1}


def test_the_task_entry_points_run_in_the_tenant_through_the_trampoline(on_stripe):
    from billing import tasks
    from people.background import enqueue

    payment = due_payment()
    enqueue(tasks.retry_failed_payments)  # sync mode: runs now, detached, re-entering tenant A
    assert reload(payment).status == PaymentStatus.SUCCEEDED
    enqueue(tasks.sync_gateway_payments)
    assert tasks.charge_payment(payment.pk) == "skipped"  # a task delivered twice charges once
    assert attempt_keys(on_stripe) == [f"payment-{payment.pk}-attempt-1"]
