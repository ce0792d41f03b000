"""The billing workflow actions in the admin: each step's allowed and refused paths through the
confirmation pages (GET changes nothing), bulk actions, role checks, another tenant's ids (404)
and forged step posts."""

import datetime
from decimal import Decimal

import pytest
from django.test import Client

from billing.models import (
    BillingSettings,
    EscrowKind,
    EscrowTransaction,
    EventStatus,
    FinancialReport,
    Invoice,
    InvoiceStatus,
    PaymentStatus,
    PaymentTransaction,
    RefundRequest,
    RefundStatus,
    Subscription,
    SubscriptionStatus,
)
from billing.services import invoices
from billing.services.escrow import escrow_balance
from people.tenancy import tenant_context
from tests.billing.factories import (
    CustomerFactory,
    EscrowHoldFactory,
    FinancialReportFactory,
    GatewayEventFactory,
    InvoiceFactory,
    InvoiceLineFactory,
    PaymentFactory,
    RefundFactory,
    SubscriptionFactory,
)
from tests.conftest import login
from tests.marketplace.conftest import in_tenant, refreshed
from tests.marketplace.factories import ContractFactory

pytestmark = pytest.mark.django_db

ADMIN = "/admin/billing"
INVOICES, SUBSCRIPTIONS = f"{ADMIN}/invoice/", f"{ADMIN}/subscription/"
PAYMENTS, REFUNDS = f"{ADMIN}/paymenttransaction/", f"{ADMIN}/refundrequest/"
EVENTS, REPORTS, ESCROW = f"{ADMIN}/gatewayevent/", f"{ADMIN}/financialreport/", f"{ADMIN}/contract-escrow/"
I, S = InvoiceStatus, SubscriptionStatus  # noqa: E741
TODAY = datetime.date.today()


@pytest.fixture
def owner_client(tenant_a, user_a):
    return login(Client(), user_a, tenant_a)


def text(response):
    return response.content.decode()


def draft(**lines):
    invoice = InvoiceFactory(status=I.DRAFT, number="", issue_date=None, due_date=None, subtotal=0, total=0,
                             amount_due=0)  # fmt: skip
    if lines:
        InvoiceLineFactory(invoice=invoice, **lines)
    return invoice


def issued(amount="100.00"):
    customer = CustomerFactory()
    lines = [{"description": "Work", "quantity": 1, "unit_price": amount}]
    return invoices.create_invoice(customer_id=customer.pk, currency="EUR", lines=lines, issue=True)


# --- invoices ------------------------------------------------------------------------------------
def test_issue_is_get_safe_then_numbers_the_draft(finance_client, tenant_a):
    invoice = in_tenant(tenant_a, draft, unit_price=Decimal("80.00"), amount=Decimal("80.00"))
    page = finance_client.get(f"{INVOICES}{invoice.pk}/issue/")
    assert page.status_code == 200 and "next number of the year" in text(page)
    assert refreshed(tenant_a, invoice).status == I.DRAFT
    response = finance_client.post(f"{INVOICES}{invoice.pk}/issue/", follow=True)
    invoice = refreshed(tenant_a, invoice)
    assert invoice.status == I.OPEN and invoice.number.startswith(f"INV-{TODAY.year}-")
    assert f"Issued as {invoice.number}" in text(response)
    change = text(finance_client.get(f"{INVOICES}{invoice.pk}/change/"))
    assert f"{INVOICES}{invoice.pk}/mark-paid/" in change and f"{INVOICES}{invoice.pk}/issue/" not in change


def test_issue_refused_without_lines(finance_client, tenant_a):
    invoice = in_tenant(tenant_a, draft)
    response = finance_client.post(f"{INVOICES}{invoice.pk}/issue/", follow=True)
    assert "Add at least one line" in text(response)
    assert refreshed(tenant_a, invoice).status == I.DRAFT


def test_mark_paid_needs_a_reference_and_a_past_date(finance_client, tenant_a):
    invoice = in_tenant(tenant_a, issued)
    url = f"{INVOICES}{invoice.pk}/mark-paid/"
    response = finance_client.post(url, {"reference": ""})
    assert "reference" in response.context["form"].errors
    tomorrow = (TODAY + datetime.timedelta(days=2)).isoformat()
    response = finance_client.post(url, {"reference": "SEPA-1", "paid_on": tomorrow})
    assert "cannot be in the future" in str(response.context["form"].errors["paid_on"])
    assert refreshed(tenant_a, invoice).status == I.OPEN
    response = finance_client.post(url, {"reference": "SEPA-1", "paid_on": TODAY.isoformat()}, follow=True)
    assert f"{invoice}: paid." in text(response)
    invoice = refreshed(tenant_a, invoice)
    assert (invoice.status, invoice.amount_due) == (I.PAID, Decimal("0.00"))
    with tenant_context(tenant_a):
        assert invoice.payments.get().gateway_reference == "SEPA-1"


def test_void_needs_a_reason_and_is_refused_once_paid(finance_client, tenant_a):
    with tenant_context(tenant_a):
        open_one, paid_one = issued(), issued()
        invoices.mark_invoice_paid(invoice_id=paid_one.pk, reference="BANK-9")
    response = finance_client.post(f"{INVOICES}{open_one.pk}/void/", {"reason": " "})
    assert "reason" in response.context["form"].errors
    finance_client.post(f"{INVOICES}{open_one.pk}/void/", {"reason": "Billed twice"})
    open_one = refreshed(tenant_a, open_one)
    assert (open_one.status, open_one.void_reason) == (I.VOID, "Billed twice")
    response = finance_client.post(f"{INVOICES}{paid_one.pk}/void/", {"reason": "Mistake"})
    assert response.status_code == 200 and "still kept; refund the payments first" in str(
        response.context["form"].non_field_errors()
    )
    assert refreshed(tenant_a, paid_one).status == I.PAID


def test_write_off_then_pay_later(finance_client, tenant_a):
    invoice = in_tenant(tenant_a, issued)
    finance_client.post(f"{INVOICES}{invoice.pk}/write-off/")
    assert refreshed(tenant_a, invoice).status == I.UNCOLLECTIBLE
    response = finance_client.post(f"{INVOICES}{invoice.pk}/write-off/", follow=True)
    assert "you can write off only an invoice that is open" in text(response)
    finance_client.post(f"{INVOICES}{invoice.pk}/mark-paid/", {"reference": "LATE-1"})
    assert refreshed(tenant_a, invoice).status == I.PAID


def test_bulk_issue_reports_each_refusal(finance_client, tenant_a):
    with tenant_context(tenant_a):
        ready = draft(unit_price=Decimal("10.00"), amount=Decimal("10.00"))
        empty = draft()
    response = finance_client.post(INVOICES, {"action": "issue_selected", "_selected_action": [ready.pk, empty.pk]},
                                   follow=True)  # fmt: skip
    assert "Add at least one line" in text(response) and "done for 1 invoice" in text(response)
    assert (refreshed(tenant_a, ready).status, refreshed(tenant_a, empty).status) == (I.OPEN, I.DRAFT)


def test_bulk_void_asks_for_the_reason_once(finance_client, tenant_a):
    with tenant_context(tenant_a):
        first, second = issued(), issued()
    data = {"action": "void_selected", "_selected_action": [first.pk, second.pk]}
    response = finance_client.post(INVOICES, data)
    assert response.status_code == 200 and "reason" in response.context["form"].fields
    assert refreshed(tenant_a, first).status == I.OPEN
    finance_client.post(INVOICES, {**data, "post": "yes", "reason": "Customer closed"})
    assert {refreshed(tenant_a, inv).status for inv in (first, second)} == {I.VOID}


# --- subscriptions -------------------------------------------------------------------------------
def test_cancel_at_period_end_then_resume_then_cancel_now(finance_client, tenant_a):
    subscription = in_tenant(tenant_a, SubscriptionFactory)
    url = f"{SUBSCRIPTIONS}{subscription.pk}/"
    assert f"{url}resume/" not in text(finance_client.get(f"{url}change/"))
    response = finance_client.post(f"{url}resume/", follow=True)
    assert "Only a subscription set to cancel at its period" in text(response)
    response = finance_client.post(f"{url}cancel/", {"when": "period_end", "reason": ""}, follow=True)
    assert "ends on" in text(response)
    subscription = refreshed(tenant_a, subscription)
    assert (subscription.status, subscription.cancel_at_period_end) == (S.ACTIVE, True)
    finance_client.post(f"{url}resume/")
    assert refreshed(tenant_a, subscription).cancel_at_period_end is False
    finance_client.post(f"{url}cancel/", {"when": "now", "reason": "Closed the account"})
    subscription = refreshed(tenant_a, subscription)
    assert (subscription.status, subscription.cancellation_reason) == (S.CANCELED, "Closed the account")
    response = finance_client.post(f"{url}cancel/", {"when": "now"})
    assert "already canceled" in str(response.context["form"].non_field_errors())


def test_bulk_cancel_subscriptions(finance_client, tenant_a):
    with tenant_context(tenant_a):
        first, second = SubscriptionFactory(), SubscriptionFactory()
    data = {"action": "cancel_selected", "_selected_action": [first.pk, second.pk]}
    assert "when" in finance_client.post(SUBSCRIPTIONS, data).context["form"].fields
    finance_client.post(SUBSCRIPTIONS, {**data, "post": "yes", "when": "now", "reason": "Bankrupt"})
    with tenant_context(tenant_a):
        assert set(Subscription.objects.values_list("status", flat=True)) == {S.CANCELED}


# --- payments and refunds ------------------------------------------------------------------------
def test_retry_is_refused_for_a_manual_payment(finance_client, tenant_a):
    payment = in_tenant(tenant_a, PaymentFactory, status=PaymentStatus.FAILED, succeeded_at=None)
    response = finance_client.post(f"{PAYMENTS}{payment.pk}/retry/", follow=True)
    assert "A manual payment cannot be charged" in text(response)
    assert refreshed(tenant_a, payment).status == PaymentStatus.FAILED


def test_retry_charges_a_failed_card_payment(finance_client, tenant_a, stripe_api):
    with tenant_context(tenant_a):
        BillingSettings.objects.update_or_create(tenant=tenant_a, defaults={"gateway": "stripe"})
        invoice = issued()  # on a card gateway, issuing queued its payment
        payment = PaymentTransaction.objects.get(
            invoice=invoice, idempotency_key=f"invoice-{invoice.pk}-charge"
        )
        PaymentTransaction.objects.filter(pk=payment.pk).update(status=PaymentStatus.FAILED, attempt_count=1)
    response = finance_client.post(f"{PAYMENTS}{payment.pk}/retry/", follow=True)
    assert "retried, now succeeded" in text(response)
    assert refreshed(tenant_a, invoice).status == I.PAID


def test_refund_in_part_then_the_rest_and_never_more(finance_client, tenant_a):
    payment = in_tenant(tenant_a, PaymentFactory)  # 100.00 EUR
    url = f"{PAYMENTS}{payment.pk}/refund/"
    form = finance_client.get(url).context["form"]
    assert form.fields["amount"].initial == Decimal("100.00")
    response = finance_client.post(url, {"amount": "150.00", "reason": "Goodwill"})
    assert "At most €100.00" in str(response.context["form"].errors["amount"])
    response = finance_client.post(url, {"amount": "40.00", "reason": ""})
    assert "reason" in response.context["form"].errors
    response = finance_client.post(url, {"amount": "40.00", "reason": "Outage credit"}, follow=True)
    assert "requested; approve it" in text(response)
    finance_client.post(url, {"amount": "60.00", "reason": "Cancelled the rest"})
    with tenant_context(tenant_a):
        assert sorted(RefundRequest.objects.values_list("amount", flat=True)) == [
            Decimal("40.00"),
            Decimal("60.00"),
        ]
    response = finance_client.post(url, {"amount": "1.00", "reason": "More"}, follow=True)
    assert "Nothing of this payment is left to refund" in text(response)


def test_refund_is_refused_for_a_failed_payment(finance_client, tenant_a):
    payment = in_tenant(tenant_a, PaymentFactory, status=PaymentStatus.FAILED, succeeded_at=None)
    response = finance_client.post(f"{PAYMENTS}{payment.pk}/refund/", {"amount": "10", "reason": "x"})
    assert "nothing to refund" in str(response.context["form"].non_field_errors())


def test_a_refund_is_approved_by_someone_else_than_who_asked(finance_client, owner_client, tenant_a, finance):
    refund = in_tenant(tenant_a, RefundFactory, requested_by=finance)
    response = finance_client.post(f"{REFUNDS}{refund.pk}/approve/", follow=True)
    assert "another finance user or an owner must approve it" in text(response)
    assert refreshed(tenant_a, refund).status == RefundStatus.REQUESTED
    response = owner_client.post(f"{REFUNDS}{refund.pk}/approve/", follow=True)
    assert "approved. The next refunds run (within 15 minutes)" in text(response)
    assert refreshed(tenant_a, refund).status == RefundStatus.APPROVED
    response = owner_client.post(f"{REFUNDS}{refund.pk}/approve/", follow=True)
    assert "you can approve only a refund that is requested" in text(response)


def test_reject_a_refund_with_a_reason(owner_client, tenant_a, finance):
    refund = in_tenant(tenant_a, RefundFactory, requested_by=finance)
    response = owner_client.post(f"{REFUNDS}{refund.pk}/reject/", {"reason": ""})
    assert "reason" in response.context["form"].errors
    owner_client.post(f"{REFUNDS}{refund.pk}/reject/", {"reason": "Not covered by the contract"})
    refund = refreshed(tenant_a, refund)
    assert (refund.status, refund.rejection_reason) == (RefundStatus.REJECTED, "Not covered by the contract")


def test_bulk_approve_refunds(owner_client, tenant_a, finance):
    with tenant_context(tenant_a):
        first, second = RefundFactory(requested_by=finance), RefundFactory(requested_by=finance)
    owner_client.post(REFUNDS, {"action": "approve_selected", "_selected_action": [first.pk, second.pk]})
    assert {refreshed(tenant_a, r).status for r in (first, second)} == {RefundStatus.APPROVED}


# --- escrow --------------------------------------------------------------------------------------
def test_fund_a_contract_then_release_it(finance_client, tenant_a):
    contract = in_tenant(tenant_a, ContractFactory, status="active")
    url = f"{ESCROW}{contract.pk}/"
    page = finance_client.get(f"{url}fund/")
    assert page.status_code == 200 and "held in escrow" in text(page)
    response = finance_client.post(f"{url}fund/", {"reference": ""})
    assert "reference" in response.context["form"].errors
    response = finance_client.post(f"{url}fund/", {"reference": "WIRE-7"}, follow=True)
    assert "€4,800.00 held in escrow" in text(response) and response.redirect_chain[-1][0].endswith(ESCROW)
    response = finance_client.post(f"{url}release/", {"note": ""})
    assert "escrow is released once the work is delivered" in str(response.context["form"].non_field_errors())
    with tenant_context(tenant_a):
        type(contract).objects.filter(pk=contract.pk).update(status="delivered")
    finance_client.post(f"{url}release/", {"note": "Accepted"})
    with tenant_context(tenant_a):
        assert escrow_balance(contract.pk).held == 0
        assert (
            EscrowTransaction.objects.filter(kind=EscrowKind.RELEASE).get().created_by.email
            == "finance@tenant-a.test"
        )


def test_freeze_unfreeze_and_refund_to_the_client(finance_client, tenant_a):
    hold = in_tenant(tenant_a, EscrowHoldFactory, contract__status="cancelled")
    url = f"{ESCROW}{hold.contract_id}/"
    finance_client.post(f"{url}freeze/", {"note": "Client complains"})
    response = finance_client.post(f"{url}freeze/", {"note": ""})
    assert "already frozen" in str(response.context["form"].non_field_errors())
    response = finance_client.post(f"{url}refund/", {"reason": "Cancelled"})
    assert "frozen by a dispute" in str(response.context["form"].non_field_errors())
    finance_client.post(f"{url}unfreeze/", {"note": ""})
    response = finance_client.post(f"{url}refund/", {"reason": ""})
    assert "reason" in response.context["form"].errors
    finance_client.post(f"{url}refund/", {"reason": "Cancelled before work started"})
    with tenant_context(tenant_a):
        assert escrow_balance(hold.contract_id).held == 0
        assert EscrowTransaction.objects.filter(kind=EscrowKind.REFUND).exists()


def test_fund_refused_for_a_cancelled_contract_and_unknown_steps(finance_client, tenant_a):
    contract = in_tenant(tenant_a, ContractFactory, status="cancelled")
    response = finance_client.post(f"{ESCROW}{contract.pk}/fund/", {"reference": "WIRE-1"})
    assert "only a draft, active or delivered contract can be funded" in str(
        response.context["form"].non_field_errors()
    )
    assert finance_client.get(f"{ESCROW}{contract.pk}/explode/").status_code == 404
    with tenant_context(tenant_a):
        assert not EscrowTransaction.objects.exists()


# --- gateway events and reports --------------------------------------------------------------------
def test_replay_a_gateway_event(finance_client, tenant_a):
    event = in_tenant(tenant_a, GatewayEventFactory, event_type="customer.created", attempts=1)
    page = finance_client.get(f"{EVENTS}{event.pk}/replay/")
    assert page.status_code == 200 and refreshed(tenant_a, event).attempts == 1
    response = finance_client.post(f"{EVENTS}{event.pk}/replay/", follow=True)
    event = refreshed(tenant_a, event)
    assert (event.status, event.attempts) == (EventStatus.IGNORED, 2)
    assert "Billing does not use customer.created events" in text(response)


def test_generate_a_report_now(finance_client, tenant_a):
    url = f"{REPORTS}generate/"
    page = finance_client.get(url)
    assert page.status_code == 200 and "kind" in page.context["form"].fields
    response = finance_client.post(url, {"kind": "daily", "period_start": TODAY.isoformat()})
    assert "has not ended yet" in str(response.context["form"].non_field_errors())
    yesterday = (TODAY - datetime.timedelta(days=2)).isoformat()
    response = finance_client.post(url, {"kind": "daily", "period_start": yesterday}, follow=True)
    assert "ready to download" in text(response)
    with tenant_context(tenant_a):
        report = FinancialReport.objects.get()
    download = finance_client.get(f"{REPORTS}{report.pk}/download/")
    assert b"".join(download.streaming_content)[:2] == b"PK"  # an xlsx (zip) file


# --- roles and tenants ---------------------------------------------------------------------------
def test_a_viewer_cannot_run_steps(viewer_client, tenant_a):
    invoice = in_tenant(tenant_a, issued)
    assert viewer_client.get(f"{INVOICES}{invoice.pk}/void/").status_code == 403
    assert viewer_client.post(f"{INVOICES}{invoice.pk}/void/", {"reason": "x"}).status_code == 403
    contract = in_tenant(tenant_a, ContractFactory, status="active")
    assert viewer_client.post(f"{ESCROW}{contract.pk}/fund/", {"reference": "x"}).status_code == 403
    assert viewer_client.get(f"{REPORTS}generate/").status_code == 403
    assert refreshed(tenant_a, invoice).status == I.OPEN


FOREIGN_STEPS = [
    (issued, INVOICES, ["issue", "mark-paid", "write-off", "void", "print"]),
    (SubscriptionFactory, SUBSCRIPTIONS, ["cancel", "resume"]),
    (PaymentFactory, PAYMENTS, ["retry", "refund"]),
    (RefundFactory, REFUNDS, ["approve", "reject"]),
    (GatewayEventFactory, EVENTS, ["replay"]),
    (FinancialReportFactory, REPORTS, ["download"]),
    (lambda: ContractFactory(status="active"), ESCROW, ["fund", "release", "refund", "freeze", "unfreeze"]),
]


@pytest.mark.parametrize(
    "factory, base, path",
    [(factory, base, path) for factory, base, paths in FOREIGN_STEPS for path in paths],
    ids=lambda value: value if isinstance(value, str) else getattr(value, "__name__", None),
)
def test_another_tenants_record_answers_404_on_every_step(finance_client, tenant_b, factory, base, path):
    foreign = in_tenant(tenant_b, factory)

    def written():
        return (
            type(foreign).history.count(),
            EscrowTransaction.objects.count(),
            RefundRequest.objects.count(),
            FinancialReport.objects.count(),
        )

    before = in_tenant(tenant_b, written)
    data = {"reason": "x", "reference": "x", "amount": "1", "when": "now", "note": "x"}
    assert finance_client.get(f"{base}{foreign.pk}/{path}/").status_code == 404
    assert finance_client.post(f"{base}{foreign.pk}/{path}/", data).status_code == 404
    assert in_tenant(tenant_b, written) == before


def test_a_bulk_action_with_another_tenants_id_touches_nothing(finance_client, tenant_a, tenant_b):
    foreign = in_tenant(tenant_b, issued)
    finance_client.post(INVOICES, {"action": "write_off_selected", "_selected_action": [foreign.pk]})
    assert refreshed(tenant_b, foreign).status == I.OPEN
    with tenant_context(tenant_b):
        assert Invoice.objects.get().status == I.OPEN
