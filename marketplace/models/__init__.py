"""Marketplace models: categories, providers and their services, bookings, contracts and reviews."""

from marketplace.models.categories import ServiceCategory
from marketplace.models.choices import (
    CLOSED_CONTRACT_STATUSES,
    BookingStatus,
    ContractStatus,
    ProviderKind,
)
from marketplace.models.engagements import OVERLAP_CONSTRAINT, Booking, Contract, Review
from marketplace.models.offerings import Service
from marketplace.models.providers import ServiceProvider, normalize_skills, tenant_currency

__all__ = [
    "CLOSED_CONTRACT_STATUSES",
    "OVERLAP_CONSTRAINT",
    "Booking",
    "BookingStatus",
    "Contract",
    "ContractStatus",
    "ProviderKind",
    "Review",
    "Service",
    "ServiceCategory",
    "ServiceProvider",
    "normalize_skills",
    "tenant_currency",
]
