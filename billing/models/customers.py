"""Customers, the plans they subscribe to, and their subscriptions."""

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from billing.models.choices import MONEY, STATUS_LENGTH, Interval, SubscriptionStatus
from billing.money import minor_unit_error, validate_currency
from people.tenancy import TenantOwned

COUNTRY_CODE = RegexValidator(r"^[A-Z]{2}$", _("Use the ISO 3166 two-letter code, e.g. DE."))


class Customer(TenantOwned):
    """Who the tenant bills. `gateway_customer_id` is the gateway's id (e.g. Stripe's cus_…)."""

    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("billing e-mail"))
    address_line1 = models.CharField(_("address"), max_length=200, blank=True)
    address_line2 = models.CharField(_("address (line 2)"), max_length=200, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    city = models.CharField(max_length=100, blank=True)
    country = models.CharField(max_length=2, blank=True, validators=[COUNTRY_CODE])
    tax_id = models.CharField(_("tax id"), max_length=40, blank=True, help_text=_("e.g. a VAT number."))
    gateway_customer_id = models.CharField(max_length=100, blank=True, editable=False)

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint("tenant", Lower("email"), name="billing_customer_email_unique"),
        ]
        indexes = [models.Index(fields=["tenant", "name"], name="billing_customer_name")]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.email = (self.email or "").strip().lower()
        super().save(*args, **kwargs)

    @property
    def address_lines(self) -> list[str]:
        city = " ".join(part for part in (self.postal_code, self.city) if part)
        return [line for line in (self.address_line1, self.address_line2, city, self.country) if line]


class Plan(TenantOwned):
    name = models.CharField(_("name"), max_length=100)
    price = models.DecimalField(_("price"), **MONEY, validators=[MinValueValidator(0)])
    currency = models.CharField(_("currency"), max_length=3, validators=[validate_currency])
    interval = models.CharField(max_length=STATUS_LENGTH, choices=Interval.choices, default=Interval.MONTH)
    trial_days = models.PositiveSmallIntegerField(default=0, validators=[MaxValueValidator(365)])
    active = models.BooleanField(
        default=True, help_text=_("Inactive plans keep their subscribers but take no new ones.")
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "name"], name="billing_plan_name_unique"),
            models.CheckConstraint(condition=Q(price__gte=0), name="billing_plan_price_not_negative"),
        ]

    def __str__(self):
        return f"{self.name} ({self.price} {self.currency}/{self.interval})"

    def clean(self):
        super().clean()
        # A price with more decimals than the column holds already has the field's own error.
        if (
            self.price is not None
            and self.currency
            and -self.price.as_tuple().exponent <= MONEY["decimal_places"]
        ):
            try:
                error = minor_unit_error(self.price, self.currency, "price")
            except ValidationError:
                return  # the currency field's own validator reports it
            if error:
                raise ValidationError({"price": error})


class Subscription(TenantOwned):
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="subscriptions")
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="subscriptions")
    status = models.CharField(
        max_length=STATUS_LENGTH, choices=SubscriptionStatus.choices, default=SubscriptionStatus.ACTIVE
    )
    current_period_start = models.DateField()
    current_period_end = models.DateField(help_text=_("First day after the period (exclusive)."))
    trial_end = models.DateField(null=True, blank=True)
    cancel_at_period_end = models.BooleanField(default=False)
    past_due_since = models.DateTimeField(null=True, blank=True, editable=False)
    canceled_at = models.DateTimeField(null=True, blank=True, editable=False)
    cancellation_reason = models.CharField(max_length=200, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(current_period_end__gt=F("current_period_start")),
                name="billing_subscription_period_ordered",
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "status", "current_period_end"], name="billing_sub_due"),
            models.Index(fields=["tenant", "customer"], name="billing_sub_customer"),
        ]

    def __str__(self):
        return f"{self.customer} — {self.plan.name}"
