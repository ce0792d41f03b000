"""Payment gateways: one small interface (base.PaymentGateway), two backends.

`get_gateway(name)` returns the backend a payment or refund was made with (PaymentTransaction.
gateway); new payments take the tenant's choice, BillingSettings.current().gateway.
"""

from billing.gateways.base import ChargeResult, PaymentGateway, RefundResult
from billing.services.errors import BillingError

__all__ = ["ChargeResult", "PaymentGateway", "RefundResult", "get_gateway", "tenant_gateway_name"]


def get_gateway(name: str) -> PaymentGateway:
    from billing.gateways.manual import ManualGateway
    from billing.gateways.stripe import StripeGateway

    backends = {"manual": ManualGateway, "stripe": StripeGateway}
    if name not in backends:
        raise BillingError(f"{name!r} is not a payment gateway; use one of: {', '.join(backends)}.")
    return backends[name]()


def tenant_gateway_name() -> str:
    """The active tenant's gateway for new payments."""
    from billing.models import BillingSettings

    return BillingSettings.current().gateway
