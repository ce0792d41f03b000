"""Factories of the catalog tests: source rows that qualify for the public catalogs."""

from decimal import Decimal

import factory
from django.utils import timezone
from django.utils.text import slugify
from factory.django import DjangoModelFactory

from catalog.models import CatalogSettings, PublicJobCatalog
from marketplace.models import ServiceProvider
from people.models import EmploymentType
from people.tenancy import tenant_context
from recruiting.models import JobPosting, JobStatus, RemotePolicy
from tests.marketplace.factories import ServiceProviderFactory
from tests.people.factories import TenantFactory
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


def draft_job_in(tenant) -> JobPosting:
    """A source job that the catalog sync ignores (a draft), for entries written by hand."""
    with tenant_context(tenant):
        return JobPostingFactory(status=JobStatus.DRAFT)


class JobEntryFactory(DjangoModelFactory):
    """A PublicJobCatalog row written directly (as the sync would), with a draft source job of its
    own in `tenant`: fast for list pages. For the apply form, list a real job (ListedJobFactory,
    whose change task writes the entry) so that the source job is open."""

    class Meta:
        model = PublicJobCatalog

    tenant = factory.SubFactory(TenantFactory)
    source_job = factory.LazyAttribute(lambda o: draft_job_in(o.tenant))
    title = factory.Sequence(lambda n: f"Backend Developer {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.title)[:80] or "job")
    company_name = factory.LazyAttribute(lambda o: o.tenant.name)
    location = "Berlin"
    remote_policy = RemotePolicy.HYBRID
    employment_type = EmploymentType.FULL_TIME
    category = "Engineering"
    skills = factory.LazyFunction(lambda: ["Python", "Django"])
    description = "Build and run our APIs."
    requirements = "Three years of Python."
    published_at = factory.LazyFunction(timezone.now)
    synced_at = factory.LazyFunction(timezone.now)
    source_updated_at = factory.LazyFunction(timezone.now)
    content_hash = "0" * 32
    search_text = factory.LazyAttribute(
        lambda o: " ".join([o.title, o.company_name, o.location, o.category, *o.skills, o.description])
    )


def unsaved_change(model, pk, **fields):
    """Change a row without signals (a queryset update), as bulk writes do."""
    model._base_manager.filter(pk=pk).update(**fields)


__all__ = [
    "CatalogSettingsFactory",
    "JobEntryFactory",
    "JobPosting",
    "ListedJobFactory",
    "ListedProviderFactory",
    "ServiceProvider",
    "unsaved_change",
]
