"""The offers and background-checks admins: read-only records whose workflow runs as row, detail
and bulk actions. A check's documents are shown inline; Verify / Reject act on one pending document
of the check, chosen on the action's page (simpler than per-row inline buttons, and it keeps every
write behind a confirmation page)."""

from django import forms
from django.contrib import admin
from unfold.contrib.filters.admin import ChoicesDropdownFilter
from unfold.decorators import action, display
from unfold.widgets import UnfoldAdminSelectWidget

from people.admin_fields import note
from people.admin_workflow import ReadOnlyInline, Step, StepForm
from recruiting.admin.pipeline import WorkflowOnlyAdmin
from recruiting.models import (
    BackgroundCheck,
    BackgroundCheckDocument,
    DocumentStatus,
    Offer,
    OfferStatus,
)
from recruiting.services import checks, offers

# --- offers --------------------------------------------------------------------------------------
SEND = Step(
    "send_offer",
    "Send",
    "Send this offer to the candidate? The application moves to the Offer stage.",
    lambda o, user, d: offers.send_offer(offer_id=o.pk, by=user),
    done=lambda o, result: f"{result}: sent, expires {result.expires_at:%Y-%m-%d}.",
)
ACCEPT = Step(
    "accept_offer",
    "Record acceptance",
    "Record that the candidate accepted this offer? Hiring is the next step.",
    lambda o, user, d: offers.accept_offer(offer_id=o.pk, by=user),
    done=lambda o, result: f"{result}: accepted. Hire the candidate from the application's page.",
)
DECLINE = Step(
    "decline_offer",
    "Record decline",
    "Record that the candidate declined this offer?",
    lambda o, user, d: offers.decline_offer(offer_id=o.pk, by=user),
    done=lambda o, result: f"{result}: declined.",
)
WITHDRAW = Step(
    "withdraw_offer",
    "Withdraw",
    "Withdraw this offer? The application stays where it is.",
    lambda o, user, d: offers.withdraw_offer(offer_id=o.pk, by=user),
    done=lambda o, result: f"{result}: withdrawn.",
    back_label="Keep the offer",
)
STEPS_BY_STATUS = {
    OfferStatus.DRAFT: {SEND.name, WITHDRAW.name},
    OfferStatus.SENT: {ACCEPT.name, DECLINE.name, WITHDRAW.name},
}


@admin.register(Offer)
class OfferAdmin(WorkflowOnlyAdmin):
    list_display = ["application", "status", "salary_text", "start_date", "expires_at", "sent_at"]
    list_filter = [("status", ChoicesDropdownFilter)]
    list_filter_submit = True
    search_fields = [
        "application__candidate__first_name",
        "application__candidate__last_name",
        "application__job__title",
    ]
    list_select_related = ["application__candidate", "application__job"]
    workflow_steps = (SEND, ACCEPT, DECLINE, WITHDRAW)
    actions = ["send_selected"]
    actions_row = [step.name for step in workflow_steps]
    actions_detail = actions_row

    def get_queryset(self, request):
        return super().get_queryset(request).select_related(*self.list_select_related)

    def allowed_step_names(self, request, obj):
        return STEPS_BY_STATUS.get(obj.status, set())

    @display(description="Salary", ordering="salary")
    def salary_text(self, obj):
        return f"{obj.salary:,.2f} {obj.currency}"

    @action(description="Send", url_path="send", icon="send", permissions=["workflow"])
    def send_offer(self, request, object_id):
        return self._step_view(request, object_id, SEND)

    @action(description="Record acceptance", url_path="accept", icon="thumb_up", permissions=["workflow"])
    def accept_offer(self, request, object_id):
        return self._step_view(request, object_id, ACCEPT)

    @action(description="Record decline", url_path="decline", icon="thumb_down", permissions=["workflow"])
    def decline_offer(self, request, object_id):
        return self._step_view(request, object_id, DECLINE)

    @action(description="Withdraw", url_path="withdraw", icon="undo", permissions=["workflow"])
    def withdraw_offer(self, request, object_id):
        return self._step_view(request, object_id, WITHDRAW)

    @admin.action(description="Send selected offers", permissions=["workflow"])
    def send_selected(self, request, queryset):
        return self._bulk_step(request, queryset, SEND, "send_selected")


# --- background checks ---------------------------------------------------------------------------
class DocumentInline(ReadOnlyInline):
    model = BackgroundCheckDocument
    fields = readonly_fields = ["document_type", "status", "file", "updated_at"]
    show_change_link = False


class DocumentChoiceForm(StepForm):
    document = forms.ModelChoiceField(label="Document", queryset=None, widget=UnfoldAdminSelectWidget)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.obj is not None:  # the check's pending documents (scoped: this tenant's only)
            self.fields["document"].queryset = self.obj.documents.filter(status=DocumentStatus.PENDING)


class RejectDocumentForm(DocumentChoiceForm):
    reason = note("Reason", required=True, help_text="It goes into the check's result.")


class CancelCheckForm(StepForm):
    reason = note("Reason", help_text="Optional; kept as the check's result.")


VERIFY_DOCUMENT = Step(
    "verify_document",
    "Verify a document",
    "Mark a document of this check as verified? The check completes when all are verified.",
    lambda c, user, d: checks.verify_document(document_id=d["document"].pk, by=user),
    DocumentChoiceForm,
    done=lambda c, document: f"{document.document_type}: verified.",
)
REJECT_DOCUMENT = Step(
    "reject_document",
    "Reject a document",
    "Reject a document of this check? The check completes as needing review.",
    lambda c, user, d: checks.reject_document(document_id=d["document"].pk, reason=d["reason"], by=user),
    RejectDocumentForm,
    done=lambda c, document: f"{document.document_type}: rejected.",
)
CANCEL_CHECK = Step(
    "cancel_check",
    "Cancel check",
    "Cancel this background check? The application stays where it is.",
    lambda c, user, d: checks.cancel_check(check_id=c.pk, by=user, reason=d["reason"]),
    CancelCheckForm,
    done=lambda c, result: f"{result}: cancelled.",
    back_label="Keep the check",
)


@admin.register(BackgroundCheck)
class BackgroundCheckAdmin(WorkflowOnlyAdmin):
    list_display = ["application", "provider", "package", "status", "requested_at", "completed_at"]
    list_filter = [("status", ChoicesDropdownFilter)]
    list_filter_submit = True
    search_fields = ["application__candidate__first_name", "application__candidate__last_name", "provider"]
    list_select_related = ["application__candidate", "application__job"]
    readonly_fields = ["result"]
    inlines = [DocumentInline]
    workflow_steps = (VERIFY_DOCUMENT, REJECT_DOCUMENT, CANCEL_CHECK)
    actions_row = [CANCEL_CHECK.name]
    actions_detail = [step.name for step in workflow_steps]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related(*self.list_select_related)

    def allowed_step_names(self, request, obj):
        if obj.status in checks.FINAL_CHECK_STATUSES:
            return set()
        if obj.documents.filter(status=DocumentStatus.PENDING).exists():
            return {step.name for step in self.workflow_steps}
        return {CANCEL_CHECK.name}

    @action(
        description="Verify a document", url_path="verify-document", icon="check", permissions=["workflow"]
    )
    def verify_document(self, request, object_id):
        return self._step_view(request, object_id, VERIFY_DOCUMENT)

    @action(
        description="Reject a document", url_path="reject-document", icon="block", permissions=["workflow"]
    )
    def reject_document(self, request, object_id):
        return self._step_view(request, object_id, REJECT_DOCUMENT)

    @action(description="Cancel check", url_path="cancel", icon="cancel", permissions=["workflow"])
    def cancel_check(self, request, object_id):
        return self._step_view(request, object_id, CANCEL_CHECK)
