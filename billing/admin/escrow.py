"""Escrow of marketplace contracts in the admin.

The ledger (EscrowTransaction) is append-only: its entries are listed and read here, never added,
changed or deleted by hand. The escrow steps act on a contract (billing may import marketplace,
never the other way round, so they are not on the marketplace's contract page): fund (the client
paid: hold the amount), release to the provider, refund to the client, freeze while disputed,
unfreeze. They run billing.services.escrow and are served on the "Contract escrow" page
(billing/admin_views.py) by `ContractEscrowSteps`, the kernel's step machinery for contracts
looked up through the scoped Contract manager (another tenant's contract is a 404).
"""

from django.contrib import admin
from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Subquery, Sum
from django.urls import reverse
from unfold.contrib.filters.admin import AutocompleteSelectFilter, ChoicesDropdownFilter
from unfold.decorators import display

from billing.admin.common import RecordAdmin, WorkflowAdmin, money
from billing.models import EscrowKind, EscrowTransaction, RefundRequest, RefundStatus
from billing.services import escrow
from billing.services.errors import BillingError
from billing.services.refunds import OPEN_REFUND_STATUSES
from marketplace.models import Contract, ContractStatus
from people.admin_fields import note, text
from people.admin_workflow import Step, StepForm

K, C = EscrowKind, ContractStatus
KIND_COLOURS = {
    K.HOLD: "primary",
    K.RELEASE: "success",
    K.REFUND: "warning",
    K.FREEZE: "danger",
    K.UNFREEZE: "info",
}


@admin.register(EscrowTransaction)
class EscrowTransactionAdmin(RecordAdmin):
    list_display = ["created_at", "contract", "kind_label", "amount_text", "payment", "created_by", "note"]
    list_filter = [("kind", ChoicesDropdownFilter), ("contract", AutocompleteSelectFilter), "currency"]
    list_filter_submit = True
    search_fields = ["contract__title", "contract__client_name", "key", "note"]
    list_select_related = ["contract", "payment", "created_by"]
    date_hierarchy = "created_at"
    ordering = ["-created_at", "-pk"]
    fields = readonly_fields = [
        "contract",
        "kind_label",
        "amount_text",
        "payment",
        "key",
        "note",
        "created_by",
        "created_at",
    ]

    @display(description="Entry", ordering="kind", label=KIND_COLOURS)
    def kind_label(self, obj):
        return obj.kind, obj.get_kind_display()

    @display(description="Amount", ordering="amount")
    def amount_text(self, obj):
        return money(obj.amount, obj.currency)


# --- steps on a contract's escrow ------------------------------------------------------------------
class FundForm(StepForm):
    reference = text("Payment reference", max_length=80, help_text="The reference of the client's payment.")


class ReleaseForm(StepForm):
    note = note("Note", help_text="Optional; kept with the ledger entry.")


class RefundForm(StepForm):
    reason = note(
        "Reason", required=True, help_text="Kept with the ledger entry and the refund.", error="Say why."
    )


class FlagForm(StepForm):
    note = note("Note", help_text="Optional; kept with the ledger entry.")


def _flagged(kind, contract, by, note_text):
    service = escrow.freeze_escrow if kind == K.FREEZE else escrow.unfreeze_escrow
    entry = service(
        contract_id=contract.pk,
        by=by,
        note=note_text or ("Contract disputed." if kind == K.FREEZE else "Dispute resolved."),
    )
    if entry is None:
        state = "frozen" if kind == K.FREEZE else "not frozen"
        raise BillingError(
            f"Nothing to do: no money is held for this contract, or its escrow is already {state}."
        )
    return entry


def _held(contract, entry):
    return f"{contract}: {money(entry.amount, entry.currency)} held in escrow."


FUND = Step(
    "fund",
    "Fund…",
    "Record that the client paid this contract's amount? It is held in escrow until the work is done.",
    lambda c, user, d: escrow.fund_contract(contract_id=c.pk, reference=d["reference"], by=user),
    FundForm,
    done=_held,
)
RELEASE = Step(
    "release",
    "Release",
    "Pay the money held for this contract out to the provider? This cannot be undone.",
    lambda c, user, d: escrow.release_escrow(contract_id=c.pk, by=user, note=d.get("note", "")),
    ReleaseForm,
    done=lambda c, entry: f"{c}: {money(entry.amount, entry.currency)} released to the provider.",
    back_label="Keep it held",
)
REFUND = Step(
    "refund",
    "Refund…",
    "Give the money held for this contract back to the client? This cannot be undone.",
    lambda c, user, d: escrow.refund_escrow(contract_id=c.pk, reason=d["reason"], by=user),
    RefundForm,
    done=lambda c, entry: f"{c}: {money(entry.amount, entry.currency)} refunded to the client.",
    back_label="Keep it held",
)
FREEZE = Step(
    "freeze",
    "Freeze",
    "Freeze this contract's escrow while a dispute is settled? Nothing can be released or refunded until then.",
    lambda c, user, d: _flagged(K.FREEZE, c, user, d.get("note", "")),
    FlagForm,
    done=lambda c, entry: f"{c}: escrow frozen.",
)
UNFREEZE = Step(
    "unfreeze",
    "Unfreeze",
    "The dispute is settled: unfreeze this contract's escrow?",
    lambda c, user, d: _flagged(K.UNFREEZE, c, user, d.get("note", "")),
    FlagForm,
    done=lambda c, entry: f"{c}: escrow no longer frozen.",
)
ESCROW_STEPS = {step.name: step for step in (FUND, RELEASE, REFUND, FREEZE, UNFREEZE)}


class ContractEscrowSteps(WorkflowAdmin):
    """Serves the escrow steps for contracts (not registered: the marketplace owns Contract's admin)."""

    workflow_steps = tuple(ESCROW_STEPS.values())

    def has_workflow_permission(self, request, obj=None):
        return request.user.has_perm("billing.add_escrowtransaction")

    def _back_url(self, request, default):
        return super()._back_url(request, reverse("admin:billing_contract_escrow"))

    def run_step(self, request, contract_id, step_name):
        return self._step_view(request, str(contract_id), ESCROW_STEPS[step_name])


def contracts_with_escrow():
    """Contracts with what their escrow holds (`held`), whether it is frozen and whether it was
    funded, from one query (sub-selects on the ledger)."""
    entries = EscrowTransaction.objects.filter(contract=OuterRef("pk")).order_by()
    last_flag = (
        entries.filter(kind__in=(K.FREEZE, K.UNFREEZE)).order_by("-created_at", "-pk").values("kind")[:1]
    )
    refunds = RefundRequest.objects.filter(payment__contract=OuterRef("pk")).order_by()
    return Contract.objects.select_related("provider").annotate(
        held=Subquery(entries.values("contract").annotate(v=Sum(escrow.SIGNED_AMOUNT)).values("v")[:1]),
        last_flag=Subquery(last_flag),
        funded=Exists(entries.filter(kind=K.HOLD)),
        # escrow.escrow_refund_not_returned, for the page: its refund failed or was rejected.
        refund_not_returned=ExpressionWrapper(
            Exists(entries.filter(kind=K.REFUND))
            & Exists(refunds.filter(status__in=(RefundStatus.FAILED, RefundStatus.REJECTED)))
            & ~Exists(refunds.filter(status__in=(*OPEN_REFUND_STATUSES, RefundStatus.SUCCEEDED))),
            output_field=BooleanField(),
        ),
    )


def offered_steps(contract) -> list[str]:
    """The steps a row of the Contract escrow page offers (the services still decide)."""
    held, frozen = contract.held or 0, contract.last_flag == K.FREEZE
    if not contract.funded:
        return [FUND.name] if contract.status in escrow.FUNDABLE else []
    if held <= 0:
        # Refunded in the ledger, but the money did not reach the client: refund sends it again.
        return [REFUND.name] if contract.status == C.CANCELLED and contract.refund_not_returned else []
    if frozen:
        return [UNFREEZE.name]
    steps = [FREEZE.name]
    if contract.status in (C.DELIVERED, C.COMPLETED):
        steps.insert(0, RELEASE.name)
    if contract.status == C.CANCELLED:
        steps.insert(0, REFUND.name)
    return steps
