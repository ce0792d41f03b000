from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from billing.models import (
    BillingSettings,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    PaymentTransaction,
    Subscription,
    SubscriptionStatus,
)
from billing.services import subscriptions
from billing.services.errors import BillingError, TransitionNotAllowed
from people.tenancy import tenant_context
from tests.billing.factories import CustomerFactory, InvoiceFactory, PlanFactory, SubscriptionFactory

pytestmark = pytest.mark.django_db
S = SubscriptionStatus


def start(plan=None, on=date(2026, 1, 31), **kwargs):
    plan = plan or PlanFactory(**kwargs)
    return subscriptions.start_subscription(customer_id=CustomerFactory().pk, plan_id=plan.pk, start_date=on)


def test_starting_without_a_trial_issues_the_first_periods_invoice(in_a):
    subscription = start(price=Decimal("49.00"))
    assert subscription.status == S.ACTIVE
    assert (subscription.current_period_start, subscription.current_period_end) == (
        date(2026, 1, 31),
        date(2026, 2, 28),
    )
    invoice = Invoice.objects.get()
    assert (invoice.status, invoice.total, invoice.period_start, invoice.period_end) == (
        InvoiceStatus.OPEN,
        Decimal("49.00"),
        date(2026, 1, 31),
        date(2026, 2, 27),
    )
    assert invoice.number.startswith("INV-") and invoice.lines.get().plan == subscription.plan


def test_a_trial_comes_first_and_is_not_invoiced(in_a):
    subscription = start(trial_days=14)
    assert (subscription.status, subscription.trial_end, subscription.current_period_end) == (
        S.TRIALING,
        date(2026, 2, 14),
        date(2026, 2, 14),
    )
    assert not Invoice.objects.exists()


def test_an_inactive_plan_takes_no_new_subscribers(in_a):
    with pytest.raises(BillingError, match="takes no new subscribers"):
        start(active=False)


def test_renewal_issues_one_invoice_per_period_and_a_second_run_adds_nothing(in_a):
    monthly = start(on=date(2026, 1, 31))
    yearly = start(on=date(2026, 1, 15), interval="year", price=Decimal("490"))
    trial = start(on=date(2026, 2, 20), trial_days=7)
    assert subscriptions.generate_monthly_invoices(today=date(2026, 3, 1)) == 2  # monthly + trial ended
    assert subscriptions.generate_monthly_invoices(today=date(2026, 3, 1)) == 0
    monthly.refresh_from_db(), yearly.refresh_from_db(), trial.refresh_from_db()
    assert (monthly.current_period_start, monthly.current_period_end) == (
        date(2026, 2, 28),
        date(2026, 3, 28),
    )
    assert yearly.current_period_end == date(2027, 1, 15)
    assert (trial.status, trial.current_period_start) == (S.ACTIVE, date(2026, 2, 27))
    assert Invoice.objects.count() == 4 and InvoiceLine.objects.count() == 4
    numbers = sorted(Invoice.objects.values_list("number", flat=True))
    assert len(set(numbers)) == 4


def test_a_subscription_behind_by_several_periods_gets_each_periods_invoice(in_a):
    subscription = start(on=date(2026, 1, 1))
    assert subscriptions.generate_monthly_invoices(today=date(2026, 4, 15)) == 3
    periods = sorted(Invoice.objects.filter(subscription=subscription).values_list("period_start", flat=True))
    assert periods == [date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1), date(2026, 4, 1)]


def test_the_unique_constraint_refuses_a_second_invoice_for_a_period(in_a):
    from django.db import IntegrityError, transaction

    subscription = start()
    invoice = Invoice.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        InvoiceFactory(
            subscription=subscription, customer=subscription.customer, period_start=invoice.period_start
        )


def test_invoicing_again_the_same_period_is_skipped(in_a):
    subscription = start()
    assert subscriptions.invoice_periods([subscription]) == []


def test_cancel_at_period_end_then_renewal_cancels_instead(in_a):
    subscription = start()
    subscriptions.cancel_subscription(subscription_id=subscription.pk)
    assert subscriptions.generate_monthly_invoices(today=date(2026, 3, 1)) == 0
    subscription.refresh_from_db()
    assert subscription.status == S.CANCELED and subscription.canceled_at


def test_resume_undoes_a_planned_cancellation(in_a):
    subscription = start()
    with pytest.raises(TransitionNotAllowed, match="set to cancel"):
        subscriptions.resume_subscription(subscription_id=subscription.pk)
    subscriptions.cancel_subscription(subscription_id=subscription.pk)
    assert not subscriptions.resume_subscription(subscription_id=subscription.pk).cancel_at_period_end


def test_cancel_now_and_twice(in_a):
    subscription = start()
    canceled = subscriptions.cancel_subscription(
        subscription_id=subscription.pk, at_period_end=False, reason="Closed"
    )
    assert (canceled.status, canceled.cancellation_reason) == (S.CANCELED, "Closed")
    with pytest.raises(TransitionNotAllowed, match="already canceled"):
        subscriptions.cancel_subscription(subscription_id=subscription.pk)


def test_past_due_is_canceled_after_the_grace_period_once(in_a):
    settings = BillingSettings.current()
    settings.dunning_grace_days = 10
    settings.save()
    subscription = subscriptions.mark_past_due(subscription_id=start().pk)
    assert subscription.status == S.PAST_DUE
    soon = subscription.past_due_since + timedelta(days=9)
    assert subscriptions.update_subscription_status(now=soon)["canceled_unpaid"] == 0
    later = subscription.past_due_since + timedelta(days=10)
    assert subscriptions.update_subscription_status(now=later)["canceled_unpaid"] == 1
    assert subscriptions.update_subscription_status(now=later)["canceled_unpaid"] == 0
    subscription.refresh_from_db()
    assert subscription.status == S.CANCELED and "Unpaid 10 days" in subscription.cancellation_reason


def test_past_due_becomes_active_once_its_invoices_are_settled(in_a):
    from billing.services.invoices import mark_invoice_paid

    subscription = start(on=timezone.localdate() - timedelta(days=40))
    invoice = Invoice.objects.get()
    Invoice.objects.filter(pk=invoice.pk).update(due_date=timezone.localdate() - timedelta(days=20))
    subscriptions.mark_past_due(subscription_id=subscription.pk)
    assert subscriptions.reactivate_if_settled(subscription_id=subscription.pk).status == S.PAST_DUE
    mark_invoice_paid(invoice_id=invoice.pk, reference="LATE")
    assert subscriptions.reactivate_if_settled(subscription_id=subscription.pk).status == S.ACTIVE


def test_with_a_card_gateway_renewals_queue_one_payment_per_invoice(in_a):
    settings = BillingSettings.current()
    settings.gateway = "stripe"
    settings.save()
    subscription = SubscriptionFactory(
        current_period_start=date(2026, 1, 1), current_period_end=date(2026, 2, 1)
    )
    subscriptions.generate_monthly_invoices(today=date(2026, 2, 1))
    invoice = Invoice.objects.get(subscription=subscription)
    payment = PaymentTransaction.objects.get()
    assert (payment.invoice, payment.amount, payment.status, payment.idempotency_key) == (
        invoice,
        invoice.total,
        "pending",
        f"invoice-{invoice.pk}-charge",
    )
    assert subscriptions.queue_collection([invoice]) == 1 and PaymentTransaction.objects.count() == 1


def test_renewal_stays_in_its_tenant(tenant_a, tenant_b):
    for tenant in (tenant_a, tenant_b):
        with tenant_context(tenant):
            SubscriptionFactory(current_period_start=date(2026, 1, 1), current_period_end=date(2026, 2, 1))
    with tenant_context(tenant_a):
        assert subscriptions.generate_monthly_invoices(today=date(2026, 2, 1)) == 1
    with tenant_context(tenant_b):
        assert not Invoice.objects.exists()
        assert Subscription.objects.get().current_period_end == date(2026, 2, 1)


def test_renewal_runs_the_same_number_of_queries_for_5_or_60_subscriptions(in_a):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    BillingSettings.current()
    counts = []
    for size, month in ((5, 1), (60, 2)):
        for _ in range(size):
            SubscriptionFactory(  # yearly: the first batch is not due again at the second run
                plan__interval="year",
                current_period_start=date(2026, month, 1),
                current_period_end=date(2026, month + 1, 1),
            )
        with CaptureQueriesContext(connection) as queries:
            assert subscriptions.generate_monthly_invoices(today=date(2026, month + 1, 1)) == size
        counts.append(len(queries))
    assert counts[1] <= counts[0] < 25  # the first run also creates the year's number sequence


def test_renewal_writes_history_rows_naming_the_user(in_a, user_a):
    subscription = SubscriptionFactory(
        current_period_start=date(2026, 1, 1), current_period_end=date(2026, 2, 1)
    )
    subscriptions.generate_monthly_invoices(today=date(2026, 2, 1), by=user_a)
    invoice = Invoice.objects.get()
    record = invoice.history.get()
    assert (record.history_type, record.history_user, record.number, record.total) == (
        "+",
        user_a,
        invoice.number,
        invoice.total,
    )
    assert invoice.lines.get().history.get().history_user == user_a
    latest = subscription.history.first()
    assert (latest.history_type, latest.history_user, latest.current_period_start) == (
        "~",
        user_a,
        date(2026, 2, 1),
    )


def test_with_a_card_gateway_the_first_invoice_is_queued_too(in_a):
    settings = BillingSettings.current()
    settings.gateway = "stripe"
    settings.save()
    subscription = subscriptions.start_subscription(
        customer_id=CustomerFactory().pk, plan_id=PlanFactory().pk
    )
    invoice = Invoice.objects.get(subscription=subscription)
    payment = PaymentTransaction.objects.get()
    assert (payment.invoice, payment.status, payment.idempotency_key) == (
        invoice,
        "pending",
        f"invoice-{invoice.pk}-charge",
    )
