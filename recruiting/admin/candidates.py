"""The candidates admin."""

from django.contrib import admin
from django.db.models import Count
from unfold.contrib.filters.admin import ChoicesDropdownFilter
from unfold.decorators import display
from unfold.paginator import InfinitePaginator

from people.admin_base import TenantOwnedAdmin
from recruiting.models import Candidate


@admin.register(Candidate)
class CandidateAdmin(TenantOwnedAdmin):
    list_display = [
        "full_name",
        "email",
        "phone",
        "current_title",
        "source",
        "employment_status",
        "application_count",
        "duplicate_flag",
        "created_at",
    ]
    list_display_links = ["full_name", "email"]
    list_filter = [
        ("source", ChoicesDropdownFilter),
        ("employment_status", ChoicesDropdownFilter),
        ("visa_sponsorship_status", ChoicesDropdownFilter),
    ]
    list_filter_submit = True
    search_fields = ["first_name", "last_name", "email", "phone", "current_company", "current_title"]
    list_select_related = ["possible_duplicate_of"]
    autocomplete_fields = ["possible_duplicate_of", "employee"]
    readonly_fields = ["anonymized_at"]
    date_hierarchy = "created_at"
    ordering = ["last_name", "first_name", "pk"]
    paginator = InfinitePaginator
    show_full_result_count = False
    fieldsets = [
        (None, {"fields": ["first_name", "last_name", "email", "phone", "location"]}),
        (
            "Profile",
            {
                "fields": [
                    "current_title",
                    "current_company",
                    "employment_status",
                    "visa_sponsorship_status",
                    "source",
                    "tags",
                    "cv",
                ]
            },
        ),
        ("Consent and retention", {"fields": ["consent_given_at", "retention_until", "anonymized_at"]}),
        ("Links", {"fields": ["possible_duplicate_of", "employee"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n_applications=Count("applications"))

    @display(description="Name", ordering="last_name")
    def full_name(self, obj):
        return obj.full_name

    @display(description="Applications", ordering="n_applications")
    def application_count(self, obj):
        return obj.n_applications

    @display(description="Possible duplicate of")
    def duplicate_flag(self, obj):
        return str(obj.possible_duplicate_of) if obj.possible_duplicate_of_id else "–"
