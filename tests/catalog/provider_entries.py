"""PublicProviderCatalog rows made directly, for tests of the pages that read them.

Each entry needs a source provider in its tenant: the factory makes one that is NOT on the
marketplace, so no change task or sync lists it on its own (a sync would remove the entry as
orphaned; page tests run none). Tests of what the sync copies use tests.catalog.factories.
"""

from decimal import Decimal

import factory
from django.utils import timezone
from django.utils.text import slugify
from factory.django import DjangoModelFactory

from catalog.models import PublicProviderCatalog
from people.tenancy import tenant_context
from tests.marketplace.factories import ServiceProviderFactory
from tests.people.factories import TenantFactory


def unlisted_source(tenant):
    with tenant_context(tenant):
        return ServiceProviderFactory(marketplace_enabled=False)


def search_text(entry) -> str:
    """What the sync indexes (catalog.sync.rows): name, skills, categories, city and bio."""
    parts = [entry.display_name, *entry.skills, *entry.categories, entry.city, entry.bio_excerpt]
    return " ".join(part for part in parts if part)


class ProviderEntryFactory(DjangoModelFactory):
    class Meta:
        model = PublicProviderCatalog

    tenant = factory.SubFactory(TenantFactory)
    source_provider = factory.LazyAttribute(lambda o: unlisted_source(o.tenant))
    display_name = factory.Sequence(lambda n: f"Freelancer {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.display_name)[:80].strip("-") or "provider")
    synced_at = factory.LazyFunction(timezone.now)
    source_updated_at = factory.LazyFunction(timezone.now)
    content_hash = "0" * 32
    bio_excerpt = "Backend developer with ten years of experience."
    skills = factory.LazyFunction(lambda: ["Python", "Django"])
    categories = factory.LazyFunction(lambda: ["Development"])
    city = "Berlin"
    country = "DE"
    hourly_rate = Decimal("80.00")
    currency = "EUR"
    rating = Decimal("4.50")
    review_count = 10
    completed_contracts = 5
    is_verified = True
    accepting_projects = True
    search_text = factory.LazyAttribute(search_text)
