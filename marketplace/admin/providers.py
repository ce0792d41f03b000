"""The service providers admin: the profile form, verification and marketplace listing as row,
detail and bulk actions, "New contract…", and the provider's services and contracts inline.

Verification, the listing and the rating figures are read-only on the form: they change only
through the workflow (marketplace.services.providers) and the services that keep the figures.
"""

from django.contrib import admin
from django.db.models import Q
from django.urls import reverse
from django.utils.html import format_html
from unfold.admin import TabularInline
from unfold.contrib.filters.admin import ChoicesDropdownFilter
from unfold.decorators import action, display
from unfold.paginator import InfinitePaginator

from marketplace.admin.common import WorkflowAdmin
from marketplace.models import Contract, Service, ServiceProvider
from marketplace.resources import ServiceProviderResource
from marketplace.services import contracts, providers
from people.admin_fields import amount, day, email, note, text
from people.admin_workflow import ReadOnlyInline, Step, StepForm
from people.tenancy import current_tenant


# --- filters -------------------------------------------------------------------------------------
class VerificationFilter(admin.SimpleListFilter):
    title = "verification"
    parameter_name = "verified"

    def lookups(self, request, model_admin):
        return [("yes", "Verified"), ("no", "Not verified")]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(is_verified=self.value() == "yes")
        return queryset


class AvailabilityFilter(admin.SimpleListFilter):
    title = "availability"
    parameter_name = "availability"
    CHOICES = {
        "available": ("Accepting projects", Q(is_active=True, accepting_projects=True)),
        "busy": ("Not accepting projects", Q(is_active=True, accepting_projects=False)),
        "listed": ("On the marketplace", Q(marketplace_enabled=True)),
        "unlisted": ("Not on the marketplace", Q(marketplace_enabled=False, is_active=True)),
        "inactive": ("Inactive", Q(is_active=False)),
    }

    def lookups(self, request, model_admin):
        return [(key, label) for key, (label, _q) in self.CHOICES.items()]

    def queryset(self, request, queryset):
        chosen = self.CHOICES.get(self.value())
        return queryset.filter(chosen[1]) if chosen else queryset


class RatingFilter(admin.SimpleListFilter):
    title = "rating"
    parameter_name = "rating"
    CHOICES = {
        "4.5": ("4.5 stars and up", Q(rating_average__gte=4.5)),
        "4": ("4 stars and up", Q(rating_average__gte=4)),
        "3": ("3 stars and up", Q(rating_average__gte=3)),
        "below-3": ("Below 3 stars", Q(rating_average__lt=3)),
        "none": ("No reviews yet", Q(rating_average__isnull=True)),
    }

    def lookups(self, request, model_admin):
        return [(key, label) for key, (label, _q) in self.CHOICES.items()]

    def queryset(self, request, queryset):
        chosen = self.CHOICES.get(self.value())
        return queryset.filter(chosen[1]) if chosen else queryset


# --- inlines -------------------------------------------------------------------------------------
class ServiceInline(TabularInline):
    model = Service
    extra = 0
    fields = ["title", "category", "price", "currency", "duration_minutes", "is_active"]
    autocomplete_fields = ["category"]
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("category")


class ContractInline(ReadOnlyInline):
    model = Contract
    fields = readonly_fields = [
        "title",
        "client_name",
        "status",
        "amount",
        "currency",
        "start_date",
        "end_date",
    ]
    verbose_name_plural = "Contracts"


# --- steps ---------------------------------------------------------------------------------------
class UnverifyForm(StepForm):
    reason = note("Reason", required=True, help_text="Kept in the provider's history.", error="Say why.")


class DisableForm(StepForm):
    reason = note("Reason", help_text="Optional; kept in the provider's history.")


class NewContractForm(StepForm):
    title = text("Title")
    client_name = text("Client name")
    client_email = email("Client e-mail")
    client_company = text("Client company", required=False)
    scope = note("Scope", help_text="What is delivered; optional.")
    amount = amount("Amount")
    currency = text(
        "Currency", max_length=3, required=False, help_text="3-letter ISO code; empty: the default."
    )
    start_date = day("Start date", required=False)
    end_date = day("End date", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["currency"].initial = (
            self.obj.currency if self.obj is not None else current_tenant().default_currency
        )


def _contract_created(provider, contract):
    url = reverse("admin:marketplace_contract_change", args=[contract.pk])
    return format_html('Drafted: <a href="{}">{}</a>. Activate it from its page.', url, contract)


VERIFY = Step(
    "verify_provider",
    "Verify",
    "Mark this provider as verified (identity and credentials checked)?",
    lambda p, user, d: providers.verify_provider(provider_id=p.pk, by=user),
    done=lambda p, result: f"{result}: verified.",
)
UNVERIFY = Step(
    "unverify_provider",
    "Unverify…",
    "Take this provider's verification back? Say why.",
    lambda p, user, d: providers.unverify_provider(provider_id=p.pk, reason=d["reason"], by=user),
    UnverifyForm,
    done=lambda p, result: f"{result}: no longer verified.",
    back_label="Keep verified",
)
ENABLE = Step(
    "enable_on_marketplace",
    "List on marketplace",
    "List this provider in the marketplace catalogue?",
    lambda p, user, d: providers.enable_on_marketplace(provider_id=p.pk, by=user),
    done=lambda p, result: f"{result}: listed on the marketplace.",
)
DISABLE = Step(
    "disable_on_marketplace",
    "Take off marketplace",
    "Take this provider off the marketplace catalogue? Their bookings and contracts stay.",
    lambda p, user, d: providers.disable_on_marketplace(
        provider_id=p.pk, by=user, reason=d.get("reason", "")
    ),
    DisableForm,
    done=lambda p, result: f"{result}: taken off the marketplace.",
    back_label="Keep listed",
)
NEW_CONTRACT = Step(
    "new_contract",
    "New contract…",
    "Draft a contract with this provider.",
    lambda p, user, d: contracts.create_contract(provider_id=p.pk, by=user, **d),
    NewContractForm,
    done=_contract_created,
)


@admin.register(ServiceProvider)
class ServiceProviderAdmin(WorkflowAdmin):
    resource_classes = [ServiceProviderResource]
    list_display = [
        "display_name",
        "kind",
        "location",
        "verified_label",
        "listed_label",
        "accepting_projects",
        "rating",
        "review_count",
        "completed_contracts_count",
        "rate",
    ]
    list_filter = [
        VerificationFilter,
        AvailabilityFilter,
        RatingFilter,
        ("kind", ChoicesDropdownFilter),
    ]
    list_filter_submit = True
    search_fields = ["display_name", "legal_name", "skills", "city"]
    ordering = ["display_name", "pk"]
    paginator = InfinitePaginator
    show_full_result_count = False
    inlines = [ServiceInline, ContractInline]
    readonly_fields = [
        "is_verified",
        "verified_at",
        "verified_by",
        "marketplace_enabled",
        "rating_average",
        "review_count",
        "completed_contracts_count",
    ]
    fieldsets = [
        (None, {"fields": ["display_name", "legal_name", "kind", "bio", "skills", "avatar", "user"]}),
        ("Rate", {"fields": ["hourly_rate", "currency"]}),
        ("Location", {"fields": ["city", "country", ("latitude", "longitude")]}),
        ("Availability", {"fields": ["is_active", "accepting_projects", "marketplace_enabled"]}),
        ("Verification", {"fields": ["is_verified", "verified_at", "verified_by"]}),
        ("Track record", {"fields": ["rating_average", "review_count", "completed_contracts_count"]}),
    ]
    workflow_steps = (VERIFY, UNVERIFY, ENABLE, DISABLE, NEW_CONTRACT)
    actions = ["verify_selected", "enable_selected", "disable_selected"]
    actions_row = [step.name for step in workflow_steps]
    actions_detail = actions_row

    def allowed_step_names(self, request, obj):
        if not obj.is_active:
            return {DISABLE.name} if obj.marketplace_enabled else set()
        allowed = {UNVERIFY.name if obj.is_verified else VERIFY.name}
        allowed.add(DISABLE.name if obj.marketplace_enabled else ENABLE.name)
        if obj.accepting_projects:
            allowed.add(NEW_CONTRACT.name)
        return allowed

    # --- columns ---------------------------------------------------------------------------------
    @display(description="Location", ordering="city")
    def location(self, obj):
        return ", ".join(part for part in (obj.city, obj.country) if part) or "–"

    @display(description="Verified", ordering="is_verified", label={"yes": "success", "no": "warning"})
    def verified_label(self, obj):
        return ("yes", "Verified") if obj.is_verified else ("no", "Not verified")

    @display(
        description="Marketplace", ordering="marketplace_enabled", label={"yes": "success", "no": "info"}
    )
    def listed_label(self, obj):
        return ("yes", "Listed") if obj.marketplace_enabled else ("no", "Not listed")

    @display(description="Rating", ordering="rating_average")
    def rating(self, obj):
        return "–" if obj.rating_average is None else f"{obj.rating_average:.2f} ★"

    @display(description="Hourly rate", ordering="hourly_rate")
    def rate(self, obj):
        return "–" if obj.hourly_rate is None else f"{obj.hourly_rate:,.2f} {obj.currency}"

    # --- steps -----------------------------------------------------------------------------------
    @action(description="Verify", url_path="verify", icon="verified", permissions=["workflow"])
    def verify_provider(self, request, object_id):
        return self._step_view(request, object_id, VERIFY)

    @action(description="Unverify…", url_path="unverify", icon="gpp_bad", permissions=["workflow"])
    def unverify_provider(self, request, object_id):
        return self._step_view(request, object_id, UNVERIFY)

    @action(description="List on marketplace", url_path="enable", icon="storefront", permissions=["workflow"])
    def enable_on_marketplace(self, request, object_id):
        return self._step_view(request, object_id, ENABLE)

    @action(
        description="Take off marketplace",
        url_path="disable",
        icon="visibility_off",
        permissions=["workflow"],
    )
    def disable_on_marketplace(self, request, object_id):
        return self._step_view(request, object_id, DISABLE)

    @action(description="New contract…", url_path="new-contract", icon="contract", permissions=["workflow"])
    def new_contract(self, request, object_id):
        return self._step_view(request, object_id, NEW_CONTRACT)

    @admin.action(description="Verify selected providers", permissions=["workflow"])
    def verify_selected(self, request, queryset):
        return self._bulk_step(request, queryset, VERIFY, "verify_selected")

    @admin.action(description="List selected providers on the marketplace", permissions=["workflow"])
    def enable_selected(self, request, queryset):
        return self._bulk_step(request, queryset, ENABLE, "enable_selected")

    @admin.action(description="Take selected providers off the marketplace", permissions=["workflow"])
    def disable_selected(self, request, queryset):
        return self._bulk_step(request, queryset, DISABLE, "disable_selected")
