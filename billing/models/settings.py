"""Each tenant's billing settings: one row per tenant, created with defaults on first use."""

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from billing.models.choices import Gateway
from people.tenancy import TenantOwned, current_tenant

INVOICE_PREFIX = RegexValidator(r"^[A-Z0-9]{1,8}$", _("Use 1 to 8 capital letters or digits, e.g. INV."))


class BillingSettings(TenantOwned):
    gateway = models.CharField(
        max_length=20,
        choices=Gateway.choices,
        default=Gateway.MANUAL,
        help_text=_("Manual: finance records payments received offline. Stripe: cards are charged."),
    )
    invoice_prefix = models.CharField(max_length=8, default="INV", validators=[INVOICE_PREFIX])
    payment_terms_days = models.PositiveSmallIntegerField(
        default=14, validators=[MaxValueValidator(365)], help_text=_("Days from issue to due date.")
    )
    tax_rate = models.DecimalField(
        _("tax rate (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_("Applied to subscription invoices, e.g. 19 for 19% VAT."),
    )
    escrow_hold_days = models.PositiveSmallIntegerField(
        default=14,
        validators=[MaxValueValidator(365)],
        help_text=_(
            "Funds of a delivered contract are released to the provider after this many days "
            "unless the client completes or disputes it sooner."
        ),
    )
    dunning_grace_days = models.PositiveSmallIntegerField(
        default=14,
        validators=[MaxValueValidator(365)],
        help_text=_("A past-due subscription is canceled this many days after its last failed retry."),
    )

    class Meta:
        verbose_name = _("billing settings")
        verbose_name_plural = _("billing settings")
        constraints = [models.UniqueConstraint(fields=["tenant"], name="billing_settings_one_per_tenant")]

    def __str__(self):
        return f"Billing settings of {self.tenant}"

    @classmethod
    def current(cls) -> "BillingSettings":
        """The active tenant's settings (created with defaults the first time)."""
        settings, _created = cls.objects.get_or_create(tenant=current_tenant())
        return settings
