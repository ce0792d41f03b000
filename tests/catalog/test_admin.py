"""Catalog admins: read-only browsers for platform staff only, the resync action on the source
admins, the tenant's catalog settings, and the dashboard card."""

import pytest
from django.db.models.signals import post_save
from django.test import Client

from catalog.models import CatalogSettings, CatalogSyncRun, SyncKind
from catalog.sync.operations import verify_catalogs
from people.roles import Role
from people.tenancy import tenant_context
from recruiting.models import JobPosting
from tests.catalog.conftest import job_entries, provider_entries
from tests.catalog.factories import CatalogSettingsFactory, ListedJobFactory, ListedProviderFactory
from tests.conftest import login, make_member

pytestmark = pytest.mark.django_db

BROWSERS = ["publicjobcatalog", "publicprovidercatalog", "catalogsyncrun"]


@pytest.fixture
def listed(tenant_a, tenant_b):
    with tenant_context(tenant_a):
        job = ListedJobFactory()
        ListedProviderFactory()
    with tenant_context(tenant_b):
        ListedJobFactory()
    verify_catalogs()  # one sync run to browse
    return job


@pytest.fixture
def root_client(superuser, tenant_a):
    return login(Client(), superuser, tenant_a)


@pytest.mark.parametrize("model", BROWSERS)
def test_platform_staff_browse_every_tenants_entries_read_only(
    root_client, tenant_a, tenant_b, listed, model
):
    url = f"/admin/catalog/{model}/"
    response = root_client.get(url)
    assert response.status_code == 200
    rows = list(response.context["cl"].result_list)
    assert rows
    if model == "publicjobcatalog":
        assert {row.tenant_id for row in rows} == {tenant_a.pk, tenant_b.pk}
    assert root_client.get(f"{url}{rows[0].pk}/change/").status_code == 200  # a read-only page
    assert root_client.get(f"{url}add/").status_code == 403
    assert root_client.get(f"{url}{rows[0].pk}/delete/").status_code == 403
    assert root_client.get(url, {"q": "a"}).status_code == 200


@pytest.mark.parametrize("role", [Role.OWNER, Role.OPS, Role.VIEWER])
@pytest.mark.parametrize("model", BROWSERS)
def test_tenant_staff_never_see_the_catalogs(client, tenant_a, user_a, listed, model, role):
    user = user_a if role == Role.OWNER else make_member(tenant_a, role, email=f"{role}@tenant-a.test")
    login(client, user, tenant_a)
    entry_pk = {"publicjobcatalog": job_entries(), "publicprovidercatalog": provider_entries(),
                "catalogsyncrun": CatalogSyncRun.objects}[model].values_list("pk", flat=True).first()  # fmt: skip
    assert client.get(f"/admin/catalog/{model}/").status_code == 403
    assert client.get(f"/admin/catalog/{model}/{entry_pk}/change/").status_code == 403
    assert f"/admin/catalog/{model}/" not in client.get("/admin/").content.decode()


def test_a_run_shows_its_counts_and_error_samples(root_client, tenant_a):
    run = CatalogSyncRun.objects.create(
        kind=SyncKind.SYNC, started_at="2026-01-01T10:00:00Z", finished_at="2026-01-01T10:00:02Z", errors=1,
        error_samples=[{"catalog": "jobs", "id": 7, "error": "the job has no title"}],
    )  # fmt: skip
    listing = root_client.get("/admin/catalog/catalogsyncrun/").content.decode()
    assert "with errors" in listing and "2.0 s" in listing
    assert (
        "the job has no title"
        in root_client.get(f"/admin/catalog/catalogsyncrun/{run.pk}/change/").content.decode()
    )


# --- resync on the source admins -----------------------------------------------------------------
@pytest.fixture
def unsynced_job(tenant_a):
    from catalog import signals

    post_save.disconnect(sender=JobPosting, dispatch_uid="catalog.job_saved")
    with tenant_context(tenant_a):
        job = ListedJobFactory()
    post_save.connect(signals.job_saved, sender=JobPosting, dispatch_uid="catalog.job_saved")
    return job


def test_resync_lists_the_selected_jobs_of_the_own_tenant_only(client_a, tenant_a, tenant_b, unsynced_job):
    with tenant_context(tenant_b):
        theirs = ListedJobFactory()
    job_entries(source_job=theirs).delete()
    response = client_a.post(
        "/admin/recruiting/jobposting/",
        {"action": "resync_to_catalog", "_selected_action": [unsynced_job.pk, theirs.pk]},
        follow=True,
    )
    assert (
        "Public catalog: 1 listed or updated, 0 already up to date, 0 not eligible"
        in response.content.decode()
    )
    assert job_entries(source_job=unsynced_job).exists()
    assert not job_entries(source_job=theirs).exists()  # another tenant's id is not in the queryset
    assert CatalogSyncRun.objects.filter(kind=SyncKind.RESYNC, tenant=tenant_a).count() == 1


def test_resync_on_providers_and_its_errors(client, tenant_a, user_a):
    ops = make_member(tenant_a, Role.OPS, email="ops@tenant-a.test")
    with tenant_context(tenant_a):
        good, bad = ListedProviderFactory(), ListedProviderFactory()
    type(bad)._base_manager.filter(pk=bad.pk).update(display_name="")
    response = login(client, ops, tenant_a).post(
        "/admin/marketplace/serviceprovider/",
        {"action": "resync_to_catalog", "_selected_action": [good.pk, bad.pk]},
        follow=True,
    )
    text = response.content.decode()
    assert "0 listed or updated, 1 already up to date" in text
    assert f"#{bad.pk} not copied: the provider has no display name" in text


def test_roles_that_cannot_change_jobs_have_no_resync(client, tenant_a, user_a, unsynced_job):
    viewer = make_member(tenant_a, Role.VIEWER, email="viewer@tenant-a.test")
    login(client, viewer, tenant_a)
    changelist = client.get("/admin/recruiting/jobposting/")
    assert "resync_to_catalog" not in changelist.content.decode()
    client.post(
        "/admin/recruiting/jobposting/",
        {"action": "resync_to_catalog", "_selected_action": [unsynced_job.pk]},
    )
    assert not job_entries().exists()


# --- the tenant's settings -------------------------------------------------------------------------
def test_platform_staff_switch_salary_publishing_on_in_the_admin(root_client, tenant_a):
    with tenant_context(tenant_a):
        ListedJobFactory()
    add = "/admin/catalog/catalogsettings/add/"
    refused = root_client.post(add, {"publish_salaries": "on", "applicant_retention_days": "10"})
    assert refused.status_code == 200  # re-rendered with the message, nothing saved
    assert "Ensure this value is greater than or equal to 30." in refused.content.decode()
    with tenant_context(tenant_a):
        assert not CatalogSettings.objects.exists()
    response = root_client.post(add, {"publish_salaries": "on", "applicant_retention_days": "365"})
    assert response.status_code == 302
    with tenant_context(tenant_a):
        assert CatalogSettings.objects.get().publish_salaries
    assert job_entries().get().salary_min is not None
    assert root_client.get("/admin/catalog/catalogsettings/add/").status_code == 403  # one per tenant


def test_owners_see_their_settings(client_a, tenant_a):
    with tenant_context(tenant_a):
        settings = CatalogSettingsFactory()
    assert client_a.get(f"/admin/catalog/catalogsettings/{settings.pk}/change/").status_code == 200


# --- dashboard ----------------------------------------------------------------------------------------
def test_the_dashboard_card_is_for_platform_staff(root_client, client_a, listed):
    card = root_client.get("/admin/").content.decode()
    assert "Public catalogs" in card and "2 jobs · 1 providers · last sync ok" in card
    assert "Public catalogs" not in client_a.get("/admin/").content.decode()
