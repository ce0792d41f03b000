"""Refund requests: filed from a payment ("Refund…"), then approved by a finance user or owner
other than the one who asked (four eyes, billing.services.refunds) or rejected with a reason; the
money goes back through the payment's gateway."""

from django.contrib import admin
from unfold.contrib.filters.admin import AutocompleteSelectFilter, ChoicesDropdownFilter
from unfold.decorators import action, display

from billing.admin.common import RecordAdmin, money
from billing.models import RefundRequest, RefundStatus
from billing.services import refunds
from people.admin_fields import note
from people.admin_workflow import Step, StepForm

R = RefundStatus
REFUND_COLOURS = {
    R.REQUESTED: "info",
    R.APPROVED: "primary",
    R.PROCESSING: "primary",
    R.SUCCEEDED: "success",
    R.REJECTED: "danger",
    R.FAILED: "danger",
}


RETURNED_WHEN = (
    "The next refunds run (within 15 minutes) sends it through the payment's gateway; for a manual "
    "payment it records the money as returned offline, so transfer it back yourself."
)


class RejectForm(StepForm):
    reason = note("Reason", required=True, help_text="Kept with the refund request.", error="Say why.")


APPROVE = Step(
    "approve_refund",
    "Approve",
    "Approve this refund? The money is sent back through the payment's gateway.",
    lambda r, user, d: refunds.approve_refund(refund_id=r.pk, by=user),
    done=lambda r, result: f"{result}: approved. {RETURNED_WHEN}",
)
REJECT = Step(
    "reject_refund",
    "Reject…",
    "Reject this refund request? Say why.",
    lambda r, user, d: refunds.reject_refund(refund_id=r.pk, reason=d["reason"], by=user),
    RejectForm,
    done=lambda r, result: f"{result}: rejected.",
    back_label="Keep the request",
)


@admin.register(RefundRequest)
class RefundRequestAdmin(RecordAdmin):
    list_display = [
        "created_at",
        "__str__",
        "payment",
        "customer",
        "status_label",
        "requested_by",
        "approved_by",
    ]
    list_filter = [("status", ChoicesDropdownFilter), ("payment__customer", AutocompleteSelectFilter)]
    list_filter_submit = True
    search_fields = [
        "reason",
        "payment__gateway_reference",
        "payment__invoice__number",
        "payment__customer__name",
        "payment__customer__email",
    ]
    list_select_related = ["payment__customer", "requested_by", "approved_by"]
    date_hierarchy = "created_at"
    ordering = ["-created_at", "-pk"]
    fields = readonly_fields = [
        "payment",
        "amount_text",
        "status",
        "reason",
        "requested_by",
        "approved_by",
        "approved_at",
        "processed_at",
        "gateway_reference",
        "attempt_count",
        "failure_message",
        "rejection_reason",
    ]
    workflow_steps = (APPROVE, REJECT)
    actions = ["approve_selected"]
    actions_row = [step.name for step in workflow_steps]
    actions_detail = actions_row

    def allowed_step_names(self, request, obj):
        return {APPROVE.name, REJECT.name} if obj.status == R.REQUESTED else set()

    @display(description="Customer", ordering="payment__customer__name")
    def customer(self, obj):
        return obj.payment.customer or "–"

    @display(description="Amount", ordering="amount")
    def amount_text(self, obj):
        return money(obj.amount, obj.currency)

    @display(description="Status", ordering="status", label=REFUND_COLOURS)
    def status_label(self, obj):
        return obj.status, obj.get_status_display()

    @action(description="Approve", url_path="approve", icon="check", permissions=["workflow"])
    def approve_refund(self, request, object_id):
        return self._step_view(request, object_id, APPROVE)

    @action(description="Reject…", url_path="reject", icon="close", permissions=["workflow"])
    def reject_refund(self, request, object_id):
        return self._step_view(request, object_id, REJECT)

    @admin.action(description="Approve selected refunds", permissions=["workflow"])
    def approve_selected(self, request, queryset):
        return self._bulk_step(request, queryset, APPROVE, "approve_selected")
