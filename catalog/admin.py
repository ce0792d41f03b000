"""Catalog admins.

- The public catalogs and the sync runs: read-only browsers for platform staff (superusers).
  Tenant roles never see them, whatever their app grants: the catalogs hold every tenant's rows.
- Catalog settings: tenant-owned, on the kernel's base admin.
- "Resync to the public catalog" on the job postings and service providers admins, added to
  those registered admins here so recruiting and marketplace need not know about the catalog.
"""

import json

from django.contrib import admin, messages
from django.utils.html import format_html
from unfold.admin import ModelAdmin
from unfold.decorators import display
from unfold.paginator import InfinitePaginator

import marketplace.admin  # noqa: F401  registers ServiceProviderAdmin before the action is added
import recruiting.admin  # noqa: F401  registers JobPostingAdmin before the action is added
from catalog.models import CatalogSettings, CatalogSyncRun, PublicJobCatalog, PublicProviderCatalog
from catalog.sync.operations import resync_selected
from marketplace.models import ServiceProvider
from people.admin_base import TenantOwnedAdmin
from recruiting.models import JobPosting


class PlatformReadOnlyAdmin(ModelAdmin):
    """Visible to superusers only, and never editable: entries are written by the sync alone."""

    list_per_page = 50
    paginator = InfinitePaginator  # no COUNT(*) of 200,000 entries per page
    show_full_result_count = False

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PublicJobCatalog)
class PublicJobCatalogAdmin(PlatformReadOnlyAdmin):
    list_display = ["title", "company_name", "location", "remote_policy", "employment_type", "category",
                    "published_at", "closes_at", "synced_at"]  # fmt: skip
    list_filter = ["remote_policy", "employment_type", "tenant"]
    search_fields = ["title", "company_name", "location", "category"]
    date_hierarchy = None  # a DISTINCT over every date of 200,000 rows: filters are enough
    ordering = ["-published_at", "-id"]
    exclude = ["search_text"]


@admin.register(PublicProviderCatalog)
class PublicProviderCatalogAdmin(PlatformReadOnlyAdmin):
    list_display = ["display_name", "city", "country", "rating", "review_count", "is_verified",
                    "accepting_projects", "synced_at"]  # fmt: skip
    list_filter = ["is_verified", "accepting_projects", "country", "tenant"]
    search_fields = ["display_name", "city"]
    ordering = ["-rating", "-review_count", "id"]
    exclude = ["search_text"]


def _pretty(value) -> str:
    return format_html("<pre>{}</pre>", json.dumps(value, indent=2, ensure_ascii=False, default=str))


@admin.register(CatalogSyncRun)
class CatalogSyncRunAdmin(PlatformReadOnlyAdmin):
    list_display = ["started_at", "kind", "catalog", "tenant", "status_label", "synced", "skipped",
                    "removed", "errors", "duration"]  # fmt: skip
    list_filter = ["kind", "catalog"]
    list_select_related = ["tenant"]
    ordering = ["-started_at", "-id"]
    readonly_fields = ["details_pretty", "errors_pretty"]
    exclude = ["details", "error_samples"]

    @display(description="Status", label={"ok": "success", "with errors": "danger", "running": "warning"})
    def status_label(self, obj):
        return obj.status

    @display(description="Duration")
    def duration(self, obj):
        if obj.finished_at is None:
            return "–"
        return f"{(obj.finished_at - obj.started_at).total_seconds():.1f} s"

    @display(description="Details")
    def details_pretty(self, obj):
        return _pretty(obj.details)

    @display(description="Error samples")
    def errors_pretty(self, obj):
        return _pretty(obj.error_samples)


@admin.register(CatalogSettings)
class CatalogSettingsAdmin(TenantOwnedAdmin):
    list_display = ["__str__", "publish_salaries", "applicant_retention_days", "updated_at"]
    list_filter = ["publish_salaries"]

    def has_add_permission(self, request):
        # One row per tenant (a unique constraint); the form has nothing else to offer.
        return super().has_add_permission(request) and not self.get_queryset(request).exists()


# --- "Resync to the public catalog" on the source admins -----------------------------------
@admin.action(description="Resync to the public catalog", permissions=["change"])
def resync_to_catalog(modeladmin, request, queryset):
    name = "jobs" if modeladmin.model is JobPosting else "providers"
    ids = list(queryset.order_by().values_list("pk", flat=True))
    result = resync_selected(name, ids)
    not_listed = len(ids) - result.synced - result.skipped - result.errors
    modeladmin.message_user(
        request,
        f"Public catalog: {result.synced} listed or updated, {result.skipped} already up to date, "
        f"{not_listed} not eligible ({result.removed} taken off).",
        messages.SUCCESS,
    )
    for sample in result.error_samples:
        modeladmin.message_user(request, f"#{sample['id']} not copied: {sample['error']}", messages.ERROR)


for _model in (JobPosting, ServiceProvider):
    _model_admin = admin.site._registry.get(_model)
    if _model_admin is not None and resync_to_catalog not in (_model_admin.actions or []):
        _model_admin.actions = [*(_model_admin.actions or []), resync_to_catalog]
