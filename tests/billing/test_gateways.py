"""The gateway backends: the real stripe SDK against the local fake API, and the manual gateway."""

import socket
from decimal import Decimal

import pytest

from billing.gateways import get_gateway
from billing.gateways.manual import ManualGateway
from billing.gateways.stripe import StripeGateway, charge_result
from billing.models import PaymentStatus
from billing.services.errors import BillingError, GatewayError
from tests.billing.factories import CustomerFactory, InvoiceFactory, PaymentFactory, RefundFactory

pytestmark = pytest.mark.django_db


def pending_payment(**kwargs):
    invoice = InvoiceFactory()
    kwargs.setdefault("amount", invoice.total)
    kwargs.setdefault("gateway", "stripe")
    return PaymentFactory(
        invoice=invoice, status=PaymentStatus.PENDING, succeeded_at=None, attempt_count=1, **kwargs
    )


def test_get_gateway_names_the_backends_and_refuses_others():
    assert isinstance(get_gateway("manual"), ManualGateway)
    assert isinstance(get_gateway("stripe"), StripeGateway)
    with pytest.raises(BillingError, match="not a payment gateway"):
        get_gateway("paypal")


def test_ensure_customer_creates_it_once_with_our_metadata(in_a, stripe_api):
    customer = CustomerFactory()
    gateway = StripeGateway()
    customer_id = gateway.ensure_customer(customer)
    assert customer_id.startswith("cus_")
    [call] = stripe_api.calls("POST", "/v1/customers")
    assert call.idempotency_key == f"customer-{customer.pk}"
    assert call.params["metadata"] == {"tenant_id": str(in_a.pk), "customer_id": str(customer.pk)}
    assert call.params["email"] == customer.email
    customer.gateway_customer_id = customer_id
    assert gateway.ensure_customer(customer) == customer_id
    assert len(stripe_api.calls("POST", "/v1/customers")) == 1


def test_charge_sends_minor_units_the_default_card_and_the_attempt_key(in_a, stripe_api):
    payment = pending_payment(amount=Decimal("123.45"))
    result = StripeGateway().charge(payment)
    assert result.succeeded and result.reference.startswith("pi_")
    [call] = stripe_api.calls("POST", "/v1/payment_intents")
    assert call.idempotency_key == f"payment-{payment.pk}-attempt-1"
    assert call.params == {
        "amount": "12345",
        "currency": "eur",
        "customer": call.params["customer"],
        "payment_method": "pm_card_visa",
        "confirm": "true",
        "off_session": "true",
        "metadata": {"tenant_id": str(in_a.pk), "payment_id": str(payment.pk)},
    }


def test_a_zero_decimal_currency_is_sent_in_whole_units(in_a, stripe_api):
    payment = pending_payment(amount=Decimal("5000"), currency="JPY")
    StripeGateway().charge(payment)
    [call] = stripe_api.calls("POST", "/v1/payment_intents")
    assert (call.params["amount"], call.params["currency"]) == ("5000", "jpy")


def test_a_repeated_attempt_key_is_answered_with_the_first_result(in_a, stripe_api):
    payment = pending_payment()
    first, second = StripeGateway().charge(payment), StripeGateway().charge(payment)
    assert first == second
    assert len(stripe_api.payment_intents) == 1  # one charge, whatever the number of calls


def test_a_decline_is_a_result_not_an_error(in_a, stripe_api):
    stripe_api.plan("payment_intents", "decline")
    result = StripeGateway().charge(pending_payment())
    assert result.failed
    assert result.failure_code == "card_declined"
    assert result.failure_message == "Your card has insufficient funds. (insufficient_funds)"
    assert result.reference in stripe_api.payment_intents


def test_a_customer_without_a_card_is_declined_with_what_to_do(in_a, stripe_api):
    stripe_api.default_payment_method = None
    result = StripeGateway().charge(pending_payment())
    assert result.failure_code == "no_payment_method"
    assert "ask them to add one" in result.failure_message
    assert not stripe_api.calls("POST", "/v1/payment_intents")


def test_a_server_error_raises_gateway_error(in_a, stripe_api):
    stripe_api.plan("payment_intents", "fail")
    with pytest.raises(GatewayError, match="HTTP 500"):
        StripeGateway().charge(pending_payment())


def test_an_unreachable_stripe_raises_gateway_error(in_a):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{sock.getsockname()[1]}"  # nothing listens once closed
    gateway = StripeGateway(api_key="sk_test_fake", api_base=closed, network_retries=0)
    with pytest.raises(GatewayError, match="could not be reached"):
        gateway.charge(pending_payment())


def test_stripe_without_a_secret_key_says_how_to_configure_it(in_a, settings):
    settings.STRIPE_SECRET_KEY = ""
    with pytest.raises(GatewayError, match="set STRIPE_SECRET_KEY"):
        StripeGateway().charge(pending_payment())


def test_retrieve_reports_the_payment_intent_as_it_is_now(in_a, stripe_api):
    stripe_api.plan("payment_intents", "processing")
    payment = pending_payment()
    result = StripeGateway().charge(payment)
    assert result.pending
    payment.gateway_reference = result.reference
    assert StripeGateway().retrieve(payment).pending
    stripe_api.payment_intents[result.reference]["status"] = "succeeded"
    assert StripeGateway().retrieve(payment).succeeded


def test_payment_intent_statuses_map_to_results():
    assert (
        charge_result({"id": "pi_1", "status": "requires_action"}).failure_code == "authentication_required"
    )
    assert charge_result({"id": "pi_1", "status": "canceled"}).failure_code == "canceled"
    failed = charge_result(
        {"id": "pi_1", "status": "requires_payment_method", "last_payment_error": {"code": "expired_card"}}
    )
    assert (failed.failure_code, failed.reference) == ("expired_card", "pi_1")


def test_refund_sends_the_payment_intent_amount_and_attempt_key(in_a, stripe_api):
    payment = pending_payment()
    payment.gateway_reference = StripeGateway().charge(payment).reference
    payment.status = PaymentStatus.SUCCEEDED
    payment.save()
    refund = RefundFactory(payment=payment, amount=Decimal("10.50"), attempt_count=1)
    result = StripeGateway().refund(refund)
    assert result.succeeded and result.reference.startswith("re_")
    [call] = stripe_api.calls("POST", "/v1/refunds")
    assert call.idempotency_key == f"refund-{refund.pk}-attempt-1"
    assert call.params == {
        "payment_intent": payment.gateway_reference,
        "amount": "1050",
        "metadata": {"tenant_id": str(in_a.pk), "refund_id": str(refund.pk)},
    }


def test_refund_outcomes(in_a, stripe_api):
    payment = pending_payment()
    payment.gateway_reference = StripeGateway().charge(payment).reference
    refund = RefundFactory(payment=payment, attempt_count=1)
    stripe_api.plan("refunds", "pending", "failed", "fail")
    assert StripeGateway().refund(refund).pending
    refund.attempt_count = 2
    failed = StripeGateway().refund(refund)
    assert failed.failed and "lost_or_stolen_card" in failed.failure_message
    refund.attempt_count = 3
    with pytest.raises(GatewayError):
        StripeGateway().refund(refund)
    payment.gateway_reference = "pi_unknown"
    refund.attempt_count = 4
    assert StripeGateway().refund(refund).failure_code == "resource_missing"


def test_the_manual_gateway_charges_nothing_and_refunds_offline(in_a):
    gateway = ManualGateway()
    payment = pending_payment(gateway="manual")
    assert gateway.ensure_customer(payment.customer) == ""
    assert gateway.charge(payment).pending and gateway.retrieve(payment).pending
    refund = RefundFactory(payment=payment)
    assert gateway.refund(refund).reference == f"offline-refund-{refund.pk}"
    refund.gateway_reference = "BANK-42"
    assert gateway.refund(refund).reference == "BANK-42" and gateway.refund(refund).succeeded
