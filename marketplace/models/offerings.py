"""Services a provider offers: a title in a category, a price and a duration."""

from datetime import timedelta
from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from marketplace.models.categories import ServiceCategory
from marketplace.models.providers import MONEY, ServiceProvider, tenant_currency
from people.models.accounts import CURRENCY_CODE
from people.tenancy import TenantOwned


class Service(TenantOwned):
    provider = models.ForeignKey(ServiceProvider, on_delete=models.CASCADE, related_name="services")
    category = models.ForeignKey(ServiceCategory, on_delete=models.PROTECT, related_name="services")
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    price = models.DecimalField(_("price"), **MONEY, validators=[MinValueValidator(Decimal("0"))])
    currency = models.CharField(
        _("currency"),
        max_length=3,
        blank=True,
        validators=[CURRENCY_CODE],
        help_text=_("Left blank, the company's default currency is used."),
    )
    duration_minutes = models.PositiveIntegerField(
        _("duration (minutes)"), default=60, validators=[MinValueValidator(5)]
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["provider__display_name", "title"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "provider", "title"], name="service_title_unique_per_provider"
            ),
            models.CheckConstraint(condition=models.Q(price__gte=0), name="service_price_not_negative"),
        ]
        indexes = [models.Index(fields=["tenant", "category", "is_active"], name="service_category_active")]

    def __str__(self):
        return f"{self.title} ({self.provider.display_name})"

    @property
    def duration(self) -> timedelta:
        return timedelta(minutes=self.duration_minutes)

    def save(self, *args, **kwargs):
        if not self.currency:
            self.currency = tenant_currency(self.tenant_id)
        super().save(*args, **kwargs)
