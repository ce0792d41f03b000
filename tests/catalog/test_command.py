"""manage.py sync_public_catalogs: options, per-tenant progress, summary, recorded runs."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db.models.signals import post_save
from django_q.conf import Conf
from django_q.models import OrmQ

from catalog.models import CatalogSyncRun, SyncKind
from people.models import Tenant
from people.tenancy import tenant_context
from recruiting.models import JobPosting
from tests.catalog.conftest import job_entries, provider_entries
from tests.catalog.factories import ListedJobFactory, ListedProviderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def unsynced(tenant_a, tenant_b):
    """Two listed jobs in A and one in B, one provider in A, none of them in the catalog yet."""
    from catalog import signals
    from marketplace.models import ServiceProvider

    post_save.disconnect(sender=JobPosting, dispatch_uid="catalog.job_saved")
    post_save.disconnect(sender=ServiceProvider, dispatch_uid="catalog.provider_saved")
    with tenant_context(tenant_a):
        ListedJobFactory.create_batch(2)
        ListedProviderFactory()
    with tenant_context(tenant_b):
        ListedJobFactory()
    post_save.connect(signals.job_saved, sender=JobPosting, dispatch_uid="catalog.job_saved")
    post_save.connect(signals.provider_saved, sender=ServiceProvider, dispatch_uid="catalog.provider_saved")


def run(*args) -> str:
    out = StringIO()
    call_command("sync_public_catalogs", *args, stdout=out)
    return out.getvalue()


def test_syncs_every_tenant_with_progress_and_a_summary(unsynced):
    output = run()
    assert "tenant-a: 3 synced, 0 skipped, 0 removed, 0 errors" in output
    assert "tenant-b: 1 synced, 0 skipped, 0 removed, 0 errors" in output
    assert "Done: 4 synced, 0 skipped (up to date), 0 removed, 0 errors in " in output
    assert (job_entries().count(), provider_entries().count()) == (3, 1)
    run_row = CatalogSyncRun.objects.get()
    assert (run_row.kind, run_row.catalog, run_row.tenant, run_row.synced) == (SyncKind.SYNC, "all", None, 4)
    assert run_row.finished_at is not None and run_row.status == "ok"


def test_a_second_run_skips_everything(unsynced):
    run()
    assert "Done: 0 synced, 4 skipped (up to date), 0 removed, 0 errors" in run()


def test_one_catalog_of_one_tenant(unsynced, tenant_a):
    output = run("--catalog", "jobs", "--tenant", "tenant-a")
    assert "tenant-a: 2 synced" in output and "tenant-b" not in output
    assert (job_entries().count(), provider_entries().count()) == (2, 0)
    assert CatalogSyncRun.objects.get().tenant == tenant_a


def test_a_dry_run_writes_nothing(unsynced):
    output = run("--dry-run")
    assert "Dry run, nothing written: would have 4 synced" in output
    assert not job_entries().exists() and not CatalogSyncRun.objects.exists()


def test_an_inactive_tenants_entries_are_removed(unsynced, tenant_b):
    run()
    Tenant.objects.filter(pk=tenant_b.pk).update(is_active=False)  # no signal: a bulk change
    output = run()
    assert "tenant-b (inactive: entries removed): 0 synced, 0 skipped, 1 removed" in output
    assert not job_entries(tenant=tenant_b).exists()


def test_async_enqueues_one_task_per_active_tenant(unsynced, monkeypatch):
    monkeypatch.setattr(Conf, "SYNC", False)
    output = run("--async", "--catalog", "providers")
    assert "tenant-a: sync of providers queued" in output and "Queued 2 tenant sync task(s)." in output
    assert OrmQ.objects.count() == 3  # two tenants, and the removal of inactive tenants' entries
    assert not provider_entries().exists()  # the worker does the work


def test_async_tasks_do_the_sync_and_record_their_runs(unsynced):
    run("--async")  # tasks run inline in tests
    assert (job_entries().count(), provider_entries().count()) == (3, 1)
    assert CatalogSyncRun.objects.filter(kind=SyncKind.SYNC).count() == 2


def test_errors_are_counted_and_shown(unsynced, tenant_a):
    JobPosting._base_manager.filter(tenant=tenant_a).update(title="")
    output = run("--catalog", "jobs")
    assert "Done: 1 synced, 0 skipped (up to date), 0 removed, 2 errors" in output
    assert "the job has no title" in output
    run_row = CatalogSyncRun.objects.get()
    assert run_row.errors == 2 and run_row.status == "with errors" and len(run_row.error_samples) == 2


def test_bad_options_are_refused(db):
    with pytest.raises(CommandError, match="No tenant with slug 'nope'"):
        run("--tenant", "nope")
    with pytest.raises(CommandError):
        run("--catalog", "everything")
    with pytest.raises(CommandError, match="do not go together"):
        run("--async", "--dry-run")
