"""Billing imports and exports (CSV and XLSX): customers, plans and subscriptions.

Built on the kernel's keyed import base (people.resources.hr_base.HRResource): the tenant comes
from the importing user, a dry run previews, a file with any bad row writes nothing, errors are
reported by row and column, and related rows are natural keys looked up once per file through the
scoped managers (another tenant's e-mails and plan names are never found):

- customers by e-mail (case-insensitive: Ann@X.example and ann@x.example are one customer);
- plans by name; the currency must be one billing supports (billing.money.validate_currency
  refuses unknown and three-decimal currencies) and the price must fit its minor unit (Plan.clean);
- subscriptions by customer e-mail + plan name, with their status and current period, for a
  migration from an old system. A file issues no invoice: the next monthly run renews the periods
  that ended. A canceled subscription is never revived by a file (start a new one).
"""

from django.core.exceptions import ValidationError
from django.db.models import Case, IntegerField, Value, When
from django.utils import timezone
from import_export import fields

from billing.models import Customer, Interval, Plan, Subscription, SubscriptionStatus
from billing.money import validate_currency
from people.resources.hr_base import (
    ChoiceWidget,
    CountWidget,
    EmailWidget,
    HRResource,
    IsoDateWidget,
    KeyedLookupWidget,
    MoneyWidget,
    TextWidget,
    YesNoWidget,
    as_text,
    column,
    lower_text,
)

S = SubscriptionStatus


class CodeWidget(TextWidget):
    """A code in capitals (a country such as DE)."""

    def clean(self, value, row=None, **kwargs):
        return as_text(value).upper()


class CurrencyWidget(TextWidget):
    """A currency billing supports: EUR, USD, JPY...; three-decimal currencies are refused."""

    def clean(self, value, row=None, **kwargs):
        code = as_text(value).upper()
        if not code:
            raise ValueError("a currency is required (e.g. EUR).")
        try:
            validate_currency(code)
        except ValidationError as exc:
            raise ValueError(" ".join(exc.messages)) from None
        return code


def exported(name, widget=None) -> fields.Field:
    """A column that is exported but never imported (a gateway or the workflow owns it)."""
    return fields.Field(attribute=name, column_name=name, widget=widget or TextWidget(), readonly=True)


class CustomerResource(HRResource):
    """Customers by e-mail: a known e-mail (in any case) updates that customer."""

    email = column("email", EmailWidget())
    name = column("name")
    address_line1 = column("address_line1")
    address_line2 = column("address_line2")
    postal_code = column("postal_code")
    city = column("city")
    country = column("country", CodeWidget())
    tax_id = column("tax_id")
    gateway_customer_id = exported("gateway_customer_id")

    bulk_writes = True  # Customer.save() only lowercases the e-mail, which EmailWidget does

    class Meta(HRResource.Meta):
        model = Customer
        fields = (
            "email",
            "name",
            "address_line1",
            "address_line2",
            "postal_code",
            "city",
            "country",
            "tax_id",
            "gateway_customer_id",
        )
        import_id_fields = ("email",)
        name = "Customers"

    def get_queryset(self):
        return super().get_queryset().order_by("pk")


class PlanResource(HRResource):
    """Plans by name: a known name updates that plan's price, interval, trial and availability."""

    name = column("name")
    price = column("price", MoneyWidget())
    currency = column("currency", CurrencyWidget())
    interval = column("interval", ChoiceWidget(Interval), saves_null_values=False)
    trial_days = column("trial_days", CountWidget(), saves_null_values=False)
    active = column("active", YesNoWidget(), saves_null_values=False)

    class Meta(HRResource.Meta):
        model = Plan
        fields = ("name", "price", "currency", "interval", "trial_days", "active")
        import_id_fields = ("name",)
        name = "Plans"


def _customer_widget():
    return KeyedLookupWidget(
        Customer,
        "email",
        required=True,
        normalise=lower_text,
        missing="no customer with the e-mail {key!r} in this company; import the customers first.",
    )


def _plan_widget():
    return KeyedLookupWidget(
        Plan, "name", required=True, missing="no plan named {key!r} in this company; import the plans first."
    )


class SubscriptionResource(HRResource):
    """Subscriptions by customer e-mail + plan name, with status and current period (migration).

    A known pair updates that customer's latest subscription to the plan (a live one before a
    canceled one). `current_period_end` is the first day after the period, as everywhere in
    billing; a trial without `trial_end` ends with its period."""

    customer = fields.Field(attribute="customer", column_name="customer_email", widget=_customer_widget())
    plan = fields.Field(attribute="plan", column_name="plan", widget=_plan_widget())
    status = column("status", ChoiceWidget(SubscriptionStatus), saves_null_values=False)
    current_period_start = column("current_period_start", IsoDateWidget())
    current_period_end = column("current_period_end", IsoDateWidget())
    trial_end = column("trial_end", IsoDateWidget())
    cancel_at_period_end = column("cancel_at_period_end", YesNoWidget(), saves_null_values=False)

    class Meta(HRResource.Meta):
        model = Subscription
        fields = (
            "customer",
            "plan",
            "status",
            "current_period_start",
            "current_period_end",
            "trial_end",
            "cancel_at_period_end",
        )
        import_id_fields = ("customer", "plan")
        name = "Subscriptions"

    def get_queryset(self):
        # The loader keeps the last row per (customer, plan): make it the newest live one.
        canceled_first = Case(
            When(status=S.CANCELED, then=Value(0)), default=Value(1), output_field=IntegerField()
        )
        return super().get_queryset().order_by(canceled_first, "created_at", "pk")

    def before_import(self, dataset, **kwargs):
        super().before_import(dataset, **kwargs)
        self._stored_status = {}  # subscription pk -> status before this file

    def after_init_instance(self, instance, new, row, **kwargs):
        super().after_init_instance(instance, new, row, **kwargs)
        if not new:
            self._stored_status[instance.pk] = instance.status

    def check_instance(self, instance):
        start, end = instance.current_period_start, instance.current_period_end
        stored = self._stored_status.get(instance.pk)
        if start and end and end <= start:
            return {
                "current_period_end": [
                    f"the period must end after it starts ({start:%Y-%m-%d}); current_period_end is the "
                    "first day after the period."
                ]
            }
        if instance.trial_end and start and instance.trial_end < start:
            return {"trial_end": ["the trial cannot end before the period starts."]}
        if stored == S.CANCELED and instance.status != S.CANCELED:
            return {
                "status": ["a canceled subscription cannot be revived by a file; start a new subscription."]
            }
        if stored is None and instance.status != S.CANCELED and instance.plan_id and not instance.plan.active:
            return {"plan": [f"{instance.plan.name} takes no new subscribers; choose an active plan."]}
        return {}

    def before_save_instance(self, instance, row, **kwargs):
        super().before_save_instance(instance, row, **kwargs)
        if instance.status == S.TRIALING and instance.trial_end is None:
            instance.trial_end = instance.current_period_end
        if instance.status == S.PAST_DUE and instance.past_due_since is None:
            instance.past_due_since = timezone.now()  # the grace period runs from the import
        if instance.status == S.CANCELED and instance.canceled_at is None:
            instance.canceled_at = timezone.now()
            instance.cancellation_reason = "Imported as canceled."
