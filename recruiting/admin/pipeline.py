"""The applications admin: read-only records (written by the workflow services) with row, detail
and bulk actions for every lifecycle step, and their interviews, offers and checks inline.

The interview, offer and background-check admins live in recruiting/admin/interviews.py and
recruiting/admin/offers.py; the step machinery is the kernel's, people/admin_workflow.py.
"""

from datetime import datetime, time, timedelta

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from unfold.contrib.filters.admin import (
    AutocompleteSelectFilter,
    ChoicesDropdownFilter,
    RangeDateFilter,
    RelatedDropdownFilter,
)
from unfold.decorators import action
from unfold.paginator import InfinitePaginator
from unfold.utils import parse_date_str

from people.admin_base import TenantOwnedAdmin
from people.admin_fields import amount, choice, day, link, many, moment, note, text
from people.admin_workflow import ReadOnlyInline, Step, StepForm, WorkflowActionsMixin
from people.exporting import xlsx_export_response
from people.models import User
from people.tenancy import current_tenant
from recruiting.models import (
    CLOSED_APPLICATION_STATUSES,
    Application,
    ApplicationStatus,
    ApplicationStatusChange,
    BackgroundCheck,
    Interview,
    InterviewType,
    Offer,
    Source,
)
from recruiting.resources import ApplicationResource
from recruiting.services import checks, hiring, interviews, offers, pipeline

STUCK_AFTER = timedelta(days=7)


# --- inlines: read-only --------------------------------------------------------------------------
class StatusChangeInline(ReadOnlyInline):
    model = ApplicationStatusChange
    fields = readonly_fields = ["changed_at", "from_status", "to_status", "changed_by", "note"]
    show_change_link = False
    verbose_name_plural = "Timeline"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("changed_by")


class InterviewInline(ReadOnlyInline):
    model = Interview
    fields = readonly_fields = ["interview_type", "status", "scheduled_start", "scheduled_end", "location"]


class OfferInline(ReadOnlyInline):
    model = Offer
    fields = readonly_fields = ["status", "salary", "currency", "start_date", "expires_at", "sent_at"]


class BackgroundCheckInline(ReadOnlyInline):
    model = BackgroundCheck
    fields = readonly_fields = ["provider", "package", "status", "requested_at", "completed_at"]


class WorkflowOnlyAdmin(WorkflowActionsMixin, TenantOwnedAdmin):
    """Viewable records; rows are written by the recruiting services (the workflow actions), not
    edited by hand. Running an action needs the role's change permission (`has_workflow_permission`)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_import_permission(self, request):
        return False


# --- the application steps -----------------------------------------------------------------------
class MoveForm(StepForm):
    to_status = choice("Move to")
    note = note(help_text="Optional; kept in the application's timeline.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        allowed = pipeline.allowed_moves(self.obj.status) if self.obj is not None else frozenset()
        self.fields["to_status"].choices = [("", "---------")] + [
            (status.value, status.label) for status in ApplicationStatus if status in allowed
        ]


class RejectForm(StepForm):
    reason = note(
        "Reason",
        required=True,
        help_text="Kept with the application.",
        error="Say why the application is rejected.",
    )


class WithdrawForm(StepForm):
    note = note(help_text="Optional, e.g. what the candidate said.")


class ScheduleInterviewForm(StepForm):
    interview_type = choice("Type", InterviewType.choices)
    start = moment("Start")
    end = moment("End")
    interviewers = many("Interviewers", User.objects.none(), help_text="Members of this company.")
    location = text("Location", required=False)
    meeting_link = link("Meeting link")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Built per request, inside the tenant: only its members (a forged id is "not a valid choice").
        self.fields["interviewers"].queryset = (
            User.objects.filter(memberships__tenant=current_tenant()).distinct().order_by("email")
        )


class DraftOfferForm(StepForm):
    salary = amount("Salary (yearly)")
    currency = text("Currency", max_length=3, help_text="3-letter ISO code, e.g. EUR.")
    start_date = day("Start date")
    expires_at = moment("Expires at", required=False, help_text="Empty: 7 days after it is sent.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.obj is not None:
            self.fields["currency"].initial = (
                self.obj.job.salary_currency or current_tenant().default_currency
            )


class BackgroundCheckForm(StepForm):
    provider = text("Provider", max_length=120)
    package = text("Package", required=False, max_length=120)
    document_types = text(
        "Documents to verify", max_length=500, help_text="Comma-separated, e.g. Passport, Right to work."
    )

    def clean_document_types(self):
        return [part.strip() for part in self.cleaned_data["document_types"].split(",") if part.strip()]


class HireForm(StepForm):
    start_date = day("Start date", required=False, help_text="Empty: the accepted offer's start date.")


def _hired(application, employee):
    url = reverse("admin:people_employee_change", args=[employee.pk])
    return format_html(
        '{} hired: employee <a href="{}">{}</a> ({}) created.',
        application.candidate,
        url,
        employee,
        employee.employee_number,
    )


MOVE = Step(
    "move_application",
    "Move to…",
    "Move this application to another stage?",
    lambda app, user, d: pipeline.move_application(
        application_id=app.pk, to_status=d["to_status"], by=user, note=d["note"]
    ),
    MoveForm,
    done=lambda app, result: f"{result}: moved to {result.get_status_display()}.",
)
REJECT = Step(
    "reject_application",
    "Reject",
    "Reject this application? Say why: the reason is kept.",
    lambda app, user, d: pipeline.reject_application(application_id=app.pk, reason=d["reason"], by=user),
    RejectForm,
    done=lambda app, result: f"{result}: rejected.",
)
WITHDRAW = Step(
    "withdraw_application",
    "Withdraw",
    "Record that the candidate withdrew this application?",
    lambda app, user, d: pipeline.withdraw_application(
        application_id=app.pk, by=user, note=d.get("note", "")
    ),
    WithdrawForm,
    done=lambda app, result: f"{result}: withdrawn.",
    back_label="Keep the application",
)
SCHEDULE = Step(
    "schedule_interview",
    "Schedule interview",
    "Schedule an interview for this application.",
    lambda app, user, d: interviews.schedule_interview(
        application_id=app.pk,
        interview_type=d["interview_type"],
        start=d["start"],
        end=d["end"],
        interviewer_ids=[u.pk for u in d["interviewers"]],
        location=d["location"],
        meeting_link=d["meeting_link"],
        by=user,
    ),
    ScheduleInterviewForm,
    done=lambda app, interview: f"Scheduled: {interview}.",
    field_map={"scheduled_start": "start", "scheduled_end": "end", "interviewer_ids": "interviewers"},
)
DRAFT_OFFER = Step(
    "draft_offer",
    "Draft offer",
    "Draft an offer for this application (send it from the offer's page).",
    lambda app, user, d: offers.draft_offer(
        application_id=app.pk,
        salary=d["salary"],
        currency=d["currency"],
        start_date=d["start_date"],
        expires_at=d["expires_at"],
        by=user,
    ),
    DraftOfferForm,
    done=lambda app, offer: format_html(
        'Drafted: <a href="{}">{}</a>.', reverse("admin:recruiting_offer_change", args=[offer.pk]), offer
    ),
)
REQUEST_CHECK = Step(
    "request_background_check",
    "Request background check",
    "Request a background check for this application.",
    lambda app, user, d: checks.request_background_check(
        application_id=app.pk,
        provider=d["provider"],
        package=d["package"],
        document_types=d["document_types"],
        by=user,
    ),
    BackgroundCheckForm,
    done=lambda app, check: f"Requested: {check}.",
)
HIRE = Step(
    "hire",
    "Hire",
    "Hire this candidate? This creates their employee record from the accepted offer.",
    lambda app, user, d: hiring.hire(application_id=app.pk, by=user, start_date=d["start_date"]),
    HireForm,
    done=_hired,
)
OPEN_STEPS = {MOVE.name, REJECT.name, WITHDRAW.name, SCHEDULE.name, REQUEST_CHECK.name}


class StuckFilter(admin.SimpleListFilter):
    title = "stuck"
    parameter_name = "stuck"

    def lookups(self, request, model_admin):
        return [("7d", f"Open, same status for more than {STUCK_AFTER.days} days")]

    def queryset(self, request, queryset):
        if self.value() == "7d":
            return queryset.exclude(status__in=CLOSED_APPLICATION_STATUSES).filter(
                status_changed_at__lt=timezone.now() - STUCK_AFTER
            )
        return queryset


class DayRangeFilter(RangeDateFilter):
    """From/to whole days (the current time zone) on a datetime field, as two index-friendly bounds
    (>= from's midnight, < the midnight after to). Unlike date_hierarchy, whose year and month links
    come from a SELECT DISTINCT over every row of the list, it runs no query of its own."""

    def queryset(self, request, queryset):
        bounds = {}
        start = parse_date_str(self.used_parameters.get(f"{self.parameter_name}_from"))
        end = parse_date_str(self.used_parameters.get(f"{self.parameter_name}_to"))
        if start is not None:
            bounds[f"{self.parameter_name}__gte"] = timezone.make_aware(datetime.combine(start, time.min))
        if end is not None:
            bounds[f"{self.parameter_name}__lt"] = timezone.make_aware(
                datetime.combine(end + timedelta(days=1), time.min)
            )
        return queryset.filter(**bounds)


@admin.register(Application)
class ApplicationAdmin(WorkflowOnlyAdmin):
    resource_classes = [ApplicationResource]

    def has_import_permission(self, request):
        # Imports go through ApplicationResource, which applies the pipeline's rules.
        return TenantOwnedAdmin.has_import_permission(self, request)

    list_display = ["candidate", "job", "status", "source", "applied_at", "status_changed_at"]
    list_filter = [
        ("job", AutocompleteSelectFilter),
        ("job__department", RelatedDropdownFilter),
        ("status", ChoicesDropdownFilter),
        ("source", ChoicesDropdownFilter),
        ("applied_at", DayRangeFilter),
        StuckFilter,
    ]
    list_filter_submit = True
    search_fields = [
        "candidate__first_name",
        "candidate__last_name",
        "candidate__email",
        "job__title",
        "job__reference_code",
    ]
    list_select_related = ["candidate", "job"]
    # No date_hierarchy: its links cost a scan of every application (see DayRangeFilter).
    ordering = ["-applied_at", "-pk"]
    paginator = InfinitePaginator
    show_full_result_count = False
    inlines = [InterviewInline, OfferInline, BackgroundCheckInline, StatusChangeInline]
    workflow_steps = (MOVE, REJECT, WITHDRAW, SCHEDULE, DRAFT_OFFER, REQUEST_CHECK, HIRE)
    actions = ["reject_selected", "withdraw_selected", "export_xlsx_selected"]
    actions_list = ["export_xlsx"]
    actions_row = [step.name for step in workflow_steps]
    actions_detail = actions_row

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("candidate", "job")

    # --- fast XLSX export (people.exporting: write-only workbook from values_list().iterator()) ----
    def xlsx_columns(self):
        today = timezone.localdate()
        status_labels = {value: str(label) for value, label in ApplicationStatus.choices}
        source_labels = {value: str(label) for value, label in Source.choices}

        def days_since(moment):
            return None if moment is None else (today - timezone.localtime(moment).date()).days

        return [
            ("Job reference", "job__reference_code"),
            ("Job title", "job__title"),
            ("First name", "candidate__first_name"),
            ("Last name", "candidate__last_name"),
            ("E-mail", "candidate__email"),
            ("Phone", "candidate__phone"),
            ("Source", "source", lambda value: source_labels.get(value, value)),
            ("Status", "status", lambda value: status_labels.get(value, value)),
            ("Applied at", "applied_at"),
            ("In status since", "status_changed_at"),
            ("Days in status", "status_changed_at", days_since),
            ("Hired at", "hired_at"),
        ]

    def _xlsx_response(self, request, queryset):
        filename = f"applications-{request.tenant.slug}-{timezone.localdate():%Y-%m-%d}.xlsx"
        return xlsx_export_response(
            queryset,
            self.xlsx_columns(),
            filename=filename,
            request=request,
            sheet_title="Applications",
        )

    @admin.action(description="Export to Excel (fast)", permissions=["export"])
    def export_xlsx_selected(self, request, queryset):
        # `queryset`: the selected rows (or every filtered row with "select all") of the scoped list.
        return self._xlsx_response(request, queryset)

    @action(
        description="Export to Excel (fast)", url_path="export-xlsx", icon="download", permissions=["export"]
    )
    def export_xlsx(self, request):
        """Every row the changelist shows with the same query string (filters, search, date)."""
        try:
            changelist = self.get_changelist_instance(request)
        except IncorrectLookupParameters:
            changelist_url = reverse("admin:recruiting_application_changelist")
            return HttpResponseRedirect(f"{changelist_url}?e=1")
        return self._xlsx_response(request, changelist.queryset)

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        # The export button carries the page's filters and search (not its page number).
        query = request.GET.copy()
        query.pop("p", None)
        context = getattr(response, "context_data", None) or {}
        if query and context.get("actions_list"):
            export_url = reverse("admin:recruiting_application_export_xlsx")
            for item in context["actions_list"]:
                if item.get("path") == export_url:
                    item["path"] = f"{export_url}?{query.urlencode()}"
        return response

    def allowed_step_names(self, request, obj):
        if obj.status in CLOSED_APPLICATION_STATUSES:
            return set()
        allowed = set(OPEN_STEPS)
        if obj.status in offers.OFFER_STAGES:
            allowed.add(DRAFT_OFFER.name)
        if ApplicationStatus.HIRED in pipeline.ALLOWED_TRANSITIONS.get(obj.status, ()):
            allowed.add(HIRE.name)
        return allowed

    @action(description="Move to…", url_path="move", icon="arrow_forward", permissions=["workflow"])
    def move_application(self, request, object_id):
        return self._step_view(request, object_id, MOVE)

    @action(description="Reject", url_path="reject", icon="block", permissions=["workflow"])
    def reject_application(self, request, object_id):
        return self._step_view(request, object_id, REJECT)

    @action(description="Withdraw", url_path="withdraw", icon="undo", permissions=["workflow"])
    def withdraw_application(self, request, object_id):
        return self._step_view(request, object_id, WITHDRAW)

    @action(
        description="Schedule interview",
        url_path="schedule-interview",
        icon="event",
        permissions=["workflow"],
    )
    def schedule_interview(self, request, object_id):
        return self._step_view(request, object_id, SCHEDULE)

    @action(description="Draft offer", url_path="draft-offer", icon="request_quote", permissions=["workflow"])
    def draft_offer(self, request, object_id):
        return self._step_view(request, object_id, DRAFT_OFFER)

    @action(
        description="Request background check",
        url_path="request-check",
        icon="verified_user",
        permissions=["workflow"],
    )
    def request_background_check(self, request, object_id):
        return self._step_view(request, object_id, REQUEST_CHECK)

    @action(description="Hire", url_path="hire", icon="how_to_reg", permissions=["workflow"])
    def hire(self, request, object_id):
        return self._step_view(request, object_id, HIRE)

    @admin.action(description="Reject selected applications…", permissions=["workflow"])
    def reject_selected(self, request, queryset):
        return self._bulk_step(request, queryset, REJECT, "reject_selected")

    @admin.action(description="Withdraw selected applications", permissions=["workflow"])
    def withdraw_selected(self, request, queryset):
        return self._bulk_step(request, queryset, WITHDRAW, "withdraw_selected")
