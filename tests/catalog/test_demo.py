"""The catalog demo data added by `bootstrap_demo_tenant`: published salaries and entries, once."""

from io import StringIO

import pytest
from django.core.management import call_command

from catalog.models import CatalogSettings
from people.models import Tenant
from people.tenancy import tenant_context
from recruiting.models import JobPosting
from tests.catalog.conftest import job_entries, provider_entries

pytestmark = pytest.mark.django_db


def bootstrap() -> str:
    out = StringIO()
    call_command("bootstrap_demo_tenant", "--password", "demo-pass-2026", stdout=out)
    return out.getvalue()


def test_the_demo_tenant_has_public_entries_once(role_groups):
    out = bootstrap()
    assert "demo data added: catalog" in out and "catalog: salaries published" in out
    tenant = Tenant.objects.get(slug="demo")
    with tenant_context(tenant):
        assert CatalogSettings.objects.get().publish_salaries
        listed = JobPosting.objects.filter(published_on_career_page=True, is_internal_only=False).count()
    assert job_entries(tenant=tenant).exists() and provider_entries(tenant=tenant).exists()
    assert job_entries(tenant=tenant).count() <= listed
    assert job_entries(tenant=tenant, salary_min__isnull=False).exists()
    # The careers page has something to search and filter: the published pipeline job and the
    # six open positions, in several categories and working models, posted on different days.
    jobs = job_entries(tenant=tenant)
    assert jobs.count() == 7
    assert len(set(jobs.values_list("category", flat=True))) >= 5
    assert len(set(jobs.values_list("employment_type", flat=True))) >= 4
    assert len(set(jobs.values_list("remote_policy", flat=True))) == 3
    assert len({moment.date() for moment in jobs.values_list("published_at", flat=True)}) >= 5
    second = bootstrap()
    assert "nothing changed" in second and "catalog:" not in second
