"""Kinds and statuses of the marketplace."""

from django.db import models
from django.utils.translation import gettext_lazy as _

STATUS_LENGTH = 20


class ProviderKind(models.TextChoices):
    INDIVIDUAL = "individual", _("Individual")
    COMPANY = "company", _("Company")


class BookingStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    CONFIRMED = "confirmed", _("Confirmed")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")
    NO_SHOW = "no_show", _("No-show")


class ContractStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ACTIVE = "active", _("Active")
    DELIVERED = "delivered", _("Delivered")
    COMPLETED = "completed", _("Completed")
    DISPUTED = "disputed", _("Disputed")
    CANCELLED = "cancelled", _("Cancelled")


CLOSED_CONTRACT_STATUSES = (ContractStatus.COMPLETED, ContractStatus.CANCELLED)
