"""Fixtures of the billing tests: a finance user (role finance) and a viewer in tenant A."""

import pytest

from people.roles import Role
from people.tenancy import tenant_context
from tests.conftest import login, make_member


@pytest.fixture
def finance(tenant_a, user_a):
    return make_member(
        tenant_a, Role.FINANCE, email="finance@tenant-a.test", first_name="Fiona", last_name="Finance"
    )


@pytest.fixture
def finance_client(client, tenant_a, finance):
    return login(client, finance, tenant_a)


@pytest.fixture
def viewer_client(client, tenant_a, user_a):
    return login(client, make_member(tenant_a, Role.VIEWER, email="viewer@tenant-a.test"), tenant_a)


@pytest.fixture
def in_a(tenant_a):
    """The test body runs inside tenant A (services and factories need an active tenant)."""
    with tenant_context(tenant_a):
        yield tenant_a


# --- Payment gateways (tests/billing/test_gateways.py, test_payments.py, test_refunds.py, test_webhooks.py)

WEBHOOK_SECRET = "whsec_test_secret"


@pytest.fixture
def stripe_api(settings):
    """A local fake Stripe API (tests/billing/stripe_server.py) that the real SDK talks to; never
    the network. Yields the FakeStripe: its recorded requests, and `plan()` for the next answers."""
    from tests.billing.stripe_server import StripeServer

    with StripeServer() as fake:
        settings.STRIPE_SECRET_KEY = "sk_test_fake"
        settings.STRIPE_API_BASE = fake.url
        settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
        yield fake


@pytest.fixture
def on_stripe(in_a, stripe_api):
    """Tenant A is active and charges through Stripe (the fake)."""
    from billing.models import BillingSettings

    BillingSettings.objects.update_or_create(tenant=in_a, defaults={"gateway": "stripe"})
    return stripe_api
