"""The two catalogs as the sync engine sees them: entry model, source model, eligibility, copy."""

from catalog.models import CatalogSettings, PublicJobCatalog, PublicProviderCatalog
from catalog.sync import rows
from marketplace.models import ServiceProvider
from recruiting.models import JobPosting


def company_of(tenant) -> rows.Company:
    """The tenant's part of its entries (one query for its settings)."""
    publish = CatalogSettings.objects.filter(tenant=tenant).values_list("publish_salaries", flat=True).first()
    return rows.Company(
        tenant_id=tenant.pk, name=tenant.name, logo=tenant.logo.name or "", publish_salaries=bool(publish)
    )


def written_fields(model) -> tuple[str, ...]:
    """Columns a bulk write fills (by attribute name): every one but the sequential id."""
    return tuple(f.attname for f in model._meta.concrete_fields if not f.primary_key)


class JobCatalog:
    name = "jobs"
    entry_model = PublicJobCatalog
    source_model = JobPosting
    source_field = "source_job"
    fields = rows.JOB_FIELDS
    text_fields = rows.JOB_TEXT_FIELDS
    write_fields = written_fields(PublicJobCatalog)
    unique_fields = ("tenant", "source_job")
    eligible = staticmethod(rows.eligible_jobs)

    def extras(self, source_ids) -> dict:
        return {}

    def fingerprint(self, row, company, extras) -> str:
        return rows.fingerprint(row, company)

    def values(self, row, company, extras, now, digest, texts=None) -> dict:
        return rows.job_values(row, company, now, digest, texts)

    def build(self, row, company, extras, now, digest):
        return rows.job_entry(row, company, now, digest)


class ProviderCatalog:
    name = "providers"
    entry_model = PublicProviderCatalog
    source_model = ServiceProvider
    source_field = "source_provider"
    fields = rows.PROVIDER_FIELDS
    text_fields = rows.PROVIDER_TEXT_FIELDS
    write_fields = written_fields(PublicProviderCatalog)
    unique_fields = ("tenant", "source_provider")
    eligible = staticmethod(rows.eligible_providers)

    def extras(self, source_ids) -> dict:
        return rows.provider_categories(source_ids)

    def fingerprint(self, row, company, extras) -> str:
        return rows.fingerprint(row, company, extras.get(row["id"], []))

    def values(self, row, company, extras, now, digest, texts=None) -> dict:
        return rows.provider_values(row, company, extras.get(row["id"], []), now, digest, texts)

    def build(self, row, company, extras, now, digest):
        return rows.provider_entry(row, company, extras.get(row["id"], []), now, digest)


CATALOGS = {"jobs": JobCatalog(), "providers": ProviderCatalog()}


def selected(scope: str) -> list:
    """The catalogs of a scope: "jobs", "providers" or "all"."""
    return list(CATALOGS.values()) if scope == "all" else [CATALOGS[scope]]


def update_fields(model) -> list[str]:
    """Columns an upsert rewrites: everything except the identity (tenant, source, public_id)."""
    keep = {"id", "tenant", "public_id", "source_job", "source_provider"}
    return [f.name for f in model._meta.concrete_fields if f.name not in keep]
