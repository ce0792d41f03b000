"""The tenant's billing settings: one row per tenant (created with defaults on first use), edited
on its page; never added by hand, deleted or imported."""

from django.contrib import admin
from unfold.decorators import display

from billing.models import BillingSettings
from people.admin_base import TenantOwnedAdmin


@admin.register(BillingSettings)
class BillingSettingsAdmin(TenantOwnedAdmin):
    list_display = ["__str__", "gateway", "invoice_prefix", "payment_terms", "tax_rate", "escrow_hold_days"]
    fieldsets = [
        ("Payments", {"fields": ["gateway", "dunning_grace_days"]}),
        ("Invoices", {"fields": ["invoice_prefix", "payment_terms_days", "tax_rate"]}),
        ("Escrow", {"fields": ["escrow_hold_days"]}),
    ]

    def changelist_view(self, request, extra_context=None):
        if getattr(request, "tenant", None) is not None:
            BillingSettings.current()  # the tenant's row exists from the first visit on
        return super().changelist_view(request, extra_context)

    def has_add_permission(self, request):
        return False  # one row per tenant, created with defaults

    def has_delete_permission(self, request, obj=None):
        return False

    def has_import_permission(self, request):
        return False

    @display(description="Payment terms", ordering="payment_terms_days")
    def payment_terms(self, obj):
        return f"{obj.payment_terms_days} days"
