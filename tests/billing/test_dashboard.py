"""The dashboard's billing cards and chart: their figures (per currency, never added across
currencies), who sees them, and their query count."""

import datetime
from decimal import Decimal

import pytest
from django.test import RequestFactory
from django.utils import timezone

from billing.dashboard import WIDGETS
from billing.models import InvoiceStatus, PaymentStatus, RefundStatus, SubscriptionStatus
from people.roles import Role
from people.tenancy import tenant_context
from tests.billing.factories import (
    EscrowHoldFactory,
    InvoiceFactory,
    PaymentFactory,
    PlanFactory,
    RefundFactory,
    SubscriptionFactory,
)
from tests.conftest import login, make_member

pytestmark = pytest.mark.django_db

TODAY = datetime.date.today()


def kpis(response):
    return {kpi["title"]: kpi for kpi in response.context["kpis"]}


def build(extra=0):
    monthly = PlanFactory(price=Decimal("100.00"))
    yearly = PlanFactory(price=Decimal("1200.00"), interval="year")
    dollars = PlanFactory(price=Decimal("50.00"), currency="USD")
    SubscriptionFactory(plan=monthly)
    SubscriptionFactory(plan=yearly)
    SubscriptionFactory(plan=dollars, status=SubscriptionStatus.PAST_DUE)
    SubscriptionFactory(plan=monthly, status=SubscriptionStatus.TRIALING)
    SubscriptionFactory(plan=monthly, status=SubscriptionStatus.CANCELED)
    now = timezone.now()
    paid = PaymentFactory(amount=Decimal("100.00"))
    PaymentFactory(amount=Decimal("30.00"), currency="USD", invoice__currency="USD")
    PaymentFactory(amount=Decimal("500.00"), succeeded_at=now - datetime.timedelta(days=40))
    RefundFactory(payment=paid, amount=Decimal("20.00"), status=RefundStatus.SUCCEEDED, processed_at=now)
    for _ in range(2):
        PaymentFactory(
            status=PaymentStatus.FAILED, succeeded_at=None, last_attempt_at=now, amount=Decimal("9.00")
        )
    InvoiceFactory(due_date=TODAY - datetime.timedelta(days=5), subtotal=Decimal("70.00"), total=Decimal("70.00"),
                   amount_due=Decimal("70.00"))  # fmt: skip
    InvoiceFactory(status=InvoiceStatus.PAID, amount_paid=Decimal("100.00"), amount_due=Decimal("0.00"))
    EscrowHoldFactory()  # 4,800.00 EUR held
    for _ in range(extra):
        SubscriptionFactory(plan=monthly, status=SubscriptionStatus.CANCELED)
        PaymentFactory(
            status=PaymentStatus.FAILED, succeeded_at=None, last_attempt_at=now - datetime.timedelta(days=60)
        )
        EscrowHoldFactory()


def test_billing_cards_and_chart(finance_client, tenant_a):
    with tenant_context(tenant_a):
        build()
    response = finance_client.get("/admin/")
    cards = kpis(response)
    assert cards["Monthly recurring revenue"]["value"] == "€200.00 · $50.00"
    assert cards["Monthly recurring revenue"]["footer"].startswith("3 paying subscriptions")
    assert cards["Revenue this month"]["value"] == "€80.00 · $30.00"
    assert (cards["Failed payments"]["value"], cards["Failed payments"]["footer"]) == (
        2,
        "this month: €18.00",
    )
    # Open: the overdue one, and the invoices the payment factories made (left open, due in 14 days).
    assert (cards["Overdue"]["value"], cards["Open invoices"]["value"]) == ("€70.00", 6)
    assert cards["Held in escrow"]["value"] == "€4,800.00"
    chart = next(c for c in response.context["charts"] if c["title"] == "Revenue per month")
    assert len(chart["data"]["labels"]) == 12 and chart["data"]["labels"][-1] == f"{TODAY:%b %Y}"
    series = {dataset["label"]: dataset["data"] for dataset in chart["data"]["datasets"]}
    assert series["EUR"][-1] == 80.0 and series["USD"][-1] == 30.0
    assert sum(series["EUR"]) == 580.0  # last month's 500 is in its own month


def test_roles_that_do_not_run_billing_do_not_see_it(client, tenant_a, user_a):
    for role in (Role.VIEWER, Role.OPS, Role.RECRUITER):
        member = make_member(tenant_a, role, email=f"{role}@tenant-a.test")
        response = login(client, member, tenant_a).get("/admin/")
        assert "Monthly recurring revenue" not in kpis(response), role
        assert all(chart["title"] != "Revenue per month" for chart in response.context["charts"])


def test_an_empty_tenant_shows_zeros_in_its_currency(finance_client):
    cards = kpis(finance_client.get("/admin/"))
    assert cards["Monthly recurring revenue"]["value"] == "€0.00"
    assert (cards["Failed payments"]["value"], cards["Open invoices"]["value"]) == (0, 0)


@pytest.mark.parametrize("extra", [0, 15])
def test_the_billing_widgets_run_six_queries_whatever_the_data(
    tenant_a, finance, extra, django_assert_num_queries
):
    with tenant_context(tenant_a):
        build(extra)
        request = RequestFactory().get("/admin/")
        request.user, request.tenant = finance, tenant_a
        request.user.has_perm("billing.change_invoice")  # warm the permission cache
        with django_assert_num_queries(6):
            for widget in WIDGETS:
                widget(request)
