"""Tenants, their staff accounts and memberships: the global side of the tenancy kernel.

HR models live beside this module (organisation, timeoff) and are tenant-owned.
"""

import zoneinfo

from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.core.exceptions import ValidationError
from django.core.validators import FileExtensionValidator, MinValueValidator, RegexValidator
from django.db import models
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from people.roles import Role
from people.tenancy import TenantOwned

CURRENCY_CODE = RegexValidator(r"^[A-Z]{3}$", _("Use a three-letter ISO 4217 code such as EUR or USD."))
LOGO_MAX_BYTES = 2 * 1024 * 1024


def validate_logo_size(file):
    if file.size > LOGO_MAX_BYTES:
        raise ValidationError(
            _("The logo is %(size)s; the limit is 2 MB."), params={"size": filesizeformat(file.size)}
        )


TIMEZONE_CHOICES = [(name, name) for name in sorted(zoneinfo.available_timezones())]


class UserManager(DjangoUserManager):
    """Users log in with their e-mail address; there is no username."""

    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("Users need an e-mail address.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        if extra_fields.get("is_superuser") is not True:
            raise ValueError("Superuser must have is_superuser=True.")
        return self._create_user(email, password, **extra_fields)

    def get_by_natural_key(self, username):
        return self.get(email__iexact=username)


class User(AbstractUser):
    """A person who logs in. Global by design: one person may work for several tenants, each through
    a Membership that gives them a role there. Superusers are platform staff."""

    username = None
    email = models.EmailField(_("e-mail address"), unique=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []

    objects = UserManager()
    history = HistoricalRecords(excluded_fields=["password", "last_login"])

    class Meta:
        ordering = ["email"]

    def __str__(self):
        return self.get_full_name() or self.email

    def save(self, *args, **kwargs):
        self.email = self.email.strip().lower()
        super().save(*args, **kwargs)


class Tenant(models.Model):
    """A customer company. Global by design: it is the unit every tenant-owned row points at."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(
        max_length=60, unique=True, help_text=_("Used in URLs; lowercase letters, digits, dashes.")
    )
    is_active = models.BooleanField(
        default=True, help_text=_("Inactive tenants cannot be entered by their staff or by background tasks.")
    )
    default_currency = models.CharField(max_length=3, default="EUR", validators=[CURRENCY_CODE])
    timezone = models.CharField(max_length=64, choices=TIMEZONE_CHOICES, default="UTC")
    legal_name = models.CharField(max_length=200, blank=True)
    website = models.URLField(blank=True)
    logo = models.ImageField(
        upload_to="tenants/logos/",
        blank=True,
        validators=[validate_logo_size, FileExtensionValidator(["png", "jpg", "jpeg", "webp"])],
        help_text=_("PNG, JPEG or WebP image, at most 2 MB."),
    )
    address_line1 = models.CharField(_("address"), max_length=200, blank=True)
    address_line2 = models.CharField(_("address (line 2)"), max_length=200, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    city = models.CharField(max_length=100, blank=True)
    country = models.CharField(max_length=2, blank=True, help_text=_("ISO 3166 two-letter code, e.g. DE."))
    history_retention_days = models.PositiveIntegerField(
        _("keep history for (days)"),
        default=1095,
        validators=[MinValueValidator(30)],
        help_text=_(
            "Change history older than this is deleted every night (default 3 years, at least 30 days)."
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Membership(TenantOwned):
    """A user's role in one tenant. Tenant-owned: a tenant's owners manage their own members."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, editable=False, related_name="memberships")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.VIEWER)
    invited_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, editable=False, related_name="+"
    )

    class Meta:
        ordering = ["user__email"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "user"], name="membership_unique_per_tenant")
        ]
        indexes = [models.Index(fields=["user", "tenant"], name="membership_user_tenant")]

    def __str__(self):
        return f"{self.user} ({self.get_role_display()})"
