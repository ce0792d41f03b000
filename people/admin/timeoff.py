"""Admins of time off: holidays, types, the ledger (append-only) and requests with their approval
workflow.

Workflows go through `people.services.timeoff`: the request add form submits through the service,
and Approve / Reject / Cancel are row, detail and bulk actions that call it. A refusal shows the
service's message; it never becomes an error page.
"""

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from unfold.admin import TabularInline
from unfold.contrib.filters.admin import (
    AutocompleteSelectFilter,
    ChoicesDropdownFilter,
    RelatedDropdownFilter,
)
from unfold.decorators import action, display
from unfold.paginator import InfinitePaginator
from unfold.widgets import UnfoldAdminTextareaWidget

from people.admin_base import TenantOwnedAdmin
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


def add_service_error(form: forms.BaseForm, exc: ValidationError) -> None:
    """Put a service's refusal on the form: on the field it names, else as a non-field error."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


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


def _textarea(rows):
    return UnfoldAdminTextareaWidget(attrs={"rows": rows})


class ApproveForm(forms.Form):
    note = forms.CharField(
        label="Note", required=False, widget=_textarea(3), help_text="Optional; kept with the approval."
    )


class RejectForm(forms.Form):
    reason = forms.CharField(
        label="Reason",
        widget=_textarea(4),
        help_text="The employee will see it.",
        error_messages={"required": "Say why the request is rejected; the employee will see it."},
    )


class CancelForm(forms.Form):
    reason = forms.CharField(label="Reason", required=False, max_length=200, widget=_textarea(3))


@dataclass(frozen=True)
class Decision:
    """One workflow step the admin offers on a request, and the service function behind it."""

    name: str  # the action's method name
    title: str
    question: str
    form_class: type[forms.Form]
    run: Callable  # run(request_id, user, cleaned_data) -> TimeOffRequest
    back_label: str = "Cancel"


APPROVE = Decision(
    "approve_request",
    "Approve",
    "Approve this time off?",
    ApproveForm,
    lambda pk, user, data: timeoff.approve_time_off_request(request_id=pk, approver=user, note=data["note"]),
)
REJECT = Decision(
    "reject_request",
    "Reject",
    "Reject this time off? Say why: the employee will see the reason.",
    RejectForm,
    lambda pk, user, data: timeoff.reject_time_off_request(
        request_id=pk, approver=user, reason=data["reason"]
    ),
)
CANCEL = Decision(
    "cancel_request",
    "Cancel request",
    "Cancel this time off? An approved request gets its days back.",
    CancelForm,
    lambda pk, user, data: timeoff.cancel_time_off_request(request_id=pk, by=user, reason=data["reason"]),
    back_label="Keep the request",
)
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
class TimeOffRequestAdmin(NeverEditedAdmin):
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
    @action(description="Approve", url_path="approve", icon="check", permissions=["view"])
    def approve_request(self, request, object_id):
        return self._decision_view(request, object_id, APPROVE)

    @action(description="Reject", url_path="reject", icon="block", permissions=["view"])
    def reject_request(self, request, object_id):
        return self._decision_view(request, object_id, REJECT)

    @action(description="Cancel request", url_path="cancel", icon="event_busy", permissions=["view"])
    def cancel_request(self, request, object_id):
        return self._decision_view(request, object_id, CANCEL)

    def get_actions_detail(self, request, object_id):
        """Offer only the steps the request's status allows (the service still has the last word)."""
        obj = self.get_object(request, unquote(object_id))
        allowed = DECISIONS_BY_STATUS.get(obj.status, set()) if obj is not None else set()
        prefix = f"{self.opts.app_label}_{self.opts.model_name}_"
        return [
            unfold_action
            for unfold_action in super().get_actions_detail(request, object_id)
            if unfold_action.action_name.removeprefix(prefix) in allowed
        ]

    def _decision_view(self, request, object_id, decision: Decision):
        """GET: a confirmation page (with the decision's form); POST: run the service, then go back.
        Anyone who may view requests may try; the service decides who may decide."""
        obj = self._get_object_or_404(request, object_id)
        if not self.has_view_permission(request, obj):
            raise PermissionDenied
        back_url = self._back_url(request, reverse("admin:people_timeoffrequest_change", args=[obj.pk]))
        form = decision.form_class(request.POST if request.method == "POST" else None)
        if form.is_valid():
            self._decide(request, decision, [obj], form.cleaned_data)
            return HttpResponseRedirect(back_url)
        return self._decision_page(request, decision, form, [obj], back_url)

    def _back_url(self, request, default):
        """Where the decision page returns: the page it was opened from (same host only)."""
        if request.method == "POST":
            candidate = request.POST.get("next")
        else:
            candidate = request.GET.get("next") or request.META.get("HTTP_REFERER")
        if candidate and url_has_allowed_host_and_scheme(
            candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return candidate
        return default

    def _decision_page(self, request, decision, form, objects, back_url, bulk_action=None):
        context = {
            **self.admin_site.each_context(request),
            "title": f"{decision.title}: time-off request" + ("s" if len(objects) > 1 else ""),
            "opts": self.opts,
            "step": decision,
            "form": form,
            "objects": objects,
            "back_url": back_url,
            "bulk_action": bulk_action,
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/workflow_step.html", context)

    def _decide(self, request, decision: Decision, requests, data) -> None:
        """Run the decision on each request; report what it did, and each refusal as an error."""
        outcomes = []
        for time_off_request in requests:
            try:
                result = decision.run(time_off_request.pk, request.user, data)
            except timeoff.TimeOffError as exc:
                self.message_user(request, f"{time_off_request}: {' '.join(exc.messages)}", messages.ERROR)
            else:
                outcomes.append((result, _outcome(result)))
        if len(outcomes) == 1:
            [(result, outcome)] = outcomes
            self.message_user(request, f"{result}: {outcome}.", messages.SUCCESS)
        elif outcomes:
            counts = Counter(outcome for _result, outcome in outcomes)
            summary = "; ".join(
                f"{n} request{'s' if n > 1 else ''} {outcome}" for outcome, n in counts.items()
            )
            self.message_user(request, f"{summary}.", messages.SUCCESS)

    # --- the workflow: bulk changelist actions -----------------------------------------------
    def _selected(self, request, queryset):
        # Re-fetch through this admin's queryset: the selection is only a list of ids.
        return list(self.get_queryset(request).filter(pk__in=queryset.values("pk")))

    @admin.action(description="Approve selected requests", permissions=["view"])
    def approve_selected(self, request, queryset):
        self._decide(request, APPROVE, self._selected(request, queryset), {"note": ""})

    @admin.action(description="Reject selected requests…", permissions=["view"])
    def reject_selected(self, request, queryset):
        selected = self._selected(request, queryset)
        form = RejectForm(request.POST if "post" in request.POST else None)
        if form.is_valid():
            self._decide(request, REJECT, selected, form.cleaned_data)
            return None  # back to the changelist
        back_url = request.get_full_path()
        return self._decision_page(request, REJECT, form, selected, back_url, bulk_action="reject_selected")
