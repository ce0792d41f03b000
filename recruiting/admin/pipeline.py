"""Admins of the pipeline: applications (with their interviews, offers and checks inline), and
read-only lists of interviews, offers and checks. Moves happen through the workflow services, so
the records themselves are not edited here."""

from django.contrib import admin
from unfold.admin import TabularInline
from unfold.contrib.filters.admin import AutocompleteSelectFilter, ChoicesDropdownFilter
from unfold.decorators import display
from unfold.paginator import InfinitePaginator

from people.admin_base import TenantOwnedAdmin
from recruiting.models import Application, ApplicationStatusChange, BackgroundCheck, Interview, Offer


class ReadOnlyInline(TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


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


class WorkflowOnlyAdmin(TenantOwnedAdmin):
    """Viewable lists; rows are written by the recruiting services, not edited by hand."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_import_permission(self, request):
        return False


@admin.register(Application)
class ApplicationAdmin(WorkflowOnlyAdmin):
    list_display = ["candidate", "job", "status", "source", "applied_at", "status_changed_at"]
    list_filter = [
        ("job", AutocompleteSelectFilter),
        ("status", ChoicesDropdownFilter),
        ("source", ChoicesDropdownFilter),
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
    date_hierarchy = "applied_at"
    ordering = ["-applied_at", "-pk"]
    paginator = InfinitePaginator
    show_full_result_count = False
    inlines = [InterviewInline, OfferInline, BackgroundCheckInline, StatusChangeInline]


@admin.register(Interview)
class InterviewAdmin(WorkflowOnlyAdmin):
    list_display = ["application", "interview_type", "status", "scheduled_start", "scheduled_end"]
    list_filter = [("interview_type", ChoicesDropdownFilter), ("status", ChoicesDropdownFilter)]
    list_filter_submit = True
    search_fields = [
        "application__candidate__first_name",
        "application__candidate__last_name",
        "application__job__title",
    ]
    list_select_related = ["application__candidate", "application__job"]
    date_hierarchy = "scheduled_start"
    ordering = ["-scheduled_start", "-pk"]


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

    @display(description="Salary", ordering="salary")
    def salary_text(self, obj):
        return f"{obj.salary:,.2f} {obj.currency}"


@admin.register(BackgroundCheck)
class BackgroundCheckAdmin(WorkflowOnlyAdmin):
    list_display = ["application", "provider", "package", "status", "requested_at", "completed_at"]
    list_filter = [("status", ChoicesDropdownFilter)]
    list_filter_submit = True
    search_fields = ["application__candidate__first_name", "application__candidate__last_name", "provider"]
    list_select_related = ["application__candidate", "application__job"]
