"""Daily metrics: the hourly snapshots the dashboards read (people.analytics), read-only here."""

from django.contrib import admin

from people.admin_base import TenantOwnedAdmin
from people.models import DailyMetric


@admin.register(DailyMetric)
class DailyMetricAdmin(TenantOwnedAdmin):
    list_display = ["day", "key", "value", "updated_at"]
    list_filter = ["key"]
    search_fields = ["key"]
    date_hierarchy = "day"
    ordering = ["-day", "key"]
    readonly_fields = ["day", "key", "value", "created_at", "updated_at"]

    # Written only by the refresh schedule: nobody adds, edits, deletes or imports a snapshot.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_import_permission(self, request):
        return False
