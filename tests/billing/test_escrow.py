from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from billing.models import EscrowKind, EscrowTransaction, PaymentTransaction, RefundRequest
from billing.services import escrow
from billing.services.errors import BillingError
from marketplace.models import ContractStatus
from people.tenancy import tenant_context
from tests.marketplace.factories import ContractFactory

pytestmark = pytest.mark.django_db
C = ContractStatus


def funded(status=C.ACTIVE, **kwargs):
    contract = ContractFactory(status=C.ACTIVE, amount=Decimal("4800.00"), **kwargs)
    escrow.fund_contract(contract_id=contract.pk, reference="SEPA-1")
    if status != C.ACTIVE:
        type(contract).objects.filter(pk=contract.pk).update(status=status)
        contract.refresh_from_db()
    return contract


def kinds(contract):
    return list(EscrowTransaction.objects.filter(contract=contract).values_list("kind", flat=True))


def test_funding_holds_the_contracts_amount_once(in_a):
    contract = funded()
    again = escrow.fund_contract(contract_id=contract.pk, reference="SEPA-1")
    assert kinds(contract) == [EscrowKind.HOLD] and again.kind == EscrowKind.HOLD
    balance = escrow.escrow_balance(contract.pk)
    assert (balance.held, balance.currency, balance.frozen) == (Decimal("4800.00"), "EUR", False)
    payment = PaymentTransaction.objects.get(contract=contract)
    assert (payment.status, payment.amount, payment.idempotency_key) == (
        "succeeded",
        Decimal("4800.00"),
        f"contract-{contract.pk}-funding",
    )


def test_funding_is_refused_for_closed_contracts_and_without_a_reference(in_a):
    with pytest.raises(BillingError, match="only a draft, active or delivered"):
        escrow.fund_contract(contract_id=ContractFactory(status=C.COMPLETED).pk, reference="X")
    with pytest.raises(BillingError, match="reference"):
        escrow.fund_contract(contract_id=ContractFactory(status=C.ACTIVE).pk, reference="")


def test_release_needs_delivered_or_completed_and_happens_once(in_a):
    contract = funded()
    with pytest.raises(BillingError, match="released once the work is delivered"):
        escrow.release_escrow(contract_id=contract.pk)
    type(contract).objects.filter(pk=contract.pk).update(status=C.COMPLETED)
    first = escrow.release_escrow(contract_id=contract.pk)
    second = escrow.release_escrow(contract_id=contract.pk)
    assert first.pk == second.pk and first.amount == Decimal("4800.00")
    assert escrow.escrow_balance(contract.pk).held == 0


def test_refund_needs_a_cancelled_contract_and_returns_the_money_through_a_refund(in_a, user_a):
    contract = funded()
    with pytest.raises(BillingError, match="cancel it before refunding"):
        escrow.refund_escrow(contract_id=contract.pk, reason="Client left")
    type(contract).objects.filter(pk=contract.pk).update(status=C.CANCELLED)
    with pytest.raises(BillingError, match="Say why"):
        escrow.refund_escrow(contract_id=contract.pk, reason=" ")
    escrow.refund_escrow(contract_id=contract.pk, reason="Client left", by=user_a)
    refund = RefundRequest.objects.get()
    assert (refund.amount, refund.status, refund.approved_by, refund.payment.contract_id) == (
        Decimal("4800.00"),
        "approved",
        user_a,
        contract.pk,
    )
    assert escrow.escrow_balance(contract.pk).held == 0


def test_a_frozen_escrow_is_neither_released_nor_refunded(in_a):
    contract = funded(status=C.COMPLETED)
    escrow.freeze_escrow(contract_id=contract.pk)
    assert escrow.escrow_balance(contract.pk).frozen
    with pytest.raises(BillingError, match="frozen by a dispute"):
        escrow.release_escrow(contract_id=contract.pk)
    escrow.unfreeze_escrow(contract_id=contract.pk)
    assert escrow.release_escrow(contract_id=contract.pk).kind == EscrowKind.RELEASE


def test_the_schedule_settles_each_contract_by_its_status_and_a_second_run_does_nothing(in_a):
    completed = funded(status=C.COMPLETED)
    cancelled = funded(status=C.CANCELLED)
    disputed = funded(status=C.DISPUTED)
    long_delivered = funded(status=C.DELIVERED, delivered_at=timezone.now() - timedelta(days=15))
    recently_delivered = funded(status=C.DELIVERED, delivered_at=timezone.now() - timedelta(days=2))
    active = funded()
    counts = escrow.process_escrow_transactions()
    assert counts == {"frozen": 1, "unfrozen": 0, "released": 2, "refunded": 1, "errors": 0}
    assert escrow.process_escrow_transactions() == {
        "frozen": 0,
        "unfrozen": 0,
        "released": 0,
        "refunded": 0,
        "errors": 0,
    }
    assert kinds(completed)[-1] == kinds(long_delivered)[-1] == EscrowKind.RELEASE
    assert kinds(cancelled)[-1] == EscrowKind.REFUND
    assert kinds(disputed)[-1] == EscrowKind.FREEZE
    assert kinds(recently_delivered) == kinds(active) == [EscrowKind.HOLD]


def test_a_resolved_dispute_is_unfrozen_then_released(in_a):
    contract = funded(status=C.DISPUTED)
    escrow.process_escrow_transactions()
    type(contract).objects.filter(pk=contract.pk).update(status=C.COMPLETED)
    counts = escrow.process_escrow_transactions()
    assert (counts["unfrozen"], counts["released"]) == (1, 1)
    assert kinds(contract) == [EscrowKind.HOLD, EscrowKind.FREEZE, EscrowKind.UNFREEZE, EscrowKind.RELEASE]


def test_escrow_stays_in_its_tenant(tenant_a, tenant_b):
    with tenant_context(tenant_b):
        foreign = funded(status=C.COMPLETED)
    with tenant_context(tenant_a):
        assert escrow.process_escrow_transactions()["released"] == 0
        with pytest.raises(type(foreign).DoesNotExist):
            escrow.release_escrow(contract_id=foreign.pk)
    with tenant_context(tenant_b):
        assert kinds(foreign) == [EscrowKind.HOLD]


# --- The escrow is the only way a contract's funding goes back ------------------------------------
def test_a_funding_payment_is_refunded_only_through_the_escrow(in_a, finance):
    from billing.services import refunds

    contract = funded(status=C.CANCELLED)
    payment = PaymentTransaction.objects.get(contract=contract)
    with pytest.raises(BillingError, match="funded a contract's escrow"):
        refunds.request_refund(payment_id=payment.pk, amount="100", reason="Client asked", by=finance)
    assert not RefundRequest.objects.exists()
    escrow.refund_escrow(contract_id=contract.pk, reason="Client cancelled")
    assert RefundRequest.objects.get().amount == Decimal("4800.00")


def test_money_refunded_outside_the_escrow_is_neither_released_nor_refunded_again(in_a):
    contract = funded(status=C.COMPLETED)
    payment = PaymentTransaction.objects.get(contract=contract)
    # A refund from before they were barred (or made on the gateway's dashboard and synced).
    RefundRequest.objects.create(payment=payment, amount=Decimal("100.00"), currency="EUR", reason="Old")
    with pytest.raises(BillingError, match=r"only €4,700.00 of its funding payment .* is still with us"):
        escrow.release_escrow(contract_id=contract.pk)
    type(contract).objects.filter(pk=contract.pk).update(status=C.CANCELLED)
    with pytest.raises(BillingError, match="is still with us"):
        escrow.refund_escrow(contract_id=contract.pk, reason="Cancelled")
    assert kinds(contract) == [EscrowKind.HOLD]
    assert escrow.process_escrow_transactions()["errors"] == 1


def test_the_payments_admin_offers_no_refund_step_for_a_funding_payment(in_a, rf, finance):
    from django.contrib.admin.sites import site

    contract = funded()
    payment = PaymentTransaction.objects.get(contract=contract)
    model_admin = site._registry[PaymentTransaction]
    request = rf.get("/")
    request.user = finance
    assert model_admin.allowed_step_names(request, payment) == set()


@pytest.mark.parametrize(
    "currency, amount, message",
    [
        ("BHD", "100.000", "BHD has three decimal places"),
        ("XYZ", "100.00", "'XYZ' is not a currency code"),
        ("JPY", "100.50", "JPY has no decimal places; write the amount like 101"),
    ],
)
def test_funding_follows_billings_money_rules(in_a, currency, amount, message):
    contract = ContractFactory(status=C.ACTIVE, amount=Decimal(amount), currency=currency)
    with pytest.raises(BillingError, match=message):
        escrow.fund_contract(contract_id=contract.pk, reference="SEPA-1")
    assert not EscrowTransaction.objects.exists() and not PaymentTransaction.objects.exists()
    jpy = ContractFactory(status=C.ACTIVE, amount=Decimal("100"), currency="JPY")
    assert escrow.fund_contract(contract_id=jpy.pk, reference="SEPA-2").amount == Decimal("100")


def test_an_escrow_refund_that_failed_at_the_gateway_is_sent_again(in_a):
    from billing.admin.escrow import contracts_with_escrow, offered_steps
    from billing.models import RefundStatus

    contract = funded(status=C.CANCELLED)
    escrow.refund_escrow(contract_id=contract.pk, reason="Client cancelled")
    first = RefundRequest.objects.get()
    assert not escrow.escrow_refund_not_returned(contract.pk)
    assert offered_steps(contracts_with_escrow().get(pk=contract.pk)) == []
    RefundRequest.objects.filter(pk=first.pk).update(status=RefundStatus.FAILED)
    assert escrow.escrow_refund_not_returned(contract.pk)
    assert offered_steps(contracts_with_escrow().get(pk=contract.pk)) == ["refund"]
    entry = escrow.refund_escrow(contract_id=contract.pk, reason="Card fixed")
    again = RefundRequest.objects.exclude(pk=first.pk).get()
    assert (again.amount, again.status, entry.kind) == (
        Decimal("4800.00"),
        RefundStatus.APPROVED,
        EscrowKind.REFUND,
    )
    assert "sent again" in again.reason
    escrow.refund_escrow(contract_id=contract.pk, reason="Clicked twice")
    assert RefundRequest.objects.count() == 2 and kinds(contract) == [EscrowKind.HOLD, EscrowKind.REFUND]
