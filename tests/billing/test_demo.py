"""The billing demo data added by `bootstrap_demo_tenant`: the variety the issue names, once, and
the demo finance user's access to it."""

from io import StringIO

import pytest
from django.core.management import call_command

from billing.models import (
    Customer,
    EscrowKind,
    EscrowTransaction,
    Invoice,
    InvoiceStatus,
    PaymentStatus,
    PaymentTransaction,
    Plan,
    RefundRequest,
    RefundStatus,
    Subscription,
    SubscriptionStatus,
)
from billing.services.escrow import escrow_balance
from marketplace.models import Contract, ContractStatus
from people.models import Tenant, User
from people.tenancy import tenant_context
from tests.conftest import login

pytestmark = pytest.mark.django_db


def bootstrap() -> str:
    out = StringIO()
    call_command("bootstrap_demo_tenant", "--password", "demo-pass-2026", stdout=out)
    return out.getvalue()


def counts() -> dict:
    return {
        "plans": Plan.objects.count(),
        "customers": Customer.objects.count(),
        "subscriptions": Subscription.objects.count(),
        "invoices": Invoice.objects.count(),
        "payments": PaymentTransaction.objects.count(),
        "refunds": RefundRequest.objects.count(),
        "escrow": EscrowTransaction.objects.count(),
        "history": Invoice.history.count() + PaymentTransaction.history.count(),
    }


def test_bootstrap_adds_the_billing_demo_data_once(client):
    out = bootstrap()
    assert "demo data added: billing" in out and "billing: 5 plans, 8 customers" in out
    tenant = Tenant.objects.get(slug="demo")
    with tenant_context(tenant):
        first = counts()
        assert set(Subscription.objects.values_list("status", flat=True)) == set(SubscriptionStatus.values)
        assert Subscription.objects.filter(
            cancel_at_period_end=True, status=SubscriptionStatus.ACTIVE
        ).exists()
        assert set(Invoice.objects.values_list("status", flat=True)) == set(InvoiceStatus.values)
        statuses = set(PaymentTransaction.objects.values_list("status", flat=True))
        assert {PaymentStatus.SUCCEEDED, PaymentStatus.FAILED, PaymentStatus.REFUNDED,
                PaymentStatus.PARTIALLY_REFUNDED} <= statuses  # fmt: skip
        assert {RefundStatus.SUCCEEDED, RefundStatus.REQUESTED} <= set(
            RefundRequest.objects.values_list("status", flat=True)
        )
        # A few months of history: invoices issued and paid over at least four months.
        months = {
            d.replace(day=1)
            for d in Invoice.objects.exclude(issue_date=None).values_list("issue_date", flat=True)
        }
        assert len(months) >= 4
        assert Plan.objects.filter(active=False).count() == 1
        assert Plan.objects.filter(currency="USD").exists()
        # Escrow for the marketplace demo's contracts.
        kinds = set(EscrowTransaction.objects.values_list("kind", flat=True))
        assert {EscrowKind.HOLD, EscrowKind.RELEASE, EscrowKind.REFUND, EscrowKind.FREEZE} <= kinds
        disputed = Contract.objects.get(status=ContractStatus.DISPUTED)
        assert escrow_balance(disputed.pk).frozen
        assert not EscrowTransaction.objects.filter(contract__status=ContractStatus.DRAFT).exists()
        assert Contract.objects.filter(status=ContractStatus.COMPLETED).count() == 5  # statuses kept
        for invoice in Invoice.objects.all():  # the model's rules hold
            assert invoice.total == invoice.subtotal + invoice.tax
            assert invoice.amount_due == invoice.total - invoice.amount_paid

    second = bootstrap()
    assert "nothing changed" in second and "billing:" not in second
    with tenant_context(tenant):
        assert counts() == first

    # The demo finance user runs billing: the lists, the dashboard cards and the escrow page.
    finance = User.objects.get(email="finance@demo.localhost")
    finance_client = login(client, finance, tenant)
    for model in ("invoice", "paymenttransaction", "subscription", "refundrequest", "escrowtransaction"):
        assert finance_client.get(f"/admin/billing/{model}/").status_code == 200
    assert finance_client.get("/admin/billing/contract-escrow/").status_code == 200
    cards = {kpi["title"]: kpi["value"] for kpi in finance_client.get("/admin/").context["kpis"]}
    assert cards["Open invoices"] > 0 and cards["Failed payments"] >= 0
    assert "€" in cards["Monthly recurring revenue"] and "$" in cards["Monthly recurring revenue"]
