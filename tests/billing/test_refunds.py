"""Refunds: request within what is refundable, four-eyes approval, processing through the gateway."""

import threading
from decimal import Decimal

import pytest
from django.db import connection

from billing.models import InvoiceStatus, PaymentStatus, RefundRequest, RefundStatus
from billing.services import payments, refunds
from billing.services.errors import BillingError, TransitionNotAllowed
from people.roles import Role
from people.tenancy import tenant_context
from tests.billing.factories import InvoiceFactory, PaymentFactory
from tests.conftest import make_member

pytestmark = pytest.mark.django_db
postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")


def reload(obj):
    return type(obj).objects.get(pk=obj.pk)


def paid_invoice_payment(**kwargs):
    """A manual payment of 100.00 EUR that paid its invoice in full."""
    invoice = InvoiceFactory(status=InvoiceStatus.PAID, amount_paid=Decimal("100.00"))
    return PaymentFactory(invoice=invoice, **kwargs)


def stripe_payment():
    payment = payments.create_invoice_payment(invoice_id=InvoiceFactory().pk)
    return payments.charge_payment(payment_id=payment.pk)


@pytest.fixture
def approver(tenant_a, user_a):
    return make_member(tenant_a, Role.FINANCE, email="approver@tenant-a.test")


def approved(payment, amount, *, requester, approver, reference=""):
    refund = refunds.request_refund(payment_id=payment.pk, amount=amount, reason="Goodwill", by=requester)
    return refunds.approve_refund(refund_id=refund.pk, by=approver, reference=reference)


def test_a_refund_needs_a_reason_and_a_positive_amount(in_a, finance):
    payment = paid_invoice_payment()
    with pytest.raises(BillingError, match="Say why"):
        refunds.request_refund(payment_id=payment.pk, amount="10", reason=" ", by=finance)
    with pytest.raises(BillingError, match="more than zero"):
        refunds.request_refund(payment_id=payment.pk, amount="0", reason="Goodwill", by=finance)
    with pytest.raises(BillingError, match="not an amount"):
        refunds.request_refund(payment_id=payment.pk, amount="ten", reason="Goodwill", by=finance)


def test_the_amount_is_quantized_to_the_currency(in_a, finance):
    refund = refunds.request_refund(
        payment_id=paid_invoice_payment().pk, amount="10.005", reason="Goodwill", by=finance
    )
    assert (refund.amount, refund.currency, refund.status) == (
        Decimal("10.01"),
        "EUR",
        RefundStatus.REQUESTED,
    )
    assert refund.requested_by == finance


def test_no_more_than_what_is_still_refundable(in_a, finance):
    payment = paid_invoice_payment()
    refunds.request_refund(payment_id=payment.pk, amount="60", reason="Goodwill", by=finance)
    with pytest.raises(BillingError, match=r"At most €40.00 .* €60.00 in refunds not done yet"):
        refunds.request_refund(payment_id=payment.pk, amount="40.01", reason="Goodwill", by=finance)
    rest = refunds.request_refund(payment_id=payment.pk, amount=None, reason="The rest", by=finance)
    assert rest.amount == Decimal("40.00")
    with pytest.raises(BillingError, match="Nothing of this payment is left to refund"):
        refunds.request_refund(payment_id=payment.pk, amount="1", reason="More", by=finance)


def test_a_rejected_or_failed_refund_frees_its_amount(in_a, finance, approver):
    payment = paid_invoice_payment()
    refund = refunds.request_refund(payment_id=payment.pk, amount="100", reason="Goodwill", by=finance)
    refunds.reject_refund(refund_id=refund.pk, reason="Outside the refund period", by=approver)
    assert (
        refunds.request_refund(payment_id=payment.pk, amount="100", reason="Goodwill", by=finance).amount
        == 100
    )


def test_only_collected_payments_are_refunded(in_a, finance):
    payment = PaymentFactory(status=PaymentStatus.FAILED, succeeded_at=None)
    with pytest.raises(TransitionNotAllowed, match="no money was received"):
        refunds.request_refund(payment_id=payment.pk, amount="10", reason="Goodwill", by=finance)


def test_approval_needs_another_finance_user(in_a, finance, approver, user_a):
    refund = refunds.request_refund(
        payment_id=paid_invoice_payment().pk, amount="10", reason="Goodwill", by=finance
    )
    with pytest.raises(BillingError, match="another finance user or an owner must approve"):
        refunds.approve_refund(refund_id=refund.pk, by=finance)
    viewer = make_member(in_a, Role.VIEWER, email="viewer@tenant-a.test")
    with pytest.raises(BillingError, match="Only a finance user can approve"):
        refunds.approve_refund(refund_id=refund.pk, by=viewer)
    with pytest.raises(BillingError, match="Only a finance user can reject"):
        refunds.reject_refund(refund_id=refund.pk, reason="No", by=viewer)
    refund = refunds.approve_refund(refund_id=refund.pk, by=user_a)  # an owner
    assert (refund.status, refund.approved_by, refund.approved_at is not None) == (
        RefundStatus.APPROVED,
        user_a,
        True,
    )
    with pytest.raises(TransitionNotAllowed, match="only a refund that is requested"):
        refunds.approve_refund(refund_id=refund.pk, by=approver)


def test_a_rejection_needs_a_reason(in_a, finance, approver):
    refund = refunds.request_refund(
        payment_id=paid_invoice_payment().pk, amount="10", reason="Goodwill", by=finance
    )
    with pytest.raises(BillingError, match="Say why the refund is rejected"):
        refunds.reject_refund(refund_id=refund.pk, reason="", by=approver)
    refund = refunds.reject_refund(refund_id=refund.pk, reason="Not eligible", by=approver)
    assert (refund.status, refund.rejection_reason) == (RefundStatus.REJECTED, "Not eligible")


def test_a_manual_refund_is_returned_offline_at_once(in_a, finance, approver):
    payment = paid_invoice_payment()
    refund = approved(payment, "30", requester=finance, approver=approver, reference="BANK-RET-7")
    refund = refunds.process_refund(refund_id=refund.pk)
    assert (refund.status, refund.gateway_reference) == (RefundStatus.SUCCEEDED, "BANK-RET-7")
    payment = reload(payment)
    assert (payment.status, payment.amount_refunded) == (PaymentStatus.PARTIALLY_REFUNDED, Decimal("30.00"))
    invoice = reload(payment.invoice)  # a refund is a credit: the invoice is not owed again
    assert (invoice.status, invoice.amount_paid, invoice.amount_due) == (
        InvoiceStatus.PAID,
        Decimal("100.00"),
        Decimal("0.00"),
    )
    second = approved(payment, None, requester=finance, approver=approver)
    assert refunds.process_refund(refund_id=second.pk).gateway_reference == f"offline-refund-{second.pk}"
    assert reload(payment).status == PaymentStatus.REFUNDED


def test_only_approved_refunds_are_processed(in_a, finance, approver):
    refund = refunds.request_refund(
        payment_id=paid_invoice_payment().pk, amount="10", reason="Goodwill", by=finance
    )
    with pytest.raises(TransitionNotAllowed, match="only a refund that is approved"):
        refunds.process_refund(refund_id=refund.pk)


def test_a_stripe_refund_sends_its_attempt_key(on_stripe, finance, approver):
    payment = stripe_payment()
    refund = approved(payment, None, requester=finance, approver=approver)
    refund = refunds.process_refund(refund_id=refund.pk)
    assert refund.status == RefundStatus.SUCCEEDED and refund.gateway_reference in on_stripe.refunds
    [call] = on_stripe.calls("POST", "/v1/refunds")
    assert call.idempotency_key == f"refund-{refund.pk}-attempt-1"
    assert (call.params["payment_intent"], call.params["amount"]) == (payment.gateway_reference, "10000")
    assert reload(payment).status == PaymentStatus.REFUNDED
    assert reload(payment.invoice).status == InvoiceStatus.PAID


def test_an_unreachable_gateway_leaves_the_refund_approved_with_the_same_key(on_stripe, finance, approver):
    refund = approved(stripe_payment(), "25", requester=finance, approver=approver)
    on_stripe.plan("refunds", "fail")
    with pytest.raises(BillingError, match="stays approved"):
        refunds.process_refund(refund_id=refund.pk)
    refund = reload(refund)
    assert (refund.status, refund.attempt_count) == (RefundStatus.APPROVED, 0)
    assert refunds.process_pending_refunds()["succeeded"] == 1
    keys = [call.idempotency_key for call in on_stripe.calls("POST", "/v1/refunds")]
    assert keys == [f"refund-{refund.pk}-attempt-1"] * 2


def test_a_refund_the_gateway_refuses_fails_and_frees_its_amount(on_stripe, finance, approver):
    payment = stripe_payment()
    refund = approved(payment, None, requester=finance, approver=approver)
    on_stripe.plan("refunds", "failed")
    refund = refunds.process_refund(refund_id=refund.pk)
    assert refund.status == RefundStatus.FAILED and "lost_or_stolen_card" in refund.failure_message
    payment = reload(payment)
    assert (payment.status, payment.amount_refunded, refunds.refundable_amount(payment)) == (
        PaymentStatus.SUCCEEDED,
        0,
        Decimal("100.00"),
    )


def test_a_pending_refund_is_processing_until_the_gateway_reports(on_stripe, finance, approver):
    on_stripe.plan("refunds", "pending")
    refund = approved(stripe_payment(), "10", requester=finance, approver=approver)
    refund = refunds.process_refund(refund_id=refund.pk)
    assert refund.status == RefundStatus.PROCESSING and refund.gateway_reference.startswith("re_")
    assert reload(refund.payment).amount_refunded == 0


def test_the_schedule_processes_each_approved_refund_once(in_a, finance, approver):
    payment = paid_invoice_payment()
    for amount in ("10", "20"):
        approved(payment, amount, requester=finance, approver=approver)
    refunds.request_refund(payment_id=payment.pk, amount="5", reason="Not approved yet", by=finance)
    assert refunds.process_pending_refunds()["succeeded"] == 2
    assert refunds.process_pending_refunds()["processed"] == 0
    assert reload(payment).amount_refunded == Decimal("30.00")


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_requests_cannot_exceed_the_payment(tenant_a, user_a):
    with tenant_context(tenant_a):
        payment = paid_invoice_payment()
    barrier, errors, made = threading.Barrier(2), [], []

    def ask():
        try:
            with tenant_context(tenant_a):
                barrier.wait(timeout=10)
                made.append(
                    refunds.request_refund(payment_id=payment.pk, amount="60", reason="Goodwill", by=None)
                )
        except BillingError as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=ask) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(made) == 1 and len(errors) == 1
    assert "At most €40.00" in str(errors[0])
    with tenant_context(tenant_a):
        assert RefundRequest.objects.count() == 1


def test_the_refund_tasks_process_approved_refunds_once(in_a, finance, approver):
    from billing import tasks
    from people.background import enqueue

    refund = approved(paid_invoice_payment(), "10", requester=finance, approver=approver)
    enqueue(tasks.process_pending_refunds)
    assert reload(refund).status == RefundStatus.SUCCEEDED
    assert tasks.process_refund(refund.pk) == "skipped"


def test_a_refund_that_no_longer_fits_its_payment_fails_without_blocking_the_others(
    in_a, finance, approver, stripe_api
):
    first = paid_invoice_payment()
    too_much = approved(first, "60", requester=finance, approver=approver)
    # Its payment was refunded since by other means (a refund recorded before the checks existed).
    type(first).objects.filter(pk=first.pk).update(amount_refunded=Decimal("50.00"))
    fine = approved(paid_invoice_payment(), "20", requester=finance, approver=approver)
    counts = refunds.process_pending_refunds()
    assert (counts["failed"], counts["succeeded"]) == (1, 1)
    too_much, fine = reload(too_much), reload(fine)
    assert too_much.status == RefundStatus.FAILED and "Only €50.00 of payment" in too_much.failure_message
    assert fine.status == RefundStatus.SUCCEEDED
    assert reload(first).amount_refunded == Decimal("50.00")
    assert refunds.process_pending_refunds()["processed"] == 0


def test_a_queued_charge_dropped_for_a_settled_invoice_is_no_failed_payment(in_a, rf, finance):
    from django.contrib.admin.sites import site

    from billing import selectors
    from billing.models import PaymentTransaction
    from billing.models.choices import NOTHING_TO_COLLECT

    dropped = PaymentFactory(status=PaymentStatus.FAILED, failure_code=NOTHING_TO_COLLECT, succeeded_at=None)
    declined = PaymentFactory(status=PaymentStatus.FAILED, failure_code="card_declined", succeeded_at=None)
    today = selectors.tenant_today()
    rows = list(selectors.failed_payment_rows(start=today, end=today))
    assert len(rows) == 1
    statuses = {row.status: row.count for row in selectors.payments_by_status(start=today, end=today)}
    assert statuses.get(PaymentStatus.FAILED) == 1
    request = rf.get("/")
    request.user = finance
    model_admin = site._registry[PaymentTransaction]
    assert model_admin.allowed_step_names(request, dropped) == set()
    assert model_admin.allowed_step_names(request, declined) == {"retry_payment"}
