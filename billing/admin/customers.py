"""Customers and plans: plain records edited by finance (and imported from files); a customer's
subscriptions and latest invoices are shown on their page."""

from django.contrib import admin
from django.db.models import Count, Q
from unfold.contrib.filters.admin import ChoicesDropdownFilter
from unfold.decorators import display

from billing.admin.common import money
from billing.models import Customer, Invoice, Plan, Subscription, SubscriptionStatus
from billing.resources import CustomerResource, PlanResource
from people.admin_base import TenantOwnedAdmin
from people.admin_workflow import ReadOnlyInline

LIVE = (SubscriptionStatus.TRIALING, SubscriptionStatus.ACTIVE, SubscriptionStatus.PAST_DUE)


class CountryFilter(admin.SimpleListFilter):
    title = "country"
    parameter_name = "country"

    def lookups(self, request, model_admin):
        used = model_admin.get_queryset(request).exclude(country="").order_by("country")
        return [(code, code) for code in used.values_list("country", flat=True).distinct()]

    def queryset(self, request, queryset):
        return queryset.filter(country=self.value()) if self.value() else queryset


class SubscriptionInline(ReadOnlyInline):
    model = Subscription
    fields = readonly_fields = [
        "plan",
        "status",
        "current_period_start",
        "current_period_end",
        "cancel_at_period_end",
    ]
    verbose_name_plural = "Subscriptions"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("plan")


class CustomerInvoiceInline(ReadOnlyInline):
    model = Invoice
    fields = readonly_fields = ["invoice", "status", "issue_date", "due_date", "total_text", "due_text"]
    verbose_name_plural = "Invoices"
    ordering = ["-issue_date", "-pk"]

    @display(description="Invoice")
    def invoice(self, obj):
        return str(obj)

    @display(description="Total")
    def total_text(self, obj):
        return money(obj.total, obj.currency)

    @display(description="Amount due")
    def due_text(self, obj):
        return money(obj.amount_due, obj.currency)


@admin.register(Customer)
class CustomerAdmin(TenantOwnedAdmin):
    resource_classes = [CustomerResource]
    list_display = ["name", "email", "location", "tax_id", "live_subscriptions"]
    list_filter = [CountryFilter]
    search_fields = ["name", "email", "tax_id", "gateway_customer_id"]
    ordering = ["name", "pk"]
    inlines = [SubscriptionInline, CustomerInvoiceInline]
    fieldsets = [
        (None, {"fields": ["name", "email", "tax_id"]}),
        (
            "Billing address",
            {"fields": ["address_line1", "address_line2", ("postal_code", "city"), "country"]},
        ),
        ("Gateway", {"fields": ["gateway_customer_id"]}),
    ]
    readonly_fields = ["gateway_customer_id"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(n_live=Count("subscriptions", filter=Q(subscriptions__status__in=LIVE)))
        )

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    @display(description="Location", ordering="city")
    def location(self, obj):
        return ", ".join(part for part in (obj.city, obj.country) if part) or "–"

    @display(description="Live subscriptions", ordering="n_live")
    def live_subscriptions(self, obj):
        return obj.n_live


@admin.register(Plan)
class PlanAdmin(TenantOwnedAdmin):
    resource_classes = [PlanResource]
    list_display = ["name", "price_text", "interval", "trial_days", "active", "subscribers"]
    list_filter = ["active", ("interval", ChoicesDropdownFilter), "currency"]
    search_fields = ["name"]
    ordering = ["name"]
    fields = ["name", ("price", "currency"), "interval", "trial_days", "active"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(n_subscribers=Count("subscriptions", filter=Q(subscriptions__status__in=LIVE)))
        )

    def has_delete_permission(self, request, obj=None):
        # A plan with subscriptions stays (their invoices name it): make it inactive instead.
        if obj is not None and obj.subscriptions.exists():
            return False
        return super().has_delete_permission(request, obj)

    @display(description="Price", ordering="price")
    def price_text(self, obj):
        return money(obj.price, obj.currency)

    @display(description="Live subscribers", ordering="n_subscribers")
    def subscribers(self, obj):
        return obj.n_subscribers
