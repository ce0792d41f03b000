"""The catalog's schedules: integrity repair and cleanup, both idempotent under a double run."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_q.models import Schedule, Task

from catalog.models import CatalogSyncRun, PublicJobCatalog, SyncKind
from catalog.sync.operations import cleanup_closed_jobs, verify_catalogs
from people.models import Tenant
from people.scheduling import declared_schedules, sync_schedules
from people.tenancy import tenant_context
from recruiting.models import JobPosting, JobStatus
from tests.catalog.conftest import job_entries, provider_entries
from tests.catalog.factories import ListedJobFactory, ListedProviderFactory, unsaved_change

pytestmark = pytest.mark.django_db


def test_both_schedules_are_declared_as_global_jobs():
    specs = {s.name: s for s in declared_schedules() if s.name.startswith("catalog.")}
    assert set(specs) == {"catalog.verify_catalogs", "catalog.cleanup_closed_jobs"}
    assert not any(spec.per_tenant for spec in specs.values())


def test_integrity_repairs_missing_stale_and_orphaned_entries_across_tenants(tenant_a, tenant_b):
    with tenant_context(tenant_a):
        missing, stale, orphan = ListedJobFactory.create_batch(3)
        provider = ListedProviderFactory()
    with tenant_context(tenant_b):
        ListedJobFactory()
    job_entries(source_job=missing).delete()
    unsaved_change(JobPosting, stale.pk, title="Changed in bulk")
    unsaved_change(JobPosting, orphan.pk, status=JobStatus.CANCELLED)
    unsaved_change(type(provider), provider.pk, accepting_projects=False)
    Tenant.objects.filter(pk=tenant_b.pk).update(is_active=False)

    assert verify_catalogs() == {
        "synced": 3, "skipped": 0, "removed": 2, "errors": 0, "missing": 1, "stale": 2, "orphaned": 2,
    }  # fmt: skip
    assert set(job_entries().values_list("source_job_id", flat=True)) == {missing.pk, stale.pk}
    assert job_entries(source_job=stale).get().title == "Changed in bulk"
    assert provider_entries().get().accepting_projects is False
    run = CatalogSyncRun.objects.get(kind=SyncKind.INTEGRITY)
    assert (run.synced, run.removed, run.errors, run.tenant) == (3, 2, 0, None)
    assert run.details == {"missing": 1, "orphaned": 2, "stale": 2}

    assert verify_catalogs() == {"synced": 0, "skipped": 3, "removed": 0, "errors": 0}
    second = CatalogSyncRun.objects.filter(kind=SyncKind.INTEGRITY).first()
    assert (second.synced, second.removed, second.skipped) == (0, 0, 3)


def test_cleanup_removes_entries_past_their_closing_time_once(tenant_a):
    with tenant_context(tenant_a):
        closing = ListedJobFactory(closes_at=timezone.now() + timedelta(hours=1))
        ListedJobFactory(closes_at=None)
        ListedJobFactory(closes_at=timezone.now() + timedelta(days=3))
    PublicJobCatalog.objects.filter(source_job=closing).update(
        closes_at=timezone.now() - timedelta(minutes=1)
    )
    assert cleanup_closed_jobs() == 1
    assert cleanup_closed_jobs() == 0
    assert job_entries().count() == 2
    assert CatalogSyncRun.objects.filter(kind=SyncKind.CLEANUP).count() == 2


def test_cleanup_forgets_old_sync_runs(db):
    CatalogSyncRun.objects.create(kind=SyncKind.SYNC, started_at=timezone.now() - timedelta(days=91))
    cleanup_closed_jobs()
    assert list(CatalogSyncRun.objects.values_list("kind", flat=True)) == [SyncKind.CLEANUP]


def test_the_declared_schedules_run_through_the_scheduler(tenant_a):
    """The real declarations, run by q2's scheduler as the cluster does (tasks run inline)."""
    from django_q.scheduler import scheduler

    with tenant_context(tenant_a):
        job = ListedJobFactory()
    job_entries().delete()
    sync_schedules()
    Schedule.objects.exclude(name__startswith="catalog.").delete()
    scheduler()
    assert job_entries(source_job=job).exists()
    results = sorted((t.args[0], t.result) for t in Task.objects.filter(func="people.background.run_global"))
    assert results == [
        ("catalog.tasks.cleanup_closed_jobs", 0),
        (
            "catalog.tasks.verify_catalogs",
            {"synced": 1, "skipped": 0, "removed": 0, "errors": 0, "missing": 1},
        ),
    ]
    assert CatalogSyncRun.objects.filter(kind=SyncKind.INTEGRITY).count() == 1
