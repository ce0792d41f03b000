"""The Stripe webhook: signature, tenant, stored once, processed idempotently, replayable.

Payloads are signed with the SDK's own test helper, stripe.WebhookSignature.generate_signature_header.
Deliveries run detached from the test's tenant (people.tenancy.run_detached), as a real request
from Stripe arrives with no tenant active.
"""

import itertools
import json
import logging
from decimal import Decimal

import pytest
import stripe

from billing import webhooks
from billing.models import (
    BillingSettings,
    EventStatus,
    GatewayEvent,
    InvoiceStatus,
    PaymentStatus,
    RefundStatus,
    SubscriptionStatus,
)
from billing.services import payments, refunds
from people.tenancy import all_tenants, run_detached, tenant_context
from tests.billing.conftest import WEBHOOK_SECRET
from tests.billing.factories import InvoiceFactory, SubscriptionFactory

pytestmark = pytest.mark.django_db
URL = "/billing/webhooks/stripe/"
_ids = itertools.count(1)


def event(event_type, obj, event_id=None):
    return {
        "id": event_id or f"evt_{next(_ids):06d}",
        "object": "event",
        "type": event_type,
        "api_version": "2025-01-01",
        "data": {"object": obj},
    }


def deliver(client, payload, *, secret=WEBHOOK_SECRET, signature=None):
    body = json.dumps(payload)
    header = (
        stripe.WebhookSignature.generate_signature_header(body, secret) if signature is None else signature
    )
    return run_detached(
        client.post, URL, data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE=header
    )


def stored_events():
    with all_tenants(reason="test: count every tenant's events"):
        return list(GatewayEvent.objects.all())


def reload(obj):
    return type(obj).objects.get(pk=obj.pk)


def processing_payment(stripe_api):
    """A Stripe payment whose charge is still processing (the webhook settles it)."""
    stripe_api.plan("payment_intents", "processing")
    payment = payments.create_invoice_payment(invoice_id=InvoiceFactory().pk)
    return payments.charge_payment(payment_id=payment.pk)


def intent(payment, status="succeeded", **extra):
    return {
        "id": payment.gateway_reference,
        "object": "payment_intent",
        "status": status,
        "metadata": {"tenant_id": str(payment.tenant_id), "payment_id": str(payment.pk)},
        **extra,
    }


def test_a_bad_signature_gets_400_and_nothing_is_stored(client, on_stripe):
    payment = processing_payment(on_stripe)
    payload = event("payment_intent.succeeded", intent(payment))
    assert deliver(client, payload, secret="whsec_someone_else").status_code == 400
    assert deliver(client, payload, signature="t=1,v1=forged").status_code == 400
    assert deliver(client, payload, signature="").status_code == 400
    assert stored_events() == []
    assert reload(payment).status == PaymentStatus.PENDING


def test_no_webhook_secret_configured_refuses_every_event(client, on_stripe, settings):
    settings.STRIPE_WEBHOOK_SECRET = ""
    assert (
        deliver(client, event("payment_intent.succeeded", {"id": "pi_1"}), secret="whsec_x").status_code
        == 400
    )
    assert stored_events() == []


def test_a_signed_body_that_is_not_an_event_gets_400(client, stripe_api):
    assert deliver(client, {"object": "event", "hello": "world"}).status_code == 400
    assert stored_events() == []


def test_only_post_is_allowed(client):
    assert client.get(URL).status_code == 405


def test_payment_succeeded_pays_the_invoice_once_however_often_delivered(client, on_stripe):
    payment = processing_payment(on_stripe)
    payload = event("payment_intent.succeeded", intent(payment))
    response = deliver(client, payload)
    assert response.status_code == 200 and response.json()["result"] == "processed"
    payment = reload(payment)
    assert payment.status == PaymentStatus.SUCCEEDED
    invoice = reload(payment.invoice)
    assert (invoice.status, invoice.amount_paid) == (InvoiceStatus.PAID, Decimal("100.00"))
    assert deliver(client, payload).json()["result"] == "duplicate"
    [stored] = stored_events()
    assert (stored.event_id, stored.status, stored.attempts) == (payload["id"], EventStatus.PROCESSED, 1)
    assert stored.result == f"Payment #{payment.pk} succeeded."
    assert reload(invoice).amount_paid == Decimal("100.00")


def test_a_replay_changes_nothing_already_applied(client, on_stripe, finance):
    payment = processing_payment(on_stripe)
    deliver(client, event("payment_intent.succeeded", intent(payment)))
    stored = GatewayEvent.objects.get()
    replayed = webhooks.replay_gateway_event(event_id=stored.pk, by=finance)
    assert (replayed.status, replayed.attempts) == (EventStatus.PROCESSED, 2)
    assert "already recorded as succeeded" in replayed.result
    assert reload(payment.invoice).amount_paid == Decimal("100.00")


def test_the_tenant_is_found_by_the_payment_reference_without_metadata(client, on_stripe):
    payment = processing_payment(on_stripe)
    deliver(client, event("payment_intent.succeeded", intent(payment, metadata={})))
    assert reload(payment).status == PaymentStatus.SUCCEEDED
    assert GatewayEvent.objects.get().status == EventStatus.PROCESSED


def test_an_event_of_no_tenant_of_ours_is_acknowledged_and_not_stored(client, stripe_api, caplog):
    payload = event("payment_intent.succeeded", {"id": "pi_nobody", "status": "succeeded", "metadata": {}})
    with caplog.at_level(logging.WARNING, logger="billing.webhooks"):
        response = deliver(client, payload)
    assert response.status_code == 200 and response.json()["result"] == "unknown_tenant"
    assert "no tenant of ours" in caplog.text
    unknown = event("payment_intent.succeeded", {"id": "pi_x", "metadata": {"tenant_id": "999999"}})
    assert deliver(client, unknown).json()["result"] == "unknown_tenant"
    assert stored_events() == []


def test_an_event_naming_tenant_a_never_touches_tenant_b(client, in_a, on_stripe, tenant_b):
    with tenant_context(tenant_b):
        BillingSettings.objects.create(gateway="stripe")
        theirs = processing_payment(on_stripe)
    forged = intent(theirs, metadata={"tenant_id": str(in_a.pk), "payment_id": str(theirs.pk)})
    response = deliver(client, event("payment_intent.succeeded", forged))
    assert response.json()["result"] == "ignored"
    stored = GatewayEvent.objects.get()  # stored in tenant A, which the event named
    assert f"No payment of this tenant matches {theirs.gateway_reference}" in stored.result
    with tenant_context(tenant_b):
        assert reload(theirs).status == PaymentStatus.PENDING
        assert not GatewayEvent.objects.exists()


def test_payment_failed_applies_dunning(client, on_stripe):
    payment = processing_payment(on_stripe)
    failed = intent(
        payment,
        "requires_payment_method",
        last_payment_error={"code": "card_declined", "message": "Declined."},
    )
    deliver(client, event("payment_intent.payment_failed", failed))
    payment = reload(payment)
    assert (payment.status, payment.failure_code) == (PaymentStatus.FAILED, "card_declined")
    assert payment.next_retry_at is not None
    deliver(client, event("payment_intent.payment_failed", failed))  # another event id, same decline
    assert reload(payment).next_retry_at == payment.next_retry_at
    assert "already recorded" in GatewayEvent.objects.order_by("pk").last().result


def test_refund_updated_completes_a_processing_refund(client, on_stripe, finance, user_a):
    payment = payments.charge_payment(
        payment_id=payments.create_invoice_payment(invoice_id=InvoiceFactory().pk).pk
    )
    refund = refunds.request_refund(payment_id=payment.pk, amount="40", reason="Goodwill", by=finance)
    refunds.approve_refund(refund_id=refund.pk, by=user_a)
    on_stripe.plan("refunds", "pending")
    refund = refunds.process_refund(refund_id=refund.pk)
    assert refund.status == RefundStatus.PROCESSING
    stripe_refund = {**on_stripe.refunds[refund.gateway_reference], "status": "succeeded"}
    payload = event("refund.updated", stripe_refund)
    deliver(client, payload)
    assert reload(refund).status == RefundStatus.SUCCEEDED
    webhooks.replay_gateway_event(event_id=GatewayEvent.objects.get().pk)
    payment = reload(payment)
    assert (payment.status, payment.amount_refunded) == (PaymentStatus.PARTIALLY_REFUNDED, Decimal("40.00"))


def test_charge_refunded_settles_each_listed_refund(client, on_stripe, finance, user_a):
    payment = payments.charge_payment(
        payment_id=payments.create_invoice_payment(invoice_id=InvoiceFactory().pk).pk
    )
    refund = refunds.request_refund(payment_id=payment.pk, amount=None, reason="Cancelled", by=finance)
    refunds.approve_refund(refund_id=refund.pk, by=user_a)
    on_stripe.plan("refunds", "pending")
    refund = refunds.process_refund(refund_id=refund.pk)
    charge = {
        "id": "ch_1",
        "object": "charge",
        "payment_intent": payment.gateway_reference,
        "metadata": {},
        "refunds": {"data": [{**on_stripe.refunds[refund.gateway_reference], "status": "succeeded"}]},
    }
    deliver(client, event("charge.refunded", charge))
    assert reload(refund).status == RefundStatus.SUCCEEDED
    assert reload(payment).status == PaymentStatus.REFUNDED
    bare = {**charge, "refunds": {"data": []}}
    assert deliver(client, event("charge.refunded", bare)).json()["result"] == "ignored"


def test_subscription_events_with_our_metadata_update_the_subscription(client, in_a, stripe_api):
    subscription = SubscriptionFactory()
    metadata = {"tenant_id": str(in_a.pk), "subscription_id": str(subscription.pk)}
    deliver(
        client,
        event("customer.subscription.updated", {"id": "sub_1", "status": "past_due", "metadata": metadata}),
    )
    assert reload(subscription).status == SubscriptionStatus.PAST_DUE
    deliver(
        client,
        event("customer.subscription.deleted", {"id": "sub_1", "status": "canceled", "metadata": metadata}),
    )
    assert reload(subscription).status == SubscriptionStatus.CANCELED
    plain = {"id": "sub_2", "status": "active", "metadata": {"tenant_id": str(in_a.pk)}}
    assert deliver(client, event("customer.subscription.updated", plain)).json()["result"] == "ignored"


def test_events_billing_does_not_use_are_stored_as_ignored(client, in_a, stripe_api):
    payload = event("customer.created", {"id": "cus_1", "metadata": {"tenant_id": str(in_a.pk)}})
    assert deliver(client, payload).json()["result"] == "ignored"
    assert GatewayEvent.objects.get().result == "Billing does not use customer.created events."


def test_a_processing_error_is_recorded_and_can_be_replayed(client, on_stripe, monkeypatch):
    payment = processing_payment(on_stripe)

    def broken(payload, by=None):
        raise RuntimeError("database hiccup")

    monkeypatch.setattr(webhooks, "handle_event", broken)
    payload = event("payment_intent.succeeded", intent(payment))
    response = deliver(client, payload)
    assert response.status_code == 200 and response.json()["result"] == "failed"
    stored = GatewayEvent.objects.get()
    assert (stored.status, stored.result) == (EventStatus.FAILED, "RuntimeError: database hiccup")
    assert reload(payment).status == PaymentStatus.PENDING
    monkeypatch.undo()
    assert deliver(client, payload).json()["result"] == "processed"  # a redelivery processes it again
    assert reload(payment).status == PaymentStatus.SUCCEEDED
    assert GatewayEvent.objects.get().attempts == 2


def test_another_tenant_cannot_replay_an_event(client, on_stripe, tenant_b):
    payment = processing_payment(on_stripe)
    deliver(client, event("payment_intent.succeeded", intent(payment)))
    stored = GatewayEvent.objects.get()
    with tenant_context(tenant_b), pytest.raises(GatewayEvent.DoesNotExist):
        webhooks.replay_gateway_event(event_id=stored.pk)
    assert GatewayEvent.objects.get().attempts == 1
