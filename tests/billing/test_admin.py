"""The billing admins: constant-query changelists, filters and search, money with its currency,
forms that write through the services (subscriptions, invoices and their lines), the printable
invoice, the settings page, report downloads, the contract escrow page, and forged form posts
with another tenant's ids."""

import datetime
from decimal import Decimal

import pytest

from billing.models import (
    BillingSettings,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    Subscription,
    SubscriptionStatus,
)
from billing.services import invoices
from people.tenancy import tenant_context
from tests.billing.factories import (
    CustomerFactory,
    EscrowHoldFactory,
    FinancialReportFactory,
    GatewayEventFactory,
    InvoiceFactory,
    InvoiceLineFactory,
    PaymentFactory,
    PlanFactory,
    RefundFactory,
    SubscriptionFactory,
)
from tests.marketplace.conftest import in_tenant, refreshed

pytestmark = pytest.mark.django_db

ADMIN = "/admin/billing"
TODAY = datetime.date.today()


def listed(response):
    return {obj.pk for obj in response.context["cl"].result_list}


def text(response):
    return response.content.decode()


def a_full_ledger(n):
    for _ in range(n):
        subscription = SubscriptionFactory()
        invoice = InvoiceFactory(customer=subscription.customer, subscription=subscription)
        InvoiceLineFactory(invoice=invoice)
        RefundFactory(payment=PaymentFactory(invoice=invoice))
        EscrowHoldFactory()
        GatewayEventFactory()
        FinancialReportFactory()


@pytest.mark.parametrize("rows", [2, 20])
@pytest.mark.parametrize(
    "page",
    [
        "customer",
        "plan",
        "subscription",
        "invoice",
        "paymenttransaction",
        "refundrequest",
        "escrowtransaction",
        "gatewayevent",
        "financialreport",
        "billingsettings",
        "contract-escrow",
    ],
)
def test_pages_run_a_constant_number_of_queries(
    finance_client, tenant_a, rows, page, django_assert_max_num_queries
):
    in_tenant(tenant_a, a_full_ledger, rows)
    with django_assert_max_num_queries(16):
        assert finance_client.get(f"{ADMIN}/{page}/").status_code == 200


def test_invoice_filters_search_and_money_columns(finance_client, tenant_a):
    with tenant_context(tenant_a):
        ann = CustomerFactory(name="Ann Analytics", email="ann@analytics.example")
        late = InvoiceFactory(
            customer=ann, due_date=TODAY - datetime.timedelta(days=3), number="INV-2026-000001"
        )
        soon = InvoiceFactory(due_date=TODAY + datetime.timedelta(days=2), total=Decimal("1234.50"),
                              subtotal=Decimal("1234.50"), amount_due=Decimal("1234.50"))  # fmt: skip
        paid = InvoiceFactory(status=InvoiceStatus.PAID, due_date=TODAY - datetime.timedelta(days=30))
        draft = InvoiceFactory(status=InvoiceStatus.DRAFT, number="", issue_date=None, due_date=None)
    url = f"{ADMIN}/invoice/"
    assert listed(finance_client.get(url, {"due": "overdue"})) == {late.pk}
    assert listed(finance_client.get(url, {"due": "week"})) == {soon.pk}
    assert listed(finance_client.get(url, {"status__exact": "paid"})) == {paid.pk}
    assert listed(finance_client.get(url, {"customer__id__exact": ann.pk})) == {late.pk}
    assert listed(finance_client.get(url, {"q": "ann@analytics"})) == {late.pk}
    assert listed(finance_client.get(url, {"q": "000001"})) == {late.pk}
    page = text(finance_client.get(url))
    assert "€1,234.50" in page and f"Draft invoice #{draft.pk}" in page


def test_payment_changelist_counts_nothing_and_filters_by_status(finance_client, tenant_a):
    with tenant_context(tenant_a):
        ok = PaymentFactory()
        failed = PaymentFactory(status="failed", succeeded_at=None, amount=Decimal("12.00"), currency="USD")
    response = finance_client.get(f"{ADMIN}/paymenttransaction/", {"status__exact": "failed"})
    assert listed(response) == {failed.pk}
    assert response.context["cl"].show_full_result_count is False
    assert "US$12.00" in text(response) or "$12.00" in text(response)
    assert ok.pk not in listed(response)


def test_subscriptions_start_through_the_service(finance_client, tenant_a, tenant_b):
    with tenant_context(tenant_b):
        foreign = CustomerFactory()
    with tenant_context(tenant_a):
        customer = CustomerFactory()
        trial = PlanFactory(name="Trial plan", trial_days=14)
        team = PlanFactory(name="Team")
        retired = PlanFactory(name="Retired", active=False)
    url = f"{ADMIN}/subscription/add/"
    start = TODAY.isoformat()
    response = finance_client.post(
        url, {"customer": foreign.pk, "plan": team.pk, "current_period_start": start}
    )
    assert "Select a valid choice" in str(response.context["adminform"].form.errors["customer"])
    response = finance_client.post(url, {"customer": customer.pk, "plan": retired.pk})
    assert "takes no new subscribers" in str(response.context["adminform"].form.errors["plan"])
    assert finance_client.post(url, {"customer": customer.pk, "plan": trial.pk}).status_code == 302
    assert (
        finance_client.post(
            url, {"customer": customer.pk, "plan": team.pk, "current_period_start": start}
        ).status_code
        == 302
    )
    with tenant_context(tenant_a):
        statuses = dict(Subscription.objects.values_list("plan__name", "status"))
        assert statuses == {"Trial plan": SubscriptionStatus.TRIALING, "Team": SubscriptionStatus.ACTIVE}
        assert Invoice.objects.get().status == InvoiceStatus.OPEN  # the first period's invoice
    with tenant_context(tenant_b):
        assert not Subscription.objects.exists()


def test_a_subscription_changes_only_through_its_steps(finance_client, tenant_a):
    subscription = in_tenant(tenant_a, SubscriptionFactory)
    response = finance_client.post(f"{ADMIN}/subscription/{subscription.pk}/change/", {"status": "canceled"})
    assert response.status_code == 403
    assert refreshed(tenant_a, subscription).status == SubscriptionStatus.ACTIVE


def lines_post(invoice, rows, existing=()):
    data = {
        "due_date": "",
        "notes": "",
        "lines-TOTAL_FORMS": str(len(existing) + len(rows)),
        "lines-INITIAL_FORMS": str(len(existing)),
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "1000",
        "payments-TOTAL_FORMS": "0",
        "payments-INITIAL_FORMS": "0",
    }
    for index, row in enumerate([*existing, *rows]):
        for key, value in row.items():
            data[f"lines-{index}-{key}"] = value
        data[f"lines-{index}-invoice"] = invoice.pk
    return data


def test_a_draft_is_added_then_its_lines_edited_inline(finance_client, tenant_a):
    with tenant_context(tenant_a):
        settings = BillingSettings.current()
        settings.tax_rate = Decimal("19")
        settings.save()
        customer = CustomerFactory()
        usd_plan = PlanFactory(currency="USD")
    response = finance_client.post(f"{ADMIN}/invoice/add/", {"customer": customer.pk, "currency": "eur"})
    with tenant_context(tenant_a):
        invoice = Invoice.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/invoice/{invoice.pk}/change/")
    assert (invoice.status, invoice.currency, invoice.tax_rate) == (InvoiceStatus.DRAFT, "EUR", Decimal("19"))
    change = f"{ADMIN}/invoice/{invoice.pk}/change/"

    rows = [
        {"description": "Consulting", "quantity": "2", "unit_price": "100.00"},
        {"description": "Discount", "quantity": "1", "unit_price": "-50.00"},
    ]
    assert finance_client.post(change, lines_post(invoice, rows)).status_code == 302
    invoice = refreshed(tenant_a, invoice)
    assert (invoice.subtotal, invoice.tax, invoice.total) == (
        Decimal("150.00"),
        Decimal("28.50"),
        Decimal("178.50"),
    )

    # A plan in another currency is refused on its line; nothing is written.
    response = finance_client.post(
        change,
        lines_post(
            invoice, [{"description": "US plan", "quantity": "1", "unit_price": "10", "plan": usd_plan.pk}]
        ),
    )
    assert response.status_code == 200 and "never mixes currencies" in text(response)
    assert refreshed(tenant_a, invoice).subtotal == Decimal("150.00")

    # Change one line and remove the other.
    with tenant_context(tenant_a):
        consulting, discount = InvoiceLine.objects.filter(invoice=invoice).order_by("position")
    existing = [
        {"id": consulting.pk, "description": "Consulting", "quantity": "3", "unit_price": "100.00"},
        {
            "id": discount.pk,
            "description": "Discount",
            "quantity": "1",
            "unit_price": "-50.00",
            "DELETE": "on",
        },
    ]
    assert finance_client.post(change, lines_post(invoice, [], existing)).status_code == 302
    with tenant_context(tenant_a):
        assert list(InvoiceLine.objects.values_list("description", "amount")) == [
            ("Consulting", Decimal("300.00"))
        ]
        assert Invoice.objects.get().total == Decimal("357.00")


def test_an_issued_invoice_is_read_only(finance_client, tenant_a):
    with tenant_context(tenant_a):
        invoice = InvoiceFactory()
        InvoiceLineFactory(invoice=invoice)
    assert finance_client.post(f"{ADMIN}/invoice/{invoice.pk}/change/", {"notes": "x"}).status_code == 403
    page = text(finance_client.get(f"{ADMIN}/invoice/{invoice.pk}/change/"))
    assert "lines-TOTAL_FORMS" not in page or 'name="lines-0-description"' not in page


def test_a_forged_line_on_another_tenants_invoice_is_refused(finance_client, tenant_a, tenant_b):
    with tenant_context(tenant_b):
        foreign = InvoiceFactory(status=InvoiceStatus.DRAFT, number="", issue_date=None, due_date=None)
    data = lines_post(foreign, [{"description": "Sneaky", "quantity": "1", "unit_price": "1"}])
    assert finance_client.post(f"{ADMIN}/invoice/{foreign.pk}/change/", data).status_code == 404
    with tenant_context(tenant_b):
        assert not InvoiceLine.objects.exists()


def test_the_printable_invoice(finance_client, tenant_a, tenant_b):
    with tenant_context(tenant_a):
        invoice = invoices.create_invoice(
            customer_id=CustomerFactory(name="Grace Ltd", tax_id="GB999").pk,
            currency="EUR",
            lines=[{"description": "Audit", "quantity": 2, "unit_price": "1200.00"}],
            issue=True,
        )
    page = finance_client.get(f"{ADMIN}/invoice/{invoice.pk}/print/")
    assert page.status_code == 200
    body = text(page)
    assert invoice.number in body and "Grace Ltd" in body and "GB999" in body and "€2,400.00" in body
    assert "@media print" in body and "Tenant A" in body
    with tenant_context(tenant_b):
        foreign = InvoiceFactory()
    assert finance_client.get(f"{ADMIN}/invoice/{foreign.pk}/print/").status_code == 404


def test_the_settings_page_is_the_tenants_one_row(finance_client, tenant_a, tenant_b):
    response = finance_client.get(f"{ADMIN}/billingsettings/")
    with tenant_context(tenant_a):
        settings = BillingSettings.objects.get()
    assert listed(response) == {settings.pk}
    assert finance_client.get(f"{ADMIN}/billingsettings/add/").status_code == 403
    data = {"gateway": "manual", "dunning_grace_days": "10", "invoice_prefix": "ACME", "payment_terms_days": "30",
            "tax_rate": "19", "escrow_hold_days": "7"}  # fmt: skip
    assert finance_client.post(f"{ADMIN}/billingsettings/{settings.pk}/change/", data).status_code == 302
    assert refreshed(tenant_a, settings).invoice_prefix == "ACME"
    response = finance_client.post(
        f"{ADMIN}/billingsettings/{settings.pk}/change/", {**data, "invoice_prefix": "a-1"}
    )
    assert "capital letters" in str(response.context["adminform"].form.errors["invoice_prefix"])
    with tenant_context(tenant_b):
        assert not BillingSettings.objects.exists()


def test_reports_download_through_the_scoped_view_only(finance_client, viewer_client, tenant_a, tenant_b):
    own = in_tenant(tenant_a, FinancialReportFactory)
    foreign = in_tenant(tenant_b, FinancialReportFactory)
    response = finance_client.get(f"{ADMIN}/financialreport/{own.pk}/download/")
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"PK-test-workbook"
    assert "attachment" in response["Content-Disposition"] and "no-cache" in response["Cache-Control"]
    assert finance_client.get(f"{ADMIN}/financialreport/{foreign.pk}/download/").status_code == 404
    page = text(finance_client.get(f"{ADMIN}/financialreport/{own.pk}/change/"))
    assert f"/financialreport/{own.pk}/download/" in page and own.file.url not in page


def test_the_contract_escrow_page_lists_balances_and_steps(finance_client, tenant_a, tenant_b):
    from tests.marketplace.factories import ContractFactory

    with tenant_context(tenant_a):
        held = EscrowHoldFactory(contract__status="delivered", contract__title="Held one")
        waiting = ContractFactory(status="active", title="Waiting one")
    with tenant_context(tenant_b):
        EscrowHoldFactory(contract__title="Foreign one")
    page = text(finance_client.get(f"{ADMIN}/contract-escrow/"))
    assert "Held one" in page and "€4,800.00" in page and "Foreign one" not in page
    assert f"/contract-escrow/{held.contract_id}/release/" in page and "Waiting one" not in page
    page = text(finance_client.get(f"{ADMIN}/contract-escrow/", {"show": "to-fund"}))
    assert f"/contract-escrow/{waiting.pk}/fund/" in page and "Held one" not in page
    page = text(finance_client.get(f"{ADMIN}/contract-escrow/", {"show": "all", "q": "waiting"}))
    assert "Waiting one" in page and "Held one" not in page


def test_a_viewer_reads_billing_but_changes_nothing(viewer_client, tenant_a):
    invoice = in_tenant(tenant_a, InvoiceFactory)
    assert viewer_client.get(f"{ADMIN}/invoice/").status_code == 200
    assert viewer_client.get(f"{ADMIN}/invoice/add/").status_code == 403
    assert viewer_client.get(f"{ADMIN}/invoice/{invoice.pk}/print/").status_code == 200
    page = text(viewer_client.get(f"{ADMIN}/contract-escrow/"))
    assert "/fund/" not in page


def test_the_sidebar_lists_billing_and_the_escrow_page_for_finance_only(finance_client, tenant_a):
    from django.test import Client

    from people.roles import Role
    from tests.conftest import login, make_member

    page = text(finance_client.get("/admin/"))
    assert "Contract escrow" in page and "/admin/billing/contract-escrow/" in page
    assert "/admin/billing/invoice/" in page and "/admin/billing/billingsettings/" in page
    recruiter = make_member(tenant_a, Role.RECRUITER, email="recruiter@tenant-a.test")
    page = text(login(Client(), recruiter, tenant_a).get("/admin/"))
    assert "/admin/billing/" not in page
    assert login(Client(), recruiter, tenant_a).get(f"{ADMIN}/contract-escrow/").status_code == 403


def test_only_a_draft_is_deleted_and_never_in_bulk(finance_client, tenant_a):
    with tenant_context(tenant_a):
        issued_one = InvoiceFactory()
        draft = InvoiceFactory(status=InvoiceStatus.DRAFT, number="", issue_date=None, due_date=None)
    assert finance_client.get(f"{ADMIN}/invoice/{issued_one.pk}/delete/").status_code == 403
    response = finance_client.post(
        f"{ADMIN}/invoice/", {"action": "delete_selected", "_selected_action": [issued_one.pk]}
    )
    assert refreshed(tenant_a, issued_one).pk and response.status_code in (200, 302)
    finance_client.post(f"{ADMIN}/invoice/{draft.pk}/delete/", {"post": "yes"})
    with tenant_context(tenant_a):
        assert list(Invoice.objects.values_list("pk", flat=True)) == [issued_one.pk]
