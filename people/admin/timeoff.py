"""Admins of time off: holidays, types, the ledger (append-only) and requests with their approval
workflow.

Workflows go through `people.services.timeoff`: the request add form submits through the service,
and Approve / Reject / Cancel are row, detail and bulk actions that call it. A refusal shows the
service's message; it never becomes an error page.
"""

from collections import Counter
from dataclasses import replace

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from unfold.admin import TabularInline
from unfold.contrib.filters.admin import (
    AutocompleteSelectFilter,
    ChoicesDropdownFilter,
    RelatedDropdownFilter,
)
from unfold.decorators import action, display
from unfold.paginator import InfinitePaginator

from people.admin_base import TenantOwnedAdmin
from people.admin_workflow import ConfirmForm, Step, WorkflowActionsMixin, add_service_error, textarea
from people.models import (
    ApprovalStep,
    Holiday,
    LedgerEntryKind,
    RequestStatus,
    TimeOffApproval,
    TimeOffLedgerEntry,
    TimeOffRequest,
    TimeOffType,
)
from people.resources import HolidayResource, OpeningBalanceResource
from people.services import timeoff

REQUEST_STATUS_COLOURS = {
    RequestStatus.PENDING: "warning",
    RequestStatus.APPROVED: "success",
    RequestStatus.REJECTED: "danger",
    RequestStatus.CANCELLED: "info",
}


class NeverEditedAdmin(TenantOwnedAdmin):
    """Rows written once and then kept as a record: viewable, never changed or deleted here."""

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Holiday)
class HolidayAdmin(TenantOwnedAdmin):
    resource_classes = [HolidayResource]
    list_display = ["date", "name"]
    search_fields = ["name"]
    date_hierarchy = "date"
    ordering = ["date"]
    fields = ["date", "name"]


@admin.register(TimeOffType)
class TimeOffTypeAdmin(TenantOwnedAdmin):
    list_display = [
        "name",
        "is_paid",
        "unit",
        "yearly_allowance",
        "accrual",
        "carry_over_cap",
        "approval_chain",
        "is_active",
    ]
    list_filter = ["is_active", "is_paid", "accrual", "approval_chain", "unit"]
    search_fields = ["name"]
    ordering = ["name"]
    fieldsets = [
        (None, {"fields": ["name", "is_paid", "unit", "is_active"]}),
        ("Allowance", {"fields": ["yearly_allowance", "accrual", "carry_over_cap"]}),
        (
            "Approval and balance",
            {"fields": ["approval_chain", "allow_negative_balance", "negative_balance_limit"]},
        ),
    ]


# --- time off: the ledger -------------------------------------------------------------------
MANUAL_LEDGER_KINDS = (LedgerEntryKind.OPENING_BALANCE, LedgerEntryKind.ADJUSTMENT)


class ManualLedgerEntryForm(forms.ModelForm):
    """People add opening balances and adjustments; every other kind is written by a workflow."""

    # No Meta: the admin builds the form per request (inside the tenant) with model and fields; a
    # Meta here would build the FK choices at import time, with no tenant active.

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "kind" in self.fields:
            self.fields["kind"].choices = [("", "---------")] + [
                (k.value, k.label) for k in MANUAL_LEDGER_KINDS
            ]

    def clean_kind(self):
        kind = self.cleaned_data["kind"]
        if kind not in MANUAL_LEDGER_KINDS:
            raise ValidationError(
                "Only opening balances and manual adjustments are added by hand; "
                "the other kinds come from requests and the schedules."
            )
        return kind

    def clean_amount(self):
        amount = self.cleaned_data["amount"]
        if amount == 0:
            raise ValidationError("An entry of 0 days changes nothing.")
        return amount


@admin.register(TimeOffLedgerEntry)
class TimeOffLedgerEntryAdmin(NeverEditedAdmin):
    def get_import_resource_classes(self, request):
        # Imports write opening balances only (the kind never comes from the file); exports use the
        # default resource and list every entry.
        return [OpeningBalanceResource]

    """Append-only: a balance is the sum of its entries, so a wrong entry is corrected by another."""

    form = ManualLedgerEntryForm
    list_display = ["effective_date", "employee", "time_off_type", "kind", "amount", "note", "created_by"]
    list_filter = [
        ("kind", ChoicesDropdownFilter),
        ("time_off_type", RelatedDropdownFilter),
        ("employee", AutocompleteSelectFilter),
        ("employee__department", AutocompleteSelectFilter),
    ]
    list_filter_submit = True
    search_fields = [
        "employee__first_name",
        "employee__last_name",
        "employee__employee_number",
        "note",
        "period",
    ]
    list_select_related = ["employee", "time_off_type", "created_by"]
    autocomplete_fields = ["employee", "time_off_type"]
    date_hierarchy = "effective_date"
    # Grows every month for every employee and type.
    paginator = InfinitePaginator
    show_full_result_count = False
    add_fieldsets = [
        (None, {"fields": ["employee", "time_off_type", "kind", "amount", "effective_date", "note"]})
    ]
    fieldsets = [
        (None, {"fields": ["employee", "time_off_type", "kind", "amount", "effective_date", "note"]}),
        ("Origin", {"fields": ["period", "request", "created_by", "created_at"]}),
    ]
    readonly_fields = ["period", "request", "created_by", "created_at"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


# --- time off: requests ---------------------------------------------------------------------
class TimeOffRequestSubmitForm(forms.ModelForm):
    """Submits through the service, which checks every rule (dates, balance, overlap) and writes
    in one transaction; a refusal becomes this form's error and nothing is written."""

    submitted_by = None  # the requesting user, set per request by TimeOffRequestAdmin.get_form

    # No Meta, as for ManualLedgerEntryForm: the admin gives model and fields per request.

    def _post_clean(self):
        # The service is this form's model validation (the place Django validates the instance).
        # It runs only once every field is valid, so field errors are reported first.
        if self._errors:
            return
        data = self.cleaned_data
        try:
            self.instance = timeoff.submit_time_off_request(
                employee_id=data["employee"].pk,
                time_off_type_id=data["time_off_type"].pk,
                start_date=data["start_date"],
                end_date=data["end_date"],
                half_day_start=data.get("half_day_start", False),
                half_day_end=data.get("half_day_end", False),
                reason=data.get("reason", ""),
                submitted_by=self.submitted_by,
            )
        except timeoff.TimeOffError as exc:
            add_service_error(self, exc)


class ApproveForm(ConfirmForm):
    note = forms.CharField(
        label="Note", required=False, widget=textarea(3), help_text="Optional; kept with the approval."
    )


class RejectForm(ConfirmForm):
    reason = forms.CharField(
        label="Reason",
        widget=textarea(4),
        help_text="The employee will see it.",
        error_messages={"required": "Say why the request is rejected; the employee will see it."},
    )


class CancelForm(ConfirmForm):
    reason = forms.CharField(label="Reason", required=False, max_length=200, widget=textarea(3))


def _decided(obj, result: TimeOffRequest) -> str:
    return f"{result}: {_outcome(result)}."


APPROVE = Step(
    name="approve_request",
    title="Approve",
    question="Approve this time off?",
    form_class=ApproveForm,
    run=lambda obj, user, data: timeoff.approve_time_off_request(
        request_id=obj.pk, approver=user, note=data.get("note", "")
    ),
    done=_decided,
)
REJECT = Step(
    name="reject_request",
    title="Reject",
    question="Reject this time off? Say why: the employee will see the reason.",
    form_class=RejectForm,
    run=lambda obj, user, data: timeoff.reject_time_off_request(
        request_id=obj.pk, approver=user, reason=data["reason"]
    ),
    done=_decided,
)
CANCEL = Step(
    name="cancel_request",
    title="Cancel request",
    question="Cancel this time off? An approved request gets its days back.",
    form_class=CancelForm,
    run=lambda obj, user, data: timeoff.cancel_time_off_request(
        request_id=obj.pk, by=user, reason=data["reason"]
    ),
    done=_decided,
    back_label="Keep the request",
)
# Approving a selection asks nothing more: no note for a batch.
APPROVE_SELECTED = replace(APPROVE, form_class=ConfirmForm)
DECISIONS_BY_STATUS = {
    RequestStatus.PENDING: {APPROVE.name, REJECT.name, CANCEL.name},
    RequestStatus.APPROVED: {CANCEL.name},
}


def _outcome(result: TimeOffRequest) -> str:
    """What a decision did, e.g. "approved" or "waiting for HR approval" (a chain's next step)."""
    if result.status == RequestStatus.PENDING:
        step = timeoff.next_step(result)
        return f"waiting for {ApprovalStep(step).label} approval" if step else "pending"
    return result.get_status_display().lower()


class TimeOffApprovalInline(TabularInline):
    """The decisions taken on a request: read-only, written by the workflow."""

    model = TimeOffApproval
    fields = ["step", "decision", "decided_by", "decided_at", "note"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("decided_by")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(TimeOffRequest)
class TimeOffRequestAdmin(WorkflowActionsMixin, NeverEditedAdmin):
    """Requests are submitted, then decided by the workflow; their dates are never edited here."""

    def has_import_permission(self, request):
        # Requests are made through the workflow (balance, overlap, approvals), never by file.
        return False

    list_display = [
        "employee",
        "department",
        "time_off_type",
        "start_date",
        "end_date",
        "days",
        "status_label",
        "decided_at",
    ]
    list_filter = [
        ("status", ChoicesDropdownFilter),
        ("time_off_type", RelatedDropdownFilter),
        ("employee__department", AutocompleteSelectFilter),
        ("employee", AutocompleteSelectFilter),
    ]
    list_filter_submit = True
    search_fields = [
        "employee__first_name",
        "employee__last_name",
        "employee__employee_number",
        "time_off_type__name",
        "reason",
    ]
    list_select_related = ["employee", "employee__department", "time_off_type"]
    autocomplete_fields = ["employee", "time_off_type"]
    date_hierarchy = "start_date"
    readonly_fields = ["days", "status", "decided_at", "submitted_by", "created_at"]
    add_fieldsets = [
        (
            None,
            {
                "fields": [
                    "employee",
                    "time_off_type",
                    ("start_date", "end_date"),
                    ("half_day_start", "half_day_end"),
                    "reason",
                ]
            },
        )
    ]
    fieldsets = [
        (
            "Request",
            {
                "fields": [
                    "employee",
                    "time_off_type",
                    ("start_date", "end_date"),
                    ("half_day_start", "half_day_end"),
                    "days",
                    "reason",
                ]
            },
        ),
        ("Decision", {"fields": ["status", "submitted_by", "created_at", "decided_at"]}),
    ]
    inlines = [TimeOffApprovalInline]
    actions = ["approve_selected", "reject_selected"]
    actions_row = [APPROVE.name, REJECT.name, CANCEL.name]
    actions_detail = [APPROVE.name, REJECT.name, CANCEL.name]

    def get_queryset(self, request):
        # Django skips list_select_related when the queryset already selects related rows.
        return super().get_queryset(request).select_related(*self.list_select_related)

    def get_form(self, request, obj=None, **kwargs):
        if obj is not None:
            return super().get_form(request, obj, **kwargs)  # read-only: no fields to submit
        form = super().get_form(request, obj, form=TimeOffRequestSubmitForm, **kwargs)
        return type(form.__name__, (form,), {"submitted_by": request.user})

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    def save_model(self, request, obj, form, change):
        pass  # the add form's service call has written the request; nothing else is saved here

    @display(description="Department", ordering="employee__department__name")
    def department(self, obj):
        return obj.employee.department

    @display(description="Status", ordering="status", label=REQUEST_STATUS_COLOURS)
    def status_label(self, obj):
        return obj.status, obj.get_status_display()

    # --- the workflow: row and detail actions ------------------------------------------------
    workflow_steps = (APPROVE, REJECT, CANCEL)

    @action(description="Approve", url_path="approve", icon="check", permissions=["view"])
    def approve_request(self, request, object_id):
        return self._step_view(request, object_id, APPROVE, permission="view")

    @action(description="Reject", url_path="reject", icon="block", permissions=["view"])
    def reject_request(self, request, object_id):
        return self._step_view(request, object_id, REJECT, permission="view")

    @action(description="Cancel request", url_path="cancel", icon="event_busy", permissions=["view"])
    def cancel_request(self, request, object_id):
        return self._step_view(request, object_id, CANCEL, permission="view")

    # Anyone who may view requests may try a decision; the service decides who may decide.
    def allowed_step_names(self, request, obj) -> set[str]:
        return DECISIONS_BY_STATUS.get(obj.status, set())

    def bulk_done_message(self, step, results) -> str:
        counts = Counter(_outcome(result) for result in results)
        summary = "; ".join(f"{n} request{'s' if n > 1 else ''} {outcome}" for outcome, n in counts.items())
        return f"{summary}."

    # --- the workflow: bulk changelist actions -----------------------------------------------
    @admin.action(description="Approve selected requests", permissions=["view"])
    def approve_selected(self, request, queryset):
        return self._bulk_step(request, queryset, APPROVE_SELECTED, "approve_selected")

    @admin.action(description="Reject selected requests…", permissions=["view"])
    def reject_selected(self, request, queryset):
        return self._bulk_step(request, queryset, REJECT, "reject_selected")
