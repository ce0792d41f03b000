"""The Stripe gateway, on the official SDK (a StripeClient per API key and base address).

One Stripe account (STRIPE_SECRET_KEY) serves every tenant: each object we create carries
metadata {tenant_id, customer_id | payment_id | refund_id}, which is how webhook events find their
tenant and record. Idempotency keys are deterministic (`customer-<id>`, `payment-<id>-attempt-<n>`,
`refund-<id>-attempt-<n>`; ids are global), so a call repeated after a timeout or a crash is
answered by Stripe with the first call's result instead of charging again.

Errors: a card error (402) is a decline, and a request Stripe refuses (400/404: no such payment
method, already refunded) is a failed attempt with Stripe's code; a connection error, 5xx, 429 or
an authentication problem raises GatewayError (outcome unknown or our configuration is wrong).
"""

from __future__ import annotations

import functools

import stripe
from django.conf import settings

from billing.gateways.base import ChargeResult, PaymentGateway, RefundResult
from billing.money import to_minor_units
from billing.services.errors import GatewayError

NOT_CONFIGURED = (
    "Stripe is not configured: set STRIPE_SECRET_KEY, or choose the manual gateway in the billing settings."
)


@functools.lru_cache(maxsize=8)
def _client(api_key: str, api_base: str, network_retries: int) -> stripe.StripeClient:
    return stripe.StripeClient(
        api_key,
        base_addresses={"api": api_base} if api_base else None,
        max_network_retries=network_retries,
    )


def _declined_message(error: dict) -> str:
    message = error.get("message") or "The card was declined."
    decline_code = error.get("decline_code")
    return f"{message} ({decline_code})" if decline_code else message


def charge_result(intent: dict) -> ChargeResult:
    """A PaymentIntent (as a dict: API answer or webhook object) as a ChargeResult."""
    reference, status = intent.get("id", ""), intent.get("status")
    if status == "succeeded":
        return ChargeResult.paid(reference)
    if status in ("processing", "requires_capture"):
        return ChargeResult.waiting(reference)
    if status in ("requires_action", "requires_confirmation"):
        return ChargeResult.declined(
            "authentication_required",
            "The bank asks the customer to authenticate this payment; ask them to pay the invoice themselves "
            "or to set up a card that allows charges without them.",
            reference,
        )
    error = intent.get("last_payment_error") or {}
    if status == "canceled":
        return ChargeResult.declined("canceled", "The payment was canceled on Stripe.", reference)
    return ChargeResult.declined(error.get("code") or "declined", _declined_message(error), reference)


def refund_result(refund: dict) -> RefundResult:
    """A Stripe Refund (dict) as a RefundResult."""
    reference, status = refund.get("id", ""), refund.get("status")
    if status == "succeeded":
        return RefundResult(succeeded=True, reference=reference)
    if status in ("pending", "requires_action"):
        return RefundResult(pending=True, reference=reference)
    reason = refund.get("failure_reason") or status or "failed"
    return RefundResult(
        reference=reference,
        failure_code=reason,
        failure_message=f"Stripe could not return the money ({reason}).",
    )


class StripeGateway(PaymentGateway):
    name = "stripe"
    charges_automatically = True

    def __init__(self, *, api_key: str | None = None, api_base: str | None = None, network_retries: int = 2):
        self.api_key = settings.STRIPE_SECRET_KEY if api_key is None else api_key
        self.api_base = settings.STRIPE_API_BASE if api_base is None else api_base
        # The SDK retries connection errors itself (with the same idempotency key) this many times.
        self.network_retries = network_retries

    @property
    def client(self) -> stripe.StripeClient:
        if not self.api_key:
            raise GatewayError(NOT_CONFIGURED)
        return _client(self.api_key, self.api_base or "", self.network_retries)

    def _call(self, request):
        """Run one SDK call (a no-argument callable) and return Stripe's object as a dict. Transport,
        server, rate-limit and key problems become GatewayError; card and request errors pass."""
        try:
            return request().to_dict()
        except (stripe.CardError, stripe.InvalidRequestError):
            raise
        except stripe.StripeError as error:
            status = f" (HTTP {error.http_status})" if error.http_status else ""
            raise GatewayError(
                f"Stripe could not be reached or failed{status}: {error.user_message or error}"
            ) from error

    def ensure_customer(self, customer) -> str:
        if customer.gateway_customer_id:
            return customer.gateway_customer_id
        params = {
            "name": customer.name,
            "email": customer.email,
            "metadata": {"tenant_id": str(customer.tenant_id), "customer_id": str(customer.pk)},
        }
        created = self._call(
            lambda: self.client.v1.customers.create(params, {"idempotency_key": f"customer-{customer.pk}"})
        )
        return created["id"]

    def _default_payment_method(self, customer_id: str) -> str:
        customer = self._call(lambda: self.client.v1.customers.retrieve(customer_id))
        method = (customer.get("invoice_settings") or {}).get("default_payment_method")
        return method.get("id", "") if isinstance(method, dict) else method or ""

    def charge(self, payment) -> ChargeResult:
        if payment.customer is None:
            return ChargeResult.declined(
                "no_customer", "The payment names no customer to charge; record it manually instead."
            )
        try:
            customer_id = self.ensure_customer(payment.customer)
            method = self._default_payment_method(customer_id)
            if not method:
                return ChargeResult.declined(
                    "no_payment_method",
                    f"{payment.customer} has no default card on Stripe; ask them to add one, then retry the payment.",
                )
            params = {
                "amount": to_minor_units(payment.amount, payment.currency),
                "currency": payment.currency.lower(),
                "customer": customer_id,
                "payment_method": method,
                "confirm": True,
                "off_session": True,
                "metadata": {"tenant_id": str(payment.tenant_id), "payment_id": str(payment.pk)},
            }
            intent = self._call(
                lambda: self.client.v1.payment_intents.create(
                    params, {"idempotency_key": payment.attempt_key}
                )
            )
        except stripe.CardError as error:
            body = (error.json_body or {}).get("error") or {}
            intent_ref = (body.get("payment_intent") or {}).get("id", "")
            return ChargeResult.declined(error.code or "card_declined", _declined_message(body), intent_ref)
        except stripe.InvalidRequestError as error:
            return ChargeResult.declined(error.code or "invalid_request", error.user_message or str(error))
        return charge_result(intent)

    def retrieve(self, payment) -> ChargeResult:
        if not payment.gateway_reference:
            return ChargeResult.waiting()
        try:
            intent = self._call(lambda: self.client.v1.payment_intents.retrieve(payment.gateway_reference))
        except stripe.InvalidRequestError as error:
            raise GatewayError(
                f"Stripe does not know {payment.gateway_reference}: {error.user_message}"
            ) from error
        return charge_result(intent)

    def refund(self, refund) -> RefundResult:
        payment = refund.payment
        if not payment.gateway_reference:
            return RefundResult(
                failure_code="no_reference",
                failure_message="The payment has no Stripe reference; return the money offline and record it.",
            )
        try:
            params = {
                "payment_intent": payment.gateway_reference,
                "amount": to_minor_units(refund.amount, refund.currency),
                "metadata": {"tenant_id": str(refund.tenant_id), "refund_id": str(refund.pk)},
            }
            created = self._call(
                lambda: self.client.v1.refunds.create(params, {"idempotency_key": refund.attempt_key})
            )
        except (stripe.CardError, stripe.InvalidRequestError) as error:
            return RefundResult(
                failure_code=error.code or "refused", failure_message=error.user_message or str(error)
            )
        return refund_result(created)
