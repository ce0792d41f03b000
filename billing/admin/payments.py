"""Payments: records the billing services and gateways write, read here, acted on through steps.
A failed card payment can be retried (billing.services.payments.retry_payment); a collected one
refunded in full or in part, which files a refund request (billing.services.refunds
.request_refund) that finance then approves or rejects (billing/admin/refunds.py)."""

from django.contrib import admin
from unfold.contrib.filters.admin import AutocompleteSelectFilter, ChoicesDropdownFilter
from unfold.decorators import action, display
from unfold.paginator import InfinitePaginator

from billing.admin.common import RecordAdmin, money
from billing.models import PaymentStatus, PaymentTransaction, RefundRequest
from billing.models.choices import NOTHING_TO_COLLECT
from billing.services import payments, refunds
from people.admin_fields import amount, note
from people.admin_workflow import ReadOnlyInline, Step, StepForm

P = PaymentStatus
PAYMENT_COLOURS = {
    P.PENDING: "info",
    P.SUCCEEDED: "success",
    P.FAILED: "danger",
    P.REFUNDED: "warning",
    P.PARTIALLY_REFUNDED: "warning",
}
REFUNDABLE = (P.SUCCEEDED, P.PARTIALLY_REFUNDED)


class RefundForm(StepForm):
    amount = amount("Amount to refund")
    reason = note(
        "Reason", required=True, help_text="Kept with the refund; the customer may see it.", error="Say why."
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.obj is not None:
            self.fields["amount"].initial = self.obj.refundable
            self.fields["amount"].help_text = (
                f"In {self.obj.currency}; at most {money(self.obj.refundable, self.obj.currency)} "
                "(the full refundable amount is filled in)."
            )


RETRY = Step(
    "retry_payment",
    "Retry",
    "Charge this payment again through its gateway now?",
    lambda p, user, d: payments.retry_payment(payment_id=p.pk, by=user),
    done=lambda p, result: (
        f"Payment #{p.pk}: retried, now {result.get_status_display().lower()}."
        if isinstance(result, PaymentTransaction)
        else f"Payment #{p.pk}: retried."
    ),
)
REFUND = Step(
    "refund_payment",
    "Refund…",
    "Refund this payment to the customer, in full or in part? The refund is then approved before it is sent.",
    lambda p, user, d: refunds.request_refund(
        payment_id=p.pk, amount=d["amount"], reason=d["reason"], by=user
    ),
    RefundForm,
    done=lambda p, result: f"{result}: requested; approve it from the refunds list.",
    back_label="Do not refund",
)


class RefundInline(ReadOnlyInline):
    model = RefundRequest
    fields = readonly_fields = [
        "created_at",
        "amount_text",
        "status",
        "reason",
        "requested_by",
        "approved_by",
    ]
    verbose_name_plural = "Refunds"
    ordering = ["created_at", "pk"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("requested_by", "approved_by")

    @display(description="Amount")
    def amount_text(self, obj):
        return money(obj.amount, obj.currency)


@admin.register(PaymentTransaction)
class PaymentTransactionAdmin(RecordAdmin):
    list_display = [
        "created_at",
        "paid_for",
        "customer",
        "amount_text",
        "status_label",
        "gateway",
        "attempt_count",
        "next_retry_at",
    ]
    list_filter = [
        ("status", ChoicesDropdownFilter),
        ("customer", AutocompleteSelectFilter),
        "gateway",
        "currency",
    ]
    list_filter_submit = True
    search_fields = [
        "gateway_reference",
        "invoice__number",
        "customer__name",
        "customer__email",
        "contract__title",
    ]
    list_select_related = ["invoice", "customer", "contract"]
    date_hierarchy = "created_at"
    ordering = ["-created_at", "-pk"]
    paginator = InfinitePaginator
    show_full_result_count = False
    fieldsets = [
        (None, {"fields": ["status", "invoice", "contract", "customer", ("amount_text", "refunded_text")]}),
        ("Gateway", {"fields": ["gateway", "gateway_reference", "idempotency_key"]}),
        (
            "Attempts",
            {
                "fields": [
                    "attempt_count",
                    "last_attempt_at",
                    "next_retry_at",
                    "failure_code",
                    "failure_message",
                    "succeeded_at",
                ]
            },
        ),
    ]
    readonly_fields = [
        "status",
        "invoice",
        "contract",
        "customer",
        "amount_text",
        "refunded_text",
        "gateway",
        "gateway_reference",
        "idempotency_key",
        "attempt_count",
        "last_attempt_at",
        "next_retry_at",
        "failure_code",
        "failure_message",
        "succeeded_at",
    ]
    inlines = [RefundInline]
    workflow_steps = (RETRY, REFUND)
    actions = ["retry_selected"]
    actions_row = [step.name for step in workflow_steps]
    actions_detail = actions_row

    def allowed_step_names(self, request, obj):
        if obj.status == P.FAILED:
            return set() if obj.failure_code == NOTHING_TO_COLLECT else {RETRY.name}
        if obj.status in REFUNDABLE and obj.refundable > 0 and not obj.contract_id:
            return {REFUND.name}  # a contract's funding goes back through its escrow
        return set()

    @display(description="For")
    def paid_for(self, obj):
        if obj.invoice_id:
            return f"Invoice {obj.invoice}"
        return f"Escrow: {obj.contract.title}" if obj.contract_id else "–"

    @display(description="Amount", ordering="amount")
    def amount_text(self, obj):
        return money(obj.amount, obj.currency)

    @display(description="Refunded")
    def refunded_text(self, obj):
        return money(obj.amount_refunded, obj.currency)

    @display(description="Status", ordering="status", label=PAYMENT_COLOURS)
    def status_label(self, obj):
        return obj.status, obj.get_status_display()

    @action(description="Retry", url_path="retry", icon="refresh", permissions=["workflow"])
    def retry_payment(self, request, object_id):
        return self._step_view(request, object_id, RETRY)

    @action(description="Refund…", url_path="refund", icon="undo", permissions=["workflow"])
    def refund_payment(self, request, object_id):
        return self._step_view(request, object_id, REFUND)

    @admin.action(description="Retry selected payments", permissions=["workflow"])
    def retry_selected(self, request, queryset):
        return self._bulk_step(request, queryset, RETRY, "retry_selected")
