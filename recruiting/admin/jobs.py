"""The job postings admin: applicant counts per stage and days open come from the page's query."""

from django.contrib import admin, messages
from django.db.models import Count, Q
from django.utils import timezone
from unfold.contrib.filters.admin import (
    AutocompleteSelectFilter,
    ChoicesDropdownFilter,
    RelatedDropdownFilter,
)
from unfold.decorators import action, display

from people.admin_base import TenantOwnedAdmin
from recruiting.models import ApplicationStatus, JobPosting, JobStatus
from recruiting.resources import JobPostingResource
from recruiting.services import jobs as job_services
from recruiting.services.errors import RecruitingError

# The stages shown as columns of counts, in pipeline order.
STAGES = [
    ("review", ApplicationStatus.PENDING_REVIEW),
    ("screen", ApplicationStatus.PHONE_SCREEN),
    ("assessment", ApplicationStatus.TECHNICAL),
    ("onsite", ApplicationStatus.ONSITE_1),
    ("final", ApplicationStatus.FINAL),
    ("offer", ApplicationStatus.OFFER),
    ("check", ApplicationStatus.BACKGROUND_CHECK),
    ("hired", ApplicationStatus.HIRED),
]
JOB_STATUS_COLOURS = {
    JobStatus.DRAFT: "info",
    JobStatus.PUBLISHED: "success",
    JobStatus.ON_HOLD: "warning",
    JobStatus.FILLED: "primary",
    JobStatus.CANCELLED: "danger",
}


@admin.register(JobPosting)
class JobPostingAdmin(TenantOwnedAdmin):
    resource_classes = [JobPostingResource]
    list_display = [
        "reference_code",
        "title",
        "department",
        "status_label",
        "published_on_career_page",
        "pipeline",
        "applicants",
        "days_open",
        "openings",
    ]
    list_display_links = ["reference_code", "title"]
    list_filter = [
        ("status", ChoicesDropdownFilter),
        ("department", RelatedDropdownFilter),
        ("recruiter", RelatedDropdownFilter),
        ("hiring_manager", AutocompleteSelectFilter),
        "published_on_career_page",
        "is_internal_only",
    ]
    list_filter_submit = True
    search_fields = ["title", "reference_code", "location", "category"]
    list_select_related = ["department"]
    autocomplete_fields = ["department", "hiring_manager"]
    date_hierarchy = "created_at"
    ordering = ["-created_at", "-pk"]
    readonly_fields = ["published_at"]
    actions = ["publish_selected", "close_selected", "duplicate_selected"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "title",
                    "reference_code",
                    "status",
                    "department",
                    "location",
                    "remote_policy",
                    "employment_type",
                    "category",
                    "openings",
                ]
            },
        ),
        ("Description", {"fields": ["description", "requirements", "skills"]}),
        ("Salary", {"fields": ["salary_min", "salary_max", "salary_currency"]}),
        ("People", {"fields": ["hiring_manager", "recruiter"]}),
        (
            "Publishing",
            {"fields": ["published_on_career_page", "is_internal_only", "published_at", "closes_at"]},
        ),
    ]

    def get_queryset(self, request):
        counts = {
            f"n_{name}": Count("applications", filter=Q(applications__status=status))
            for name, status in STAGES
        }
        return super().get_queryset(request).annotate(n_applicants=Count("applications"), **counts)

    @display(description="Status", ordering="status", label=JOB_STATUS_COLOURS)
    def status_label(self, obj):
        return obj.status, obj.get_status_display()

    @display(description="Pipeline")
    def pipeline(self, obj):
        return " · ".join(
            f"{name} {getattr(obj, f'n_{name}')}" for name, _status in STAGES if getattr(obj, f"n_{name}")
        )

    @display(description="Applicants", ordering="n_applicants")
    def applicants(self, obj):
        return obj.n_applicants

    @display(description="Days open", ordering="published_at")
    def days_open(self, obj):
        if obj.published_at is None:
            return "–"
        return (timezone.now() - obj.published_at).days

    def _run(self, request, queryset, service, done: str):
        ok = 0
        for job in queryset:
            try:
                service(job_id=job.pk)
                ok += 1
            except RecruitingError as exc:
                self.message_user(request, " ".join(exc.messages), messages.ERROR)
        if ok:
            self.message_user(request, f"{ok} job(s) {done}.", messages.SUCCESS)

    @action(description="Publish to the careers page")
    def publish_selected(self, request, queryset):
        self._run(request, queryset, job_services.publish_job, "published")

    @action(description="Close (cancelled)")
    def close_selected(self, request, queryset):
        self._run(request, queryset, job_services.close_job, "closed")

    @action(description="Duplicate as a draft")
    def duplicate_selected(self, request, queryset):
        self._run(request, queryset, job_services.duplicate_job, "duplicated")
