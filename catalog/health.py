"""The catalog's figure for the tenant health check (people.tenant_health.catalog_drift): how many
public entries are missing or orphaned for the active tenant, from four counting queries. Stale
entries (changed sources) are left to the daily integrity check, which compares every row."""

from django.utils import timezone

from catalog.models import PublicJobCatalog, PublicProviderCatalog
from catalog.sync.rows import eligible_jobs, eligible_providers
from marketplace.models import ServiceProvider
from people.tenancy import current_tenant
from recruiting.models import JobPosting


def catalog_drift() -> int:
    tenant, now = current_tenant(), timezone.now()
    drift = 0
    for sources, entries, source_field in (
        (JobPosting.objects.filter(eligible_jobs(now)), PublicJobCatalog.objects, "source_job_id"),
        (
            ServiceProvider.objects.filter(eligible_providers(now)),
            PublicProviderCatalog.objects,
            "source_provider_id",
        ),
    ):
        listed = entries.filter(tenant=tenant)
        drift += sources.exclude(pk__in=listed.values(source_field)).count()
        drift += listed.exclude(**{f"{source_field}__in": sources.values("pk")}).count()
    return drift


CATALOG_DRIFT = catalog_drift
