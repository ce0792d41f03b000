"""A change to a source row reaches the catalog through a task enqueued in the same transaction.

Tasks run inline in tests (Conf.SYNC): the task is sent when enqueue() runs, through the real
trampoline, detached from the caller's tenant. tests/catalog/test_worker.py proves the same with
a real worker on PostgreSQL."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone
from django_q.conf import Conf
from django_q.models import OrmQ

from marketplace.services import providers as provider_services
from people.models import Tenant
from people.tenancy import all_tenants, tenant_context
from recruiting.models import JobStatus
from recruiting.services import jobs as job_services
from tests.catalog.conftest import in_tenant, job_entries, provider_entries
from tests.catalog.factories import CatalogSettingsFactory, ListedJobFactory, ListedProviderFactory
from tests.marketplace.factories import ServiceCategoryFactory, ServiceFactory, ServiceProviderFactory
from tests.recruiting.factories import JobPostingFactory

pytestmark = pytest.mark.django_db


def test_a_listed_job_is_in_the_catalog_once_saved(tenant_a):
    job = in_tenant(tenant_a, ListedJobFactory, title="Data Engineer")
    entry = job_entries().get()
    assert (entry.tenant_id, entry.source_job_id, entry.title) == (tenant_a.pk, job.pk, "Data Engineer")
    assert entry.company_name == "Tenant A"


def test_a_draft_is_not_listed_and_publishing_lists_it(tenant_a):
    job = in_tenant(tenant_a, JobPostingFactory, status=JobStatus.DRAFT)
    assert not job_entries().exists()
    in_tenant(tenant_a, job_services.publish_job, job_id=job.pk)
    assert job_entries().get().source_job_id == job.pk


def test_closing_a_job_removes_its_entry(tenant_a):
    job = in_tenant(tenant_a, ListedJobFactory)
    in_tenant(tenant_a, job_services.close_job, job_id=job.pk)
    assert not job_entries().exists()


def test_editing_a_job_updates_its_entry_and_keeps_its_public_id(tenant_a):
    job = in_tenant(tenant_a, ListedJobFactory, title="Old title")
    public_id = job_entries().get().public_id
    with tenant_context(tenant_a):
        job.title = "New title"
        job.save()
    entry = job_entries().get()
    assert (entry.title, entry.slug, entry.public_id) == ("New title", "new-title", public_id)


def test_deleting_a_job_removes_its_entry(tenant_a):
    job = in_tenant(tenant_a, ListedJobFactory)
    in_tenant(tenant_a, job.delete)
    assert not job_entries().exists()


def test_internal_only_or_off_the_career_page_is_removed(tenant_a):
    job = in_tenant(tenant_a, ListedJobFactory)
    with tenant_context(tenant_a):
        job.is_internal_only = True
        job.save()
    assert not job_entries().exists()


def test_a_rolled_back_change_leaves_neither_entry_nor_task(tenant_a, monkeypatch):
    monkeypatch.setattr(Conf, "SYNC", False)  # to the ORM broker: the task row itself is visible
    with pytest.raises(RuntimeError), tenant_context(tenant_a), transaction.atomic():
        ListedJobFactory()
        assert OrmQ.objects.count() == 1  # written in the caller's transaction
        raise RuntimeError("the caller's transaction rolls back")
    assert OrmQ.objects.count() == 0
    assert not job_entries().exists()


def test_the_task_is_written_in_the_same_transaction_as_the_change(tenant_a, monkeypatch):
    monkeypatch.setattr(Conf, "SYNC", False)
    job = in_tenant(tenant_a, JobPostingFactory, status=JobStatus.DRAFT)
    assert OrmQ.objects.count() == 0  # a brand-new draft: nothing to sync
    with tenant_context(tenant_a), transaction.atomic():
        job.published_on_career_page = True
        job.save()
        assert OrmQ.objects.count() == 1


def test_a_change_saved_across_tenants_is_synced_in_its_own_tenant(tenant_a):
    job = in_tenant(tenant_a, JobPostingFactory, status=JobStatus.DRAFT)
    with all_tenants(reason="test"):
        job.published_on_career_page = True
        job.status = JobStatus.PUBLISHED
        job.save()
    assert job_entries(tenant=tenant_a).count() == 1


def test_providers_enter_and_leave_the_catalog_through_the_marketplace_services(tenant_a, user_a):
    provider = in_tenant(tenant_a, ServiceProviderFactory, display_name="Ada Works")
    in_tenant(tenant_a, ServiceFactory, provider=provider)
    assert not provider_entries().exists()
    in_tenant(tenant_a, provider_services.enable_on_marketplace, provider_id=provider.pk, by=user_a)
    assert provider_entries().get().display_name == "Ada Works"
    in_tenant(tenant_a, provider_services.verify_provider, provider_id=provider.pk, by=user_a)
    assert provider_entries().get().is_verified
    in_tenant(tenant_a, provider_services.disable_on_marketplace, provider_id=provider.pk, by=user_a)
    assert not provider_entries().exists()


def test_a_service_changes_the_providers_categories(tenant_a):
    with tenant_context(tenant_a):
        provider = ListedProviderFactory()
        service = ServiceFactory(provider=provider, category=ServiceCategoryFactory(name="Design"))
    assert provider_entries().get().categories == ["Design"]
    in_tenant(tenant_a, service.delete)
    assert provider_entries().get().categories == []


def test_deleting_a_provider_with_services_removes_its_entry(tenant_a):
    with tenant_context(tenant_a):
        provider = ListedProviderFactory()
        ServiceFactory(provider=provider)
        provider.delete()
    assert not provider_entries().exists()


def test_a_rating_update_reaches_the_entry(tenant_a):
    provider = in_tenant(tenant_a, ListedProviderFactory)
    with tenant_context(tenant_a):
        provider.rating_average, provider.review_count = Decimal("4.50"), 2
        provider.save()
    assert (provider_entries().get().rating, provider_entries().get().review_count) == (Decimal("4.50"), 2)


def test_publishing_salaries_is_the_tenants_choice(tenant_a):
    in_tenant(tenant_a, ListedJobFactory)
    assert job_entries().get().salary_min is None
    settings = in_tenant(tenant_a, CatalogSettingsFactory, publish_salaries=True)
    entry = job_entries().get()
    assert (entry.salary_min, entry.salary_max, entry.salary_currency) == (
        Decimal("50000.00"), Decimal("70000.00"), "EUR",
    )  # fmt: skip
    with tenant_context(tenant_a):
        settings.publish_salaries = False
        settings.save()
    assert job_entries().get().salary_min is None


def test_deactivating_a_tenant_removes_all_its_entries_and_reactivating_restores_them(tenant_a, tenant_b):
    in_tenant(tenant_a, ListedJobFactory)
    in_tenant(tenant_a, ListedProviderFactory)
    in_tenant(tenant_b, ListedJobFactory)
    tenant_a.is_active = False
    tenant_a.save()
    assert not job_entries(tenant=tenant_a).exists() and not provider_entries(tenant=tenant_a).exists()
    assert job_entries(tenant=tenant_b).count() == 1
    tenant_a.is_active = True
    tenant_a.save()
    assert job_entries(tenant=tenant_a).count() == 1 and provider_entries(tenant=tenant_a).count() == 1


def test_renaming_a_tenant_renames_its_job_entries(tenant_a):
    in_tenant(tenant_a, ListedJobFactory)
    tenant = Tenant.objects.get(pk=tenant_a.pk)
    tenant.name = "Acme GmbH"
    tenant.save()
    assert job_entries().get().company_name == "Acme GmbH"


def test_a_job_of_an_inactive_tenant_is_never_listed(tenant_a):
    job = in_tenant(tenant_a, JobPostingFactory, status=JobStatus.DRAFT)
    Tenant.objects.filter(pk=tenant_a.pk).update(is_active=False)
    tenant_a.refresh_from_db()
    with all_tenants(reason="test"):
        job.published_on_career_page = True
        job.status = JobStatus.PUBLISHED
        job.save()  # the task is skipped by the trampoline: inactive tenant
    assert not job_entries().exists()


def test_a_job_past_its_closing_time_is_not_listed(tenant_a):
    in_tenant(tenant_a, ListedJobFactory, closes_at=timezone.now() - timedelta(minutes=1))
    assert not job_entries().exists()
