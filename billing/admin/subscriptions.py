"""The subscriptions admin: "Add" starts a subscription through billing.services.subscriptions
(a trial first when the plan has one, else the first period's invoice is issued at once); a
subscription then changes only through its steps: cancel (now, or at the end of the period already
paid for) and resume (undo a cancellation planned for the period's end)."""

from django.contrib import admin
from unfold.contrib.filters.admin import AutocompleteSelectFilter, ChoicesDropdownFilter
from unfold.decorators import action, display

from billing.admin.common import ServiceForm, ServiceFormAdminMixin, WorkflowAdmin, money
from billing.models import Invoice, Subscription, SubscriptionStatus
from billing.resources import SubscriptionResource
from billing.services import subscriptions
from people.admin_fields import choice, note
from people.admin_workflow import ReadOnlyInline, Step, StepForm

S = SubscriptionStatus
LIVE = (S.TRIALING, S.ACTIVE, S.PAST_DUE)
STATUS_COLOURS = {S.TRIALING: "info", S.ACTIVE: "success", S.PAST_DUE: "warning", S.CANCELED: "danger"}
NOW, PERIOD_END = "now", "period_end"


class StartSubscriptionForm(ServiceForm):
    field_map = {"start_date": "current_period_start"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "current_period_start" in self.fields:
            field = self.fields["current_period_start"]
            field.required = False
            field.label = "Start date"
            field.help_text = "Empty: today. A plan with a trial starts with the trial; otherwise the first invoice is issued."

    def create(self, by):
        data = self.cleaned_data
        return subscriptions.start_subscription(
            customer_id=data["customer"].pk,
            plan_id=data["plan"].pk,
            start_date=data.get("current_period_start"),
            by=by,
        )


class CancelForm(StepForm):
    when = choice(
        "When",
        [(PERIOD_END, "At the end of the current period (already paid for)"), (NOW, "Now")],
        initial=PERIOD_END,
    )
    reason = note("Reason", help_text="Optional; kept with the subscription.")


CANCEL = Step(
    "cancel_subscription",
    "Cancel…",
    "Cancel this subscription? At the period's end it can still be resumed until then.",
    lambda s, user, d: subscriptions.cancel_subscription(
        subscription_id=s.pk, at_period_end=d["when"] == PERIOD_END, reason=d.get("reason", ""), by=user
    ),
    CancelForm,
    done=lambda s, result: (
        f"{result}: canceled."
        if result.status == S.CANCELED
        else f"{result}: ends on {result.current_period_end:%d %b %Y}."
    ),
    back_label="Keep the subscription",
)
RESUME = Step(
    "resume_subscription",
    "Resume",
    "Keep this subscription going after its current period (undo the planned cancellation)?",
    lambda s, user, d: subscriptions.resume_subscription(subscription_id=s.pk, by=user),
    done=lambda s, result: f"{result}: renews on {result.current_period_end:%d %b %Y}.",
)


class SubscriptionInvoiceInline(ReadOnlyInline):
    model = Invoice
    fields = readonly_fields = ["invoice", "status", "period_start", "period_end", "due_date", "total_text"]
    verbose_name_plural = "Invoices"
    ordering = ["-period_start", "-pk"]

    @display(description="Invoice")
    def invoice(self, obj):
        return str(obj)

    @display(description="Total")
    def total_text(self, obj):
        return money(obj.total, obj.currency)


@admin.register(Subscription)
class SubscriptionAdmin(ServiceFormAdminMixin, WorkflowAdmin):
    form = StartSubscriptionForm
    resource_classes = [SubscriptionResource]
    list_display = ["customer", "plan_name", "status_label", "current_period_start", "renewal", "price"]
    list_filter = [
        ("status", ChoicesDropdownFilter),
        ("customer", AutocompleteSelectFilter),
        ("plan", AutocompleteSelectFilter),
        "cancel_at_period_end",
    ]
    list_filter_submit = True
    search_fields = ["customer__name", "customer__email", "plan__name"]
    list_select_related = ["customer", "plan"]
    autocomplete_fields = ["customer", "plan"]
    date_hierarchy = "current_period_start"
    ordering = ["-created_at", "-pk"]
    fields = ["customer", "plan", "current_period_start"]
    record_fields = [
        "customer",
        "plan",
        "status",
        "current_period_start",
        "current_period_end",
        "trial_end",
        "cancel_at_period_end",
        "past_due_since",
        "canceled_at",
        "cancellation_reason",
    ]
    inlines = [SubscriptionInvoiceInline]
    workflow_steps = (CANCEL, RESUME)
    actions = ["cancel_selected"]
    actions_row = [step.name for step in workflow_steps]
    actions_detail = actions_row

    def get_fields(self, request, obj=None):
        return self.fields if obj is None else self.record_fields

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.record_fields

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    def has_change_permission(self, request, obj=None):
        return False  # a subscription changes through its steps (and imports) only

    def has_delete_permission(self, request, obj=None):
        return False  # its invoices name it: cancel it instead

    def allowed_step_names(self, request, obj):
        if obj.status not in LIVE:
            return set()
        return {CANCEL.name, RESUME.name} if obj.cancel_at_period_end else {CANCEL.name}

    @display(description="Plan", ordering="plan__name")
    def plan_name(self, obj):
        return obj.plan.name

    @display(description="Status", ordering="status", label=STATUS_COLOURS)
    def status_label(self, obj):
        return obj.status, obj.get_status_display()

    @display(description="Renews / ends", ordering="current_period_end")
    def renewal(self, obj):
        if obj.status == S.CANCELED:
            return "–"
        verb = (
            "Ends" if obj.cancel_at_period_end else ("Trial ends" if obj.status == S.TRIALING else "Renews")
        )
        return f"{verb} {obj.current_period_end:%d %b %Y}"

    @display(description="Price", ordering="plan__price")
    def price(self, obj):
        return f"{money(obj.plan.price, obj.plan.currency)} / {obj.plan.get_interval_display().lower()}"

    @action(description="Cancel…", url_path="cancel", icon="cancel", permissions=["workflow"])
    def cancel_subscription(self, request, object_id):
        return self._step_view(request, object_id, CANCEL)

    @action(description="Resume", url_path="resume", icon="replay", permissions=["workflow"])
    def resume_subscription(self, request, object_id):
        return self._step_view(request, object_id, RESUME)

    @admin.action(description="Cancel selected subscriptions…", permissions=["workflow"])
    def cancel_selected(self, request, queryset):
        return self._bulk_step(request, queryset, CANCEL, "cancel_selected")
