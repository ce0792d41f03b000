"""Bookings (customer-facing appointments for a service), contracts and their reviews."""

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from marketplace.models.choices import STATUS_LENGTH, BookingStatus, ContractStatus
from marketplace.models.offerings import Service
from marketplace.models.providers import MONEY, ServiceProvider, tenant_currency
from people.models import User
from people.models.accounts import CURRENCY_CODE
from people.tenancy import TenantOwned

# On PostgreSQL, migration 0002 adds this exclusion constraint: no two confirmed bookings of one
# provider overlap. The services convert its violation into BookingError (OVERLAP_CONSTRAINT).
OVERLAP_CONSTRAINT = "booking_no_overlapping_confirmed"


class Booking(TenantOwned):
    """An appointment a client books for a service. The provider is the service's (kept on the row
    so the database can refuse overlapping confirmed bookings of one provider)."""

    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="bookings")
    provider = models.ForeignKey(
        ServiceProvider, on_delete=models.PROTECT, related_name="bookings", editable=False
    )
    client_name = models.CharField(_("client name"), max_length=200)
    client_email = models.EmailField(_("client e-mail"))
    start_at = models.DateTimeField(_("start"))
    end_at = models.DateTimeField(_("end"))
    status = models.CharField(
        max_length=STATUS_LENGTH, choices=BookingStatus.choices, default=BookingStatus.REQUESTED
    )
    notes = models.TextField(_("notes"), blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True, editable=False)
    cancelled_at = models.DateTimeField(null=True, blank=True, editable=False)
    cancellation_reason = models.TextField(blank=True, editable=False)

    class Meta:
        ordering = ["start_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(end_at__gt=F("start_at")), name="booking_ends_after_start"),
        ]
        indexes = [
            models.Index(fields=["tenant", "provider", "start_at"], name="booking_provider_start"),
            models.Index(fields=["tenant", "start_at"], name="booking_start"),
            models.Index(fields=["tenant", "status"], name="booking_status"),
        ]

    def __str__(self):
        return f"{self.client_name}: {self.service.title} ({self.start_at:%Y-%m-%d %H:%M})"

    def clean(self):
        super().clean()
        if self.start_at and self.end_at and self.end_at <= self.start_at:
            raise ValidationError({"end_at": _("The booking must end after it starts.")})

    def save(self, *args, **kwargs):
        if self.service_id is not None:
            service = self.service
            self.provider_id = service.provider_id
            if self.end_at is None and self.start_at is not None:
                self.end_at = self.start_at + service.duration
        super().save(*args, **kwargs)


class Contract(TenantOwned):
    """Work agreed between a client and a provider. Billing will hold its funds in escrow; until
    then a contract only records its amount."""

    provider = models.ForeignKey(ServiceProvider, on_delete=models.PROTECT, related_name="contracts")
    client_name = models.CharField(_("client name"), max_length=200)
    client_email = models.EmailField(_("client e-mail"))
    client_company = models.CharField(_("client company"), max_length=200, blank=True)
    title = models.CharField(_("title"), max_length=200)
    scope = models.TextField(_("scope"), blank=True)
    amount = models.DecimalField(_("amount"), **MONEY, validators=[MinValueValidator(0)])
    currency = models.CharField(
        _("currency"),
        max_length=3,
        blank=True,
        validators=[CURRENCY_CODE],
        help_text=_("Left blank, the company's default currency is used."),
    )
    status = models.CharField(
        max_length=STATUS_LENGTH, choices=ContractStatus.choices, default=ContractStatus.DRAFT
    )
    start_date = models.DateField(_("start date"), null=True, blank=True)
    end_date = models.DateField(_("end date"), null=True, blank=True)
    activated_at = models.DateTimeField(null=True, blank=True, editable=False)
    delivered_at = models.DateTimeField(null=True, blank=True, editable=False)
    completed_at = models.DateTimeField(null=True, blank=True, editable=False)
    cancelled_at = models.DateTimeField(null=True, blank=True, editable=False)
    dispute_reason = models.TextField(blank=True, editable=False)
    cancellation_reason = models.TextField(blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start_date__isnull=True)
                | Q(end_date__isnull=True)
                | Q(end_date__gte=F("start_date")),
                name="contract_dates_ordered",
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="contract_amount_not_negative"),
        ]
        indexes = [
            models.Index(fields=["tenant", "status"], name="contract_status"),
            models.Index(fields=["tenant", "provider", "status"], name="contract_provider_status"),
        ]

    def __str__(self):
        return f"{self.title} ({self.client_name})"

    def clean(self):
        super().clean()
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": _("The end date cannot be before the start date.")})

    def save(self, *args, **kwargs):
        if not self.currency:
            self.currency = tenant_currency(self.tenant_id)
        super().save(*args, **kwargs)


class Review(TenantOwned):
    """The client's review of a completed contract: one per contract."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="reviews")
    rating = models.PositiveSmallIntegerField(
        _("rating"), validators=[MinValueValidator(1), MaxValueValidator(5)], help_text=_("1 to 5 stars.")
    )
    comment = models.TextField(_("comment"), blank=True)
    is_published = models.BooleanField(_("published"), default=False)
    recorded_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "contract"], name="review_once_per_contract"),
            models.CheckConstraint(condition=Q(rating__gte=1, rating__lte=5), name="review_rating_1_to_5"),
        ]
        indexes = [models.Index(fields=["tenant", "is_published"], name="review_published")]

    def __str__(self):
        return f"{'★' * self.rating} for {self.contract.title}"
