"""The service categories admin: a tree of names (parent by autocomplete), with service counts."""

from django.contrib import admin
from django.db.models import Count
from unfold.contrib.filters.admin import AutocompleteSelectFilter
from unfold.decorators import display

from marketplace.models import ServiceCategory
from marketplace.resources import ServiceCategoryResource
from people.admin_base import TenantOwnedAdmin


@admin.register(ServiceCategory)
class ServiceCategoryAdmin(TenantOwnedAdmin):
    resource_classes = [ServiceCategoryResource]
    list_display = ["name", "parent", "service_count"]
    list_filter = [("parent", AutocompleteSelectFilter)]
    list_filter_submit = True
    search_fields = ["name", "description"]
    list_select_related = ["parent"]
    autocomplete_fields = ["parent"]
    ordering = ["name"]
    fields = ["name", "parent", "description"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n_services=Count("services"))

    @display(description="Services", ordering="n_services")
    def service_count(self, obj):
        return obj.n_services
