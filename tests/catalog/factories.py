"""Factories of the catalog tests: source rows that qualify for the public catalogs."""

from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from catalog.models import CatalogSettings
from marketplace.models import ServiceProvider
from recruiting.models import JobPosting, JobStatus
from tests.marketplace.factories import ServiceProviderFactory
from tests.recruiting.factories import JobPostingFactory


class ListedJobFactory(JobPostingFactory):
    """An open job on the career page: eligible for the catalog (in an active tenant)."""

    status = JobStatus.PUBLISHED
    published_on_career_page = True
    category = "Engineering"
    description = "Build things with Python."
    skills = factory.LazyFunction(lambda: ["Python", "Django"])
    salary_min = Decimal("50000.00")
    salary_max = Decimal("70000.00")


class ListedProviderFactory(ServiceProviderFactory):
    """An active provider on the marketplace: eligible for the catalog."""

    marketplace_enabled = True
    bio = "Backend developer."


class CatalogSettingsFactory(DjangoModelFactory):
    class Meta:
        model = CatalogSettings

    publish_salaries = False


def unsaved_change(model, pk, **fields):
    """Change a row without signals (a queryset update), as bulk writes do."""
    model._base_manager.filter(pk=pk).update(**fields)


__all__ = [
    "CatalogSettingsFactory",
    "JobPosting",
    "ListedJobFactory",
    "ListedProviderFactory",
    "ServiceProvider",
    "unsaved_change",
]
