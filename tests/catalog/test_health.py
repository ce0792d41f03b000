"""The catalog drift figure of the tenant health check (catalog/health.py)."""

import pytest

from catalog.health import catalog_drift
from catalog.models import PublicJobCatalog
from catalog.sync.operations import sync_active_tenant
from people.tenancy import tenant_context
from people.tenant_health import catalog_drift as health_check_drift
from recruiting.models import JobPosting, JobStatus
from tests.catalog.factories import ListedJobFactory, ListedProviderFactory

pytestmark = pytest.mark.django_db


def test_drift_counts_missing_and_orphaned_entries(tenant_a, tenant_b):
    with tenant_context(tenant_a):
        jobs = ListedJobFactory.create_batch(3)
        ListedProviderFactory()
        sync_active_tenant("all")
        assert catalog_drift() == 0
        PublicJobCatalog.objects.filter(tenant=tenant_a, source_job=jobs[0]).delete()  # missing
        JobPosting.objects.filter(pk=jobs[1].pk).update(status=JobStatus.DRAFT)  # orphaned (no signal)
        assert catalog_drift() == 2
    with tenant_context(tenant_b):
        assert catalog_drift() == 0  # another tenant's drift is not this one's
    assert health_check_drift(tenant_a) == 2  # the tenant health check reads it through the hook
