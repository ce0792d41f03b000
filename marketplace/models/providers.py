"""Service providers: freelancers and companies that offer services on the tenant's marketplace.

Rating average, review count and completed contracts count are bookkeeping kept by the services
that change them (marketplace.services.stats); `manage.py repair_provider_stats` recomputes them.
"""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import (
    FileExtensionValidator,
    MaxValueValidator,
    MinValueValidator,
    RegexValidator,
)
from django.db import models
from django.db.models import Q
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from marketplace.models.choices import STATUS_LENGTH, ProviderKind
from people.models import Tenant, User
from people.models.accounts import CURRENCY_CODE
from people.tenancy import TenantOwned, active_tenant_or_none

MONEY = {"max_digits": 14, "decimal_places": 2}
COORDINATE = {"max_digits": 9, "decimal_places": 6}
AVATAR_MAX_BYTES = 2 * 1024 * 1024
COUNTRY_CODE = RegexValidator(r"^[A-Z]{2}$", _("Use the ISO 3166 two-letter code, e.g. DE."))


def tenant_currency(tenant_id: int | None) -> str:
    """The default currency of the row's tenant (the active one when it is that tenant: no query)."""
    active = active_tenant_or_none()
    if active is not None and tenant_id in (None, active.pk):
        return active.default_currency
    return Tenant.objects.values_list("default_currency", flat=True).get(pk=tenant_id)


def validate_avatar_size(file):
    if file.size > AVATAR_MAX_BYTES:
        raise ValidationError(
            _("The picture is %(size)s; the limit is 2 MB."), params={"size": filesizeformat(file.size)}
        )


def avatar_path(provider, filename: str) -> str:
    return f"marketplace/avatars/tenant-{provider.tenant_id}/{filename}"


def normalize_skills(text: str) -> str:
    """'python,  Django ,python' -> 'python, Django': trimmed, without blanks and repeats (any case)."""
    seen, skills = set(), []
    for part in (text or "").split(","):
        skill = " ".join(part.split())
        if skill and skill.lower() not in seen:
            seen.add(skill.lower())
            skills.append(skill)
    return ", ".join(skills)


class ServiceProvider(TenantOwned):
    display_name = models.CharField(
        _("display name"), max_length=200, help_text=_("The name clients see; unique in this company.")
    )
    legal_name = models.CharField(
        _("legal business name"),
        max_length=200,
        blank=True,
        help_text=_("Optional: many freelancers have none."),
    )
    kind = models.CharField(
        max_length=STATUS_LENGTH, choices=ProviderKind.choices, default=ProviderKind.INDIVIDUAL
    )
    bio = models.TextField(_("bio"), blank=True)
    skills = models.CharField(
        _("skills"),
        max_length=500,
        blank=True,
        help_text=_("Comma-separated, e.g. Python, Django, PostgreSQL."),
    )
    hourly_rate = models.DecimalField(
        _("hourly rate"), **MONEY, null=True, blank=True, validators=[MinValueValidator(Decimal("0"))]
    )
    currency = models.CharField(
        _("currency"),
        max_length=3,
        blank=True,
        validators=[CURRENCY_CODE],
        help_text=_("Left blank, the company's default currency is used."),
    )
    city = models.CharField(_("city"), max_length=120, blank=True)
    country = models.CharField(
        _("country"),
        max_length=2,
        blank=True,
        validators=[COUNTRY_CODE],
        help_text=_("ISO 3166 two-letter code, e.g. DE."),
    )
    latitude = models.DecimalField(
        _("latitude"),
        **COORDINATE,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("-90")), MaxValueValidator(Decimal("90"))],
    )
    longitude = models.DecimalField(
        _("longitude"),
        **COORDINATE,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("-180")), MaxValueValidator(Decimal("180"))],
    )
    avatar = models.ImageField(
        _("avatar"),
        upload_to=avatar_path,
        blank=True,
        validators=[validate_avatar_size, FileExtensionValidator(["png", "jpg", "jpeg", "webp"])],
        help_text=_("PNG, JPEG or WebP image, at most 2 MB."),
    )
    is_verified = models.BooleanField(_("verified"), default=False)
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    verified_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("verified by"),
    )
    marketplace_enabled = models.BooleanField(
        _("on the marketplace"), default=False, help_text=_("Listed in the public provider catalogue.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    accepting_projects = models.BooleanField(_("accepting projects"), default=True)
    user = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("staff account"),
        help_text=_("Optional: the provider's own account in this company."),
    )
    rating_average = models.DecimalField(
        _("rating"), max_digits=3, decimal_places=2, null=True, blank=True, editable=False
    )
    review_count = models.PositiveIntegerField(_("reviews"), default=0, editable=False)
    completed_contracts_count = models.PositiveIntegerField(
        _("completed contracts"), default=0, editable=False
    )

    class Meta:
        ordering = ["display_name"]
        verbose_name = _("service provider")
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "display_name"], name="provider_name_unique_per_tenant"
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(
                    latitude__isnull=False,
                    longitude__isnull=False,
                    latitude__gte=-90,
                    latitude__lte=90,
                    longitude__gte=-180,
                    longitude__lte=180,
                ),
                name="provider_location_both_or_neither_in_range",
            ),
            models.CheckConstraint(
                condition=Q(rating_average__isnull=True) | Q(rating_average__gte=1, rating_average__lte=5),
                name="provider_rating_between_1_and_5",
            ),
            models.CheckConstraint(
                condition=Q(is_verified=False) | Q(verified_at__isnull=False),
                name="provider_verified_has_date",
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "is_active", "marketplace_enabled"], name="provider_listed"),
            models.Index(fields=["tenant", "rating_average"], name="provider_rating"),
        ]

    def __str__(self):
        return self.display_name

    @property
    def skill_list(self) -> list[str]:
        return [skill for skill in self.skills.split(", ") if skill]

    @property
    def has_location(self) -> bool:
        return self.latitude is not None and self.longitude is not None

    def clean(self):
        super().clean()
        self.skills = normalize_skills(self.skills)
        if not self.is_active and self.marketplace_enabled:
            raise ValidationError(
                {"is_active": _("Take this provider off the marketplace before deactivating it.")}
            )
        if (self.latitude is None) != (self.longitude is None):
            missing = "longitude" if self.longitude is None else "latitude"
            raise ValidationError({missing: _("Give both latitude and longitude, or leave both empty.")})

    def save(self, *args, **kwargs):
        self.skills = normalize_skills(self.skills)
        if not self.currency:
            self.currency = tenant_currency(self.tenant_id)
        super().save(*args, **kwargs)
