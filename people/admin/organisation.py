"""Admins of the organisation: departments (a tree) and employees (with reporting lines)."""

from django.contrib import admin
from django.db.models import Count
from unfold.contrib.filters.admin import (
    AutocompleteSelectFilter,
    ChoicesDropdownFilter,
    FieldTextFilter,
)
from unfold.decorators import display
from unfold.paginator import InfinitePaginator

from people.admin_base import TenantOwnedAdmin
from people.models import (
    Department,
    Employee,
    EmployeeStatus,
)
from people.resources import DepartmentResource, EmployeeResource

STATUS_COLOURS = {
    EmployeeStatus.ACTIVE: "success",
    EmployeeStatus.ON_LEAVE: "warning",
    EmployeeStatus.TERMINATED: "danger",
}


@admin.register(Department)
class DepartmentAdmin(TenantOwnedAdmin):
    resource_classes = [DepartmentResource]
    list_display = ["name", "parent", "head", "cost_center", "employee_count"]
    list_filter = [("parent", AutocompleteSelectFilter), ("head", AutocompleteSelectFilter)]
    list_filter_submit = True
    search_fields = ["name", "cost_center"]
    list_select_related = ["parent", "head"]
    autocomplete_fields = ["parent", "head"]
    ordering = ["name"]
    fields = ["name", "parent", "head", "cost_center"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(employee_count=Count("employees", distinct=True))

    @display(description="Employees", ordering="employee_count")
    def employee_count(self, obj):
        return obj.employee_count


@admin.register(Employee)
class EmployeeAdmin(TenantOwnedAdmin):
    resource_classes = [EmployeeResource]
    list_display = [
        "employee_number",
        "full_name",
        "job_title",
        "department",
        "manager",
        "status_label",
        "hire_date",
    ]
    list_display_links = ["employee_number", "full_name"]
    list_filter = [
        ("department", AutocompleteSelectFilter),
        ("manager", AutocompleteSelectFilter),
        ("job_title", FieldTextFilter),
        ("status", ChoicesDropdownFilter),
        ("employment_type", ChoicesDropdownFilter),
    ]
    list_filter_submit = True
    search_fields = ["employee_number", "first_name", "last_name", "work_email", "job_title"]
    list_select_related = ["department", "manager"]
    autocomplete_fields = ["department", "manager"]
    date_hierarchy = "hire_date"
    # The biggest HR table: no COUNT(*) of every employee on each page.
    paginator = InfinitePaginator
    show_full_result_count = False
    list_per_page = 50
    fieldsets = [
        (
            "Identity",
            {"fields": ["employee_number", ("first_name", "last_name"), "work_email", "phone", "user"]},
        ),
        ("Job", {"fields": ["job_title", "department", "manager", "location"]}),
        ("Employment", {"fields": ["employment_type", "status", "hire_date", "termination_date"]}),
        ("Emergency contact", {"fields": ["emergency_contact_name", "emergency_contact_phone"]}),
    ]

    @display(description="Name", ordering="last_name")
    def full_name(self, obj):
        return obj.full_name

    @display(description="Status", ordering="status", label=STATUS_COLOURS)
    def status_label(self, obj):
        return obj.status, obj.get_status_display()
