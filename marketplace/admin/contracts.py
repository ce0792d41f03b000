"""The contracts and reviews admins.

A contract is added through marketplace.services.contracts (or "New contract…" on a provider) and
edited by hand only while it is a draft; every status move is a row, detail or bulk action that
runs the service, which allows only the lifecycle's transitions. "Leave review…" records the
client's review of a completed contract; reviews are published or hidden from their own admin.
"""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from unfold.contrib.filters.admin import AutocompleteSelectFilter, ChoicesDropdownFilter, RangeDateFilter
from unfold.decorators import action, display
from unfold.paginator import InfinitePaginator

from marketplace.admin.common import ServiceForm, WorkflowRecordAdmin
from marketplace.models import Contract, ContractStatus, Review
from marketplace.services import contracts, reviews
from people.admin_fields import choice, note, switch
from people.admin_workflow import ReadOnlyInline, Step, StepForm

C = ContractStatus
STATUS_COLOURS = {
    C.DRAFT: "info",
    C.ACTIVE: "primary",
    C.DELIVERED: "primary",
    C.COMPLETED: "success",
    C.DISPUTED: "warning",
    C.CANCELLED: "danger",
}


class ContractServiceForm(ServiceForm):
    def create(self, by):
        data = self.cleaned_data
        return contracts.create_contract(
            provider_id=data["provider"].pk,
            client_name=data["client_name"],
            client_email=data["client_email"],
            client_company=data.get("client_company", ""),
            title=data["title"],
            scope=data.get("scope", ""),
            amount=data["amount"],
            currency=data.get("currency", ""),
            start_date=data.get("start_date"),
            end_date=data.get("end_date"),
            by=by,
        )


class ReasonForm(StepForm):
    reason = note("Reason", required=True, help_text="Kept on the contract.", error="Say why.")


class CancelForm(StepForm):
    reason = note("Reason", help_text="Kept on the contract; needed unless it is a draft.")


class ReviewForm(StepForm):
    rating = choice("Rating", [(str(n), "★" * n) for n in range(5, 0, -1)])
    comment = note("Comment")
    publish = switch(
        "Publish", initial=True, help_text="Published reviews count towards the provider's rating."
    )


def _reviewed(contract, review):
    url = reverse("admin:marketplace_review_change", args=[review.pk])
    return format_html('Review recorded: <a href="{}">{}</a>.', url, review)


ACTIVATE = Step(
    "activate_contract",
    "Activate",
    "Activate this contract? Work starts now.",
    lambda c, user, d: contracts.activate_contract(contract_id=c.pk, by=user),
    done=lambda c, result: f"{result}: active.",
)
DELIVER = Step(
    "deliver_contract",
    "Mark delivered",
    "Record that the provider delivered the work?",
    lambda c, user, d: contracts.deliver_contract(contract_id=c.pk, by=user),
    done=lambda c, result: f"{result}: delivered.",
)
COMPLETE = Step(
    "complete_contract",
    "Complete",
    "Complete this contract? The client accepted the work; it counts for the provider.",
    lambda c, user, d: contracts.complete_contract(contract_id=c.pk, by=user),
    done=lambda c, result: f"{result}: completed.",
)
DISPUTE = Step(
    "dispute_contract",
    "Dispute…",
    "Record a dispute about this contract? Say what is disputed.",
    lambda c, user, d: contracts.dispute_contract(contract_id=c.pk, reason=d["reason"], by=user),
    ReasonForm,
    done=lambda c, result: f"{result}: disputed.",
)
RESUME = Step(
    "resume_contract",
    "Resume",
    "The dispute is settled by more work: make this contract active again?",
    lambda c, user, d: contracts.resume_contract(contract_id=c.pk, by=user),
    done=lambda c, result: f"{result}: active again.",
)
CANCEL = Step(
    "cancel_contract",
    "Cancel…",
    "Cancel this contract?",
    lambda c, user, d: contracts.cancel_contract(contract_id=c.pk, by=user, reason=d.get("reason", "")),
    CancelForm,
    done=lambda c, result: f"{result}: cancelled.",
    back_label="Keep the contract",
)
LEAVE_REVIEW = Step(
    "leave_review",
    "Leave review…",
    "Record the client's review of this completed contract.",
    lambda c, user, d: reviews.leave_review(
        contract_id=c.pk, rating=d["rating"], comment=d["comment"], publish=d["publish"], by=user
    ),
    ReviewForm,
    done=_reviewed,
)
STEP_FOR_STATUS = {
    C.ACTIVE: ACTIVATE,
    C.DELIVERED: DELIVER,
    C.COMPLETED: COMPLETE,
    C.DISPUTED: DISPUTE,
    C.CANCELLED: CANCEL,
}


class ReviewInline(ReadOnlyInline):
    model = Review
    fields = readonly_fields = ["rating", "comment", "is_published", "created_at"]


@admin.register(Contract)
class ContractAdmin(WorkflowRecordAdmin):
    form = ContractServiceForm
    list_display = ["title", "provider", "client", "status_label", "amount_text", "start_date", "end_date"]
    list_filter = [
        ("status", ChoicesDropdownFilter),
        ("provider", AutocompleteSelectFilter),
        ("start_date", RangeDateFilter),
    ]
    list_filter_submit = True
    search_fields = ["title", "client_name", "client_email", "client_company", "provider__display_name"]
    list_select_related = ["provider"]
    autocomplete_fields = ["provider"]
    ordering = ["-created_at", "-pk"]
    paginator = InfinitePaginator
    show_full_result_count = False
    inlines = [ReviewInline]
    fieldsets = [
        (None, {"fields": ["provider", "title", "scope"]}),
        ("Client", {"fields": ["client_name", "client_email", "client_company"]}),
        ("Terms", {"fields": ["amount", "currency", "start_date", "end_date"]}),
    ]
    record_fields = [
        "status",
        "activated_at",
        "delivered_at",
        "completed_at",
        "cancelled_at",
        "dispute_reason",
        "cancellation_reason",
    ]
    workflow_steps = (ACTIVATE, DELIVER, COMPLETE, DISPUTE, RESUME, CANCEL, LEAVE_REVIEW)
    actions = ["activate_selected", "complete_selected"]
    actions_row = [step.name for step in workflow_steps]
    actions_detail = actions_row

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return self.fieldsets
        return [*self.fieldsets, ("Status", {"fields": self.record_fields})]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return ["provider", *self.record_fields]

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []  # a new contract has no review

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        return type(form.__name__, (form,), {"by": request.user})

    def has_change_permission(self, request, obj=None):
        # Terms are edited by hand while a draft; afterwards only the steps change a contract.
        if obj is not None and obj.status != C.DRAFT:
            return False
        return super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
        # Adding: the form's service call has written the contract.

    def allowed_step_names(self, request, obj):
        allowed = {STEP_FOR_STATUS[status].name for status in contracts.allowed_moves(obj.status)}
        if obj.status == C.DISPUTED:
            allowed.discard(ACTIVATE.name)
            allowed.add(RESUME.name)
        if obj.status == C.COMPLETED and not obj.reviews.exists():
            allowed.add(LEAVE_REVIEW.name)
        return allowed

    @display(description="Client", ordering="client_name")
    def client(self, obj):
        return f"{obj.client_name} ({obj.client_company})" if obj.client_company else obj.client_name

    @display(description="Status", ordering="status", label=STATUS_COLOURS)
    def status_label(self, obj):
        return obj.status, obj.get_status_display()

    @display(description="Amount", ordering="amount")
    def amount_text(self, obj):
        return f"{obj.amount:,.2f} {obj.currency}"

    @action(description="Activate", url_path="activate", icon="play_arrow", permissions=["workflow"])
    def activate_contract(self, request, object_id):
        return self._step_view(request, object_id, ACTIVATE)

    @action(description="Mark delivered", url_path="deliver", icon="local_shipping", permissions=["workflow"])
    def deliver_contract(self, request, object_id):
        return self._step_view(request, object_id, DELIVER)

    @action(description="Complete", url_path="complete", icon="task_alt", permissions=["workflow"])
    def complete_contract(self, request, object_id):
        return self._step_view(request, object_id, COMPLETE)

    @action(description="Dispute…", url_path="dispute", icon="report", permissions=["workflow"])
    def dispute_contract(self, request, object_id):
        return self._step_view(request, object_id, DISPUTE)

    @action(description="Resume", url_path="resume", icon="replay", permissions=["workflow"])
    def resume_contract(self, request, object_id):
        return self._step_view(request, object_id, RESUME)

    @action(description="Cancel…", url_path="cancel", icon="cancel", permissions=["workflow"])
    def cancel_contract(self, request, object_id):
        return self._step_view(request, object_id, CANCEL)

    @action(description="Leave review…", url_path="review", icon="reviews", permissions=["workflow"])
    def leave_review(self, request, object_id):
        return self._step_view(request, object_id, LEAVE_REVIEW)

    @admin.action(description="Activate selected contracts", permissions=["workflow"])
    def activate_selected(self, request, queryset):
        return self._bulk_step(request, queryset, ACTIVATE, "activate_selected")

    @admin.action(description="Complete selected contracts", permissions=["workflow"])
    def complete_selected(self, request, queryset):
        return self._bulk_step(request, queryset, COMPLETE, "complete_selected")


# --- reviews -------------------------------------------------------------------------------------
PUBLISH = Step(
    "publish_review",
    "Publish",
    "Publish this review? It counts towards the provider's rating.",
    lambda r, user, d: reviews.publish_review(review_id=r.pk, by=user),
    done=lambda r, result: f"{result}: published.",
)
UNPUBLISH = Step(
    "unpublish_review",
    "Unpublish",
    "Hide this review? It no longer counts towards the provider's rating.",
    lambda r, user, d: reviews.unpublish_review(review_id=r.pk, by=user),
    done=lambda r, result: f"{result}: hidden.",
    back_label="Keep it published",
)


class StarsFilter(admin.SimpleListFilter):
    title = "rating"
    parameter_name = "stars"

    def lookups(self, request, model_admin):
        return [(str(n), "★" * n) for n in range(5, 0, -1)]

    def queryset(self, request, queryset):
        if self.value() in {"1", "2", "3", "4", "5"}:
            return queryset.filter(rating=int(self.value()))
        return queryset


@admin.register(Review)
class ReviewAdmin(WorkflowRecordAdmin):
    list_display = ["contract", "provider", "stars", "is_published", "recorded_by", "created_at"]
    list_filter = [StarsFilter, "is_published", ("contract__provider", AutocompleteSelectFilter)]
    list_filter_submit = True
    search_fields = [
        "contract__title",
        "contract__client_name",
        "contract__provider__display_name",
        "comment",
    ]
    list_select_related = ["contract__provider", "recorded_by"]
    ordering = ["-created_at", "-pk"]
    fields = readonly_fields = ["contract", "rating", "comment", "is_published", "recorded_by", "created_at"]
    workflow_steps = (PUBLISH, UNPUBLISH)
    actions = ["publish_selected", "unpublish_selected"]
    actions_row = [step.name for step in workflow_steps]
    actions_detail = actions_row

    def has_add_permission(self, request):
        return False  # "Leave review…" on a completed contract

    def has_change_permission(self, request, obj=None):
        return False

    def allowed_step_names(self, request, obj):
        return {UNPUBLISH.name} if obj.is_published else {PUBLISH.name}

    @display(description="Provider", ordering="contract__provider__display_name")
    def provider(self, obj):
        return obj.contract.provider

    @display(description="Rating", ordering="rating")
    def stars(self, obj):
        return "★" * obj.rating

    @action(description="Publish", url_path="publish", icon="visibility", permissions=["workflow"])
    def publish_review(self, request, object_id):
        return self._step_view(request, object_id, PUBLISH)

    @action(description="Unpublish", url_path="unpublish", icon="visibility_off", permissions=["workflow"])
    def unpublish_review(self, request, object_id):
        return self._step_view(request, object_id, UNPUBLISH)

    @admin.action(description="Publish selected reviews", permissions=["workflow"])
    def publish_selected(self, request, queryset):
        return self._bulk_step(request, queryset, PUBLISH, "publish_selected")

    @admin.action(description="Unpublish selected reviews", permissions=["workflow"])
    def unpublish_selected(self, request, queryset):
        return self._bulk_step(request, queryset, UNPUBLISH, "unpublish_selected")
