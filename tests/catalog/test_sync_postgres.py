"""The bulk sync's PostgreSQL path (COPY, the database's digest of source rows) against the ORM
path every database runs (SQLite always; PostgreSQL for the one-row change tasks and fallbacks).

On SQLite the comparisons run the ORM path twice, so they run everywhere; on PostgreSQL each
test first checks that the path it means was taken.
"""

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models.signals import post_save
from django.utils import timezone

from catalog.models import PublicJobCatalog, PublicProviderCatalog
from catalog.sync import engine, rows
from catalog.sync.catalogs import CATALOGS, company_of
from catalog.sync.operations import sync_active_tenant
from people.resources import bulk
from people.tenancy import tenant_context
from recruiting.models import JobPosting
from tests.catalog.conftest import job_entries
from tests.catalog.factories import (
    CatalogSettingsFactory,
    ListedJobFactory,
    ListedProviderFactory,
    unsaved_change,
)
from tests.marketplace.factories import ServiceCategoryFactory, ServiceFactory

pytestmark = pytest.mark.django_db
POSTGRES = connection.vendor == "postgresql"
UNCOMPARED = {"id", "public_id", "synced_at"}  # made anew by each write


@pytest.fixture
def quiet():
    """Source rows made without the change signals (as a bulk import writes them)."""
    from catalog import signals
    from marketplace.models import ServiceProvider

    post_save.disconnect(sender=JobPosting, dispatch_uid="catalog.job_saved")
    post_save.disconnect(sender=ServiceProvider, dispatch_uid="catalog.provider_saved")
    yield
    post_save.connect(signals.job_saved, sender=JobPosting, dispatch_uid="catalog.job_saved")
    post_save.connect(signals.provider_saved, sender=ServiceProvider, dispatch_uid="catalog.provider_saved")


@pytest.fixture
def orm_only(monkeypatch):
    """The bulk sync as SQLite runs it: instances and bulk_create(update_conflicts=True)."""
    monkeypatch.setattr(bulk, "copy_supported", lambda using="default": False)


@pytest.fixture
def copy_calls(monkeypatch):
    """Counts the COPY writes of the bulk sync (none on SQLite)."""
    calls = {"copy_rows": 0, "upsert_rows": 0}
    for name in calls:
        original = getattr(bulk, name)

        def counted(*args, _name=name, _original=original, **kwargs):
            calls[_name] += 1
            return _original(*args, **kwargs)

        monkeypatch.setattr(bulk, name, counted)
    return calls


def snapshot(model) -> list[dict]:
    fields = [f.attname for f in model._meta.concrete_fields if f.attname not in UNCOMPARED]
    return sorted(model.objects.values(*fields), key=lambda entry: (entry["tenant_id"], entry["slug"]))


def varied_sources(tenant):
    """Jobs and providers with every shape the copy rules handle: HTML, entities, e-mails, blank
    and odd fields, salaries published, categories from services."""
    with tenant_context(tenant):
        CatalogSettingsFactory(publish_salaries=True)
        ListedJobFactory(title="Backend  Developer", description="<p>Python &amp; SQL</p><script>x()</script>",
                         requirements="Write to jobs@corp.example", skills="python, SQL ,python",
                         salary_currency="eur")  # fmt: skip
        ListedJobFactory(title="Ünïcödé Designer ✓", description="Plain text\r\n\r\n\r\nwith ‘quotes’ and \\ and \t",
                         category="", location="", skills=[], salary_min=None, salary_max=None)  # fmt: skip
        odd = ListedJobFactory(title="Nurse", description="")
        unsaved_change(JobPosting, odd.pk, published_at=None, salary_currency="")
        designer = ListedProviderFactory(display_name="Pixel Studio", skills="Figma, Branding", bio="<b>Hi</b> " * 80,
                                         latitude=Decimal("52.52"), longitude=Decimal("13.405"))  # fmt: skip
        ServiceFactory(provider=designer, category=ServiceCategoryFactory(name="Design"))
        ListedProviderFactory(display_name="Pipe Fixers", hourly_rate=None, city="", country="", bio="")


def test_the_copy_path_writes_what_the_orm_path_writes(tenant_a, tenant_b, quiet, monkeypatch, copy_calls):
    varied_sources(tenant_a)
    varied_sources(tenant_b)
    for tenant in (tenant_a, tenant_b):
        with tenant_context(tenant):
            assert sync_active_tenant("all").errors == 0
    assert copy_calls["copy_rows"] == (4 if POSTGRES else 0)  # one batch per catalog and tenant
    copied = (snapshot(PublicJobCatalog), snapshot(PublicProviderCatalog))
    PublicJobCatalog.objects.all().delete()
    PublicProviderCatalog.objects.all().delete()
    monkeypatch.setattr(bulk, "copy_supported", lambda using="default": False)
    for tenant in (tenant_a, tenant_b):
        with tenant_context(tenant):
            sync_active_tenant("all")
    assert (snapshot(PublicJobCatalog), snapshot(PublicProviderCatalog)) == copied
    assert len(copied[0]) == 6 and len(copied[1]) == 4


def test_the_bulk_read_gives_what_djangos_values_give(tenant_a, quiet):
    varied_sources(tenant_a)
    with tenant_context(tenant_a):
        for catalog in CATALOGS.values():
            queryset = rows.source_values(catalog.source_model.objects.order_by("pk"), catalog.fields)
            assert rows.read(queryset) == list(queryset)
            assert len(list(queryset)) == (3 if catalog.name == "jobs" else 2)
            assert rows.read(queryset.filter(pk__in=[])) == []


def test_a_changed_source_is_rewritten_in_place_and_an_unchanged_one_skipped(tenant_a, quiet, copy_calls):
    with tenant_context(tenant_a):
        changed, unchanged = ListedJobFactory.create_batch(2)
        sync_active_tenant("jobs")
        before = {e.source_job_id: e for e in job_entries()}
        unsaved_change(JobPosting, changed.pk, title="Renamed", description="<p>New text</p>")
        result = engine.sync_tenant("jobs")
    assert (result.synced, result.skipped, dict(+result.details)) == (1, 1, {"stale": 1})
    assert copy_calls["upsert_rows"] == (1 if POSTGRES else 0)
    after = {e.source_job_id: e for e in job_entries()}
    assert (after[changed.pk].title, after[changed.pk].description) == ("Renamed", "New text")
    assert after[changed.pk].public_id == before[changed.pk].public_id  # public URLs keep working
    assert after[changed.pk].id == before[changed.pk].id
    assert after[unchanged.pk].synced_at == before[unchanged.pk].synced_at  # not written at all


def test_the_bulk_and_the_one_row_path_fingerprint_alike(tenant_a, quiet):
    with tenant_context(tenant_a):
        first, second = ListedJobFactory.create_batch(2)
        sync_active_tenant("jobs")
        assert engine.sync_row("jobs", first.pk) == "unchanged"
        unsaved_change(JobPosting, second.pk, title="Changed by a bulk update")
        assert engine.sync_row("jobs", second.pk) == "listed"
        assert engine.sync_tenant("jobs").skipped == 2


@pytest.mark.parametrize(
    "change",
    [
        {"title": "Other"},
        {"description": "Other text"},
        {"requirements": "<p>x</p>"},
        {"skills": ["Go"]},
        {"salary_min": Decimal("50000.01")},
        {"location": "Paris"},
        {"closes_at": None},
        {"published_at": timezone.now() - timedelta(days=2)},
    ],
    ids=lambda change: next(iter(change)),
)
def test_any_allowlisted_change_changes_the_fingerprint(tenant_a, quiet, change):
    with tenant_context(tenant_a):
        job = ListedJobFactory(closes_at=timezone.now() + timedelta(days=30))
        catalog, company = CATALOGS["jobs"], company_of(tenant_a)

        def digest():
            source = rows.source_values(JobPosting.objects.filter(pk=job.pk), catalog.fields)
            return catalog.fingerprint(source.get(), company, {})

        before = digest()
        unsaved_change(JobPosting, job.pk, **change)
        after = digest()
        unsaved_change(JobPosting, job.pk, updated_at=timezone.now() - timedelta(days=300))
        assert after != before
        assert digest() == after  # updated_at is compared on its own


@pytest.mark.skipif(not POSTGRES, reason="the database's digest is made on PostgreSQL")
def test_postgresql_digests_the_source_row_itself(tenant_a, quiet):
    with tenant_context(tenant_a):
        job = ListedJobFactory()
        row = rows.source_values(JobPosting.objects.filter(pk=job.pk), rows.JOB_FIELDS).get()
    assert len(row[rows.SOURCE_DIGEST]) == 32 and set(rows.JOB_FIELDS) <= set(row)


def test_an_entry_written_meanwhile_by_a_change_task_is_updated_not_duplicated(tenant_a, quiet, monkeypatch):
    """The bulk read found no entry; a change task lists the job before the bulk write: the COPY
    of new entries conflicts, and that batch is written again as an upsert."""
    with tenant_context(tenant_a):
        raced, other = ListedJobFactory.create_batch(2)
        assert engine.sync_row("jobs", raced.pk) == "listed"
        public_id = job_entries().get().public_id
        PublicJobCatalog.objects.filter(source_job=raced).update(title="Stale copy", content_hash="x")
        monkeypatch.setattr(engine, "_existing", lambda *args: {})  # as read before the change task
        result = engine.sync_tenant("jobs")
    assert (result.synced, result.errors) == (2, 0)
    assert job_entries().count() == 2
    entry = job_entries().get(source_job=raced)
    assert (entry.title, entry.public_id) == (raced.title, public_id)


@pytest.mark.parametrize("existing", [False, True], ids=["new", "changed"])
def test_a_row_the_database_refuses_is_reported_and_the_others_written(
    tenant_a, quiet, monkeypatch, existing
):
    with tenant_context(tenant_a):
        good, bad = ListedJobFactory.create_batch(2)
        if existing:
            sync_active_tenant("jobs")
            unsaved_change(JobPosting, good.pk, title="Good, changed")
            unsaved_change(JobPosting, bad.pk, title="Bad, changed")
        job_values = rows.job_values

        def too_long(row, *args):
            values = job_values(row, *args)
            if row["id"] == bad.pk:
                values["title"] = None  # NOT NULL on every database
            return values

        monkeypatch.setattr(rows, "job_values", too_long)
        result = engine.sync_tenant("jobs")
    assert (result.synced, result.errors) == (1, 1)
    assert "the database refused the entry" in result.error_samples[0]["error"]
    assert result.error_samples[0]["id"] == bad.pk
    assert job_entries(source_job=good).get().title == ("Good, changed" if existing else good.title)


def test_a_dry_run_on_any_database_writes_nothing(tenant_a, quiet, copy_calls):
    with tenant_context(tenant_a):
        ListedJobFactory.create_batch(3)
        result = engine.sync_tenant("jobs", dry_run=True)
    assert (result.synced, copy_calls["copy_rows"], job_entries().count()) == (3, 0, 0)


# --- people.resources.bulk's plain-row writers, as the catalog uses them -----------------------------
@pytest.mark.skipif(not POSTGRES, reason="COPY is PostgreSQL's")
def test_copy_rows_and_upsert_rows_write_values_as_django_would(tenant_a, quiet):
    with tenant_context(tenant_a):
        job = ListedJobFactory()
    first, moment = uuid.uuid4(), job.updated_at
    values = {
        "tenant_id": tenant_a.pk, "source_job_id": job.pk, "public_id": first, "slug": "a-job",
        "synced_at": moment, "source_updated_at": moment, "content_hash": "h1", "search_text": "a job",
        "title": "A job", "company_name": "Tenant A", "company_logo": "", "location": "", "category": "",
        "remote_policy": "remote", "employment_type": "full_time", "salary_min": Decimal("1.50"),
        "salary_max": None, "salary_currency": "EUR", "skills": ["Python", "SQL"], "description": "",
        "requirements": "", "published_at": moment, "closes_at": None,
    }  # fmt: skip
    bulk.copy_rows(PublicJobCatalog, list(values), [list(values.values())])
    entry = PublicJobCatalog.objects.get()
    assert (entry.public_id, entry.salary_min, entry.skills, entry.synced_at, entry.closes_at) == (
        first,
        Decimal("1.50"),
        ["Python", "SQL"],
        moment,
        None,
    )
    values |= {"public_id": uuid.uuid4(), "title": "Renamed"}
    written = bulk.upsert_rows(
        PublicJobCatalog,
        list(values),
        [list(values.values())],
        unique_fields=("tenant", "source_job"),
        update_fields=["title", "content_hash"],
    )
    entry.refresh_from_db()
    assert (written, entry.title, entry.public_id) == (1, "Renamed", first)


@pytest.mark.skipif(not POSTGRES, reason="COPY is PostgreSQL's")
def test_copy_rows_raises_djangos_database_errors(tenant_a, quiet):
    from django.db import IntegrityError, transaction

    with tenant_context(tenant_a):
        job = ListedJobFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        bulk.copy_rows(
            PublicJobCatalog, ("tenant_id", "source_job_id", "title"), [(tenant_a.pk, job.pk, None)]
        )


def test_the_plain_row_writers_refuse_tenant_owned_models():
    with pytest.raises(TypeError, match="tenant-owned"):
        bulk._values_plan(JobPosting, ("title",), connection)


@pytest.mark.parametrize(
    ("model", "name", "value"),
    [
        (PublicJobCatalog, "salary_min", Decimal("12.50")),
        (PublicJobCatalog, "salary_min", None),
        (PublicJobCatalog, "salary_min", "12.5"),
        (PublicJobCatalog, "public_id", uuid.UUID("12345678-1234-4234-8234-123456789abc")),
        (PublicJobCatalog, "public_id", "12345678-1234-4234-8234-123456789abc"),
        (PublicJobCatalog, "company_logo", "logos/a.png"),
        (PublicJobCatalog, "company_logo", ""),
        (PublicProviderCatalog, "latitude", Decimal("52.520000")),
    ],
)
def test_copy_converts_values_as_django_does(model, name, value):
    field = model._meta.get_field(name)
    _kind, convert = bulk._converter(field, connection)
    assert convert(value) == field.get_db_prep_save(value, connection)


def test_copy_refuses_what_django_refuses():
    from django.core.exceptions import ValidationError

    field = PublicJobCatalog._meta.get_field("salary_min")
    _kind, convert = bulk._converter(field, connection)
    with pytest.raises(ValidationError):
        convert(Decimal("NaN"))
