"""The bulk sync: eligibility, idempotence, repair of what change tasks did not see."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.db.models.signals import post_save
from django.utils import timezone

from catalog.models import PublicJobCatalog
from catalog.sync import engine
from catalog.sync.operations import sync_active_tenant
from people.models import Tenant
from people.tenancy import tenant_context
from recruiting.models import JobPosting, JobStatus
from tests.catalog.conftest import job_entries, provider_entries
from tests.catalog.factories import ListedJobFactory, ListedProviderFactory, unsaved_change

pytestmark = pytest.mark.django_db

LATER = timezone.now() + timedelta(days=30)
EARLIER = timezone.now() - timedelta(days=1)


@pytest.fixture
def quiet():
    """Source rows made without the change signal (as a bulk import writes them)."""
    from catalog import signals

    post_save.disconnect(sender=JobPosting, dispatch_uid="catalog.job_saved")
    yield
    post_save.connect(signals.job_saved, sender=JobPosting, dispatch_uid="catalog.job_saved")


JOB_MATRIX = [
    ({}, True),
    ({"closes_at": LATER}, True),
    ({"closes_at": EARLIER}, False),
    ({"status": JobStatus.DRAFT}, False),
    ({"status": JobStatus.ON_HOLD}, False),
    ({"status": JobStatus.FILLED}, False),
    ({"status": JobStatus.CANCELLED}, False),
    ({"published_on_career_page": False}, False),
    ({"is_internal_only": True}, False),
]


@pytest.mark.parametrize(("fields", "listed"), JOB_MATRIX, ids=[str(f) for f, _l in JOB_MATRIX])
def test_job_eligibility(tenant_a, quiet, fields, listed):
    with tenant_context(tenant_a):
        ListedJobFactory(**fields)
        sync_active_tenant("jobs")
    assert job_entries().exists() is listed


PROVIDER_MATRIX = [
    ({}, True),
    ({"accepting_projects": False}, True),  # shown, with its availability
    ({"is_verified": False}, True),
    ({"marketplace_enabled": False}, False),
    ({"marketplace_enabled": False, "is_active": False}, False),
]


@pytest.mark.parametrize(("fields", "listed"), PROVIDER_MATRIX, ids=[str(f) for f, _l in PROVIDER_MATRIX])
def test_provider_eligibility(tenant_a, fields, listed):
    with tenant_context(tenant_a):
        provider = ListedProviderFactory(**fields)
        sync_active_tenant("providers")
    assert provider_entries(source_provider=provider).exists() is listed


def test_an_inactive_provider_that_is_still_flagged_listed_is_not_listed(tenant_a):
    with tenant_context(tenant_a):
        provider = ListedProviderFactory()
        unsaved_change(type(provider), provider.pk, is_active=False)  # the model's clean() forbids it
        sync_active_tenant("providers")
    assert not provider_entries().exists()


def test_a_second_sync_writes_nothing(tenant_a, quiet):
    with tenant_context(tenant_a):
        ListedJobFactory.create_batch(3)
        ListedProviderFactory.create_batch(2)
        first = sync_active_tenant("all")
        synced_at = set(PublicJobCatalog.objects.values_list("synced_at", flat=True))
        second = sync_active_tenant("all")
    assert (first.synced, first.skipped) == (3, 2)  # providers were listed by their change tasks
    assert (second.synced, second.skipped, second.removed, second.errors) == (0, 5, 0, 0)
    assert set(PublicJobCatalog.objects.values_list("synced_at", flat=True)) == synced_at


def test_missing_stale_and_orphaned_entries_are_found_and_repaired(tenant_a, quiet):
    with tenant_context(tenant_a):
        missing, stale, orphan, fine = ListedJobFactory.create_batch(4)
        sync_active_tenant("jobs")
        job_entries(source_job=missing).delete()
        unsaved_change(JobPosting, stale.pk, title="Renamed by a bulk update")
        unsaved_change(JobPosting, orphan.pk, status=JobStatus.CANCELLED)
        result = engine.sync_tenant("jobs")
    assert dict(+result.details) == {"missing": 1, "stale": 1, "orphaned": 1}
    assert (result.synced, result.skipped, result.removed) == (2, 1, 1)
    assert set(job_entries().values_list("source_job_id", flat=True)) == {missing.pk, stale.pk, fine.pk}
    assert job_entries(source_job=stale).get().title == "Renamed by a bulk update"


def test_a_dry_run_counts_and_writes_nothing(tenant_a, quiet):
    with tenant_context(tenant_a):
        ListedJobFactory.create_batch(2)
        result = sync_active_tenant("jobs", dry_run=True)
    assert (result.synced, result.removed) == (2, 0)
    assert not job_entries().exists()


def test_only_the_active_tenants_entries_are_touched(tenant_a, tenant_b, quiet):
    with tenant_context(tenant_b):
        theirs = ListedJobFactory()
        sync_active_tenant("jobs")
    with tenant_context(tenant_a):
        result = sync_active_tenant("jobs")
    assert result.removed == 0 and job_entries(source_job=theirs).exists()


def test_an_entry_older_than_its_source_is_settled_after_a_bulk_sync(tenant_a, quiet):
    """A change task that ran while a bulk sync was writing an older copy is not undone."""
    with tenant_context(tenant_a):
        job = ListedJobFactory(title="Old")
        sync_active_tenant("jobs")
        entry = job_entries().get()
        # The bulk sync read the row before this change, and wrote after its change task.
        JobPosting.objects.filter(pk=job.pk).update(
            title="New", updated_at=timezone.now() + timedelta(seconds=1)
        )
        PublicJobCatalog.objects.filter(pk=entry.pk).update(content_hash="x")
        result = engine.sync_tenant("jobs", only_ids=[])  # nothing read: only the settle step acts
    assert result.details["settled"] == 1
    assert job_entries().get().title == "New"


def test_an_entry_whose_source_is_gone_is_removed_after_a_bulk_sync(tenant_a, quiet):
    """A source deleted without the ORM, or between the bulk read and its write: no database
    constraint refuses or removes the entry, the settle step does."""
    with tenant_context(tenant_a):
        job, kept = ListedJobFactory(), ListedJobFactory()
        sync_active_tenant("jobs")
        deleted = JobPosting.objects.filter(pk=job.pk)
        deleted._raw_delete(deleted.db)  # no cascade, no change task
        assert job_entries(source_job_id=job.pk).exists()
        result = engine.sync_tenant("jobs", only_ids=[])  # nothing read: only the settle step acts
    assert result.details["settled"] == 1
    assert list(job_entries().values_list("source_job_id", flat=True)) == [kept.pk]


def test_deleting_a_source_through_the_orm_deletes_its_entry_at_once(tenant_a, quiet):
    with tenant_context(tenant_a):
        job = ListedJobFactory()
        sync_active_tenant("jobs")
        with transaction.atomic():
            JobPosting.objects.filter(pk=job.pk).delete()
            assert not job_entries().exists()  # Django's cascade, before any change task runs


def test_the_one_row_path_reports_what_it_did(tenant_a, quiet):
    with tenant_context(tenant_a):
        job = ListedJobFactory()
        assert engine.sync_row("jobs", job.pk) == "listed"
        assert engine.sync_row("jobs", job.pk) == "unchanged"
        unsaved_change(JobPosting, job.pk, title="")
        assert engine.sync_row("jobs", job.pk) == "error: the job has no title"
        unsaved_change(JobPosting, job.pk, status=JobStatus.DRAFT)
        assert engine.sync_row("jobs", job.pk) == "removed"
        assert engine.sync_row("jobs", job.pk) == "not listed"
        assert engine.sync_row("jobs", 987654) == "not listed"


def test_a_sync_stops_writing_for_a_tenant_deactivated_meanwhile(tenant_a, quiet):
    with tenant_context(tenant_a):
        ListedJobFactory()
        Tenant.objects.filter(pk=tenant_a.pk).update(is_active=False)
        result = engine.sync_tenant("jobs")
    assert result.details["tenant deactivated"] == 1 and not job_entries().exists()
