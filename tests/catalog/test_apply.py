"""The public apply form: an application lands in the job's tenant, through the recruiting
services, and nothing at all is written when it is refused."""

import logging
import zoneinfo
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from catalog.models import PublicJobCatalog
from catalog.pages.careers import apply as apply_module
from catalog.pages.careers.apply import AlreadyApplied, JobNoLongerOpen, apply_to_job
from people.models import Tenant
from people.tenancy import all_tenants, tenant_context
from recruiting import validators
from recruiting.models import Application, ApplicationStatus, Candidate, JobPosting, JobStatus, Source
from tests.catalog.factories import CatalogSettingsFactory, ListedJobFactory, unsaved_change
from tests.recruiting.factories import ApplicationFactory, CandidateFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def stored_files(media_root) -> list[Path]:
    return [path for path in Path(media_root).rglob("*") if path.is_file()]


@pytest.fixture
def job(tenant_a, tenant_b):
    """An open job of tenant A on the careers page (its change task wrote the entry); tenant B
    has one too, so we can see that nothing lands there."""
    with tenant_context(tenant_b):
        ListedJobFactory(title="Job of tenant B")
    with tenant_context(tenant_a):
        return ListedJobFactory(title="Backend Developer")


@pytest.fixture
def entry(job):
    return PublicJobCatalog.objects.get(source_job=job)


def url(entry, name="careers:apply") -> str:
    return reverse(name, kwargs={"public_id": entry.public_id})


def cv(content=PDF, name="My CV.pdf"):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def form(**overrides) -> dict:
    data = {
        "first_name": "Ada",
        "last_name": "Lovelace",
        "email": "Ada@Mail.Example",
        "phone": "+49 30 1234567",
        "cover_letter": "",
        "consent": "on",
        "website": "",
        "cv": cv(),
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def in_tenant(tenant, model, **filters):
    with tenant_context(tenant):
        return list(model.objects.filter(**filters))


def everything():
    with all_tenants(reason="test: count every tenant's rows"):
        return Candidate.objects.count(), Application.objects.count()


# --- success --------------------------------------------------------------------------------
def test_application_lands_in_the_jobs_tenant_only(client, entry, job, tenant_a, tenant_b, media_root):
    response = client.post(url(entry), form())
    assert response.status_code == 302
    assert response["Location"] == url(entry, "careers:applied")

    (candidate,) = in_tenant(tenant_a, Candidate)
    (application,) = in_tenant(tenant_a, Application)
    assert (candidate.first_name, candidate.last_name, candidate.email) == (
        "Ada",
        "Lovelace",
        "ada@mail.example",
    )
    assert candidate.source == Source.CAREER_PAGE and candidate.consent_given_at is not None
    assert application.candidate == candidate and application.job_id == job.pk
    assert application.source == Source.CAREER_PAGE and application.status == ApplicationStatus.PENDING_REVIEW
    assert in_tenant(tenant_b, Candidate) == [] and in_tenant(tenant_b, Application) == []
    assert everything() == (1, 1)

    (stored,) = stored_files(media_root)
    assert stored.read_bytes() == PDF
    assert stored.name.endswith("-my-cv.pdf")
    assert f"recruiting/cvs/tenant-{tenant_a.pk}/" in stored.as_posix()

    with tenant_context(tenant_a):  # history rows written by the services, with no acting user
        (created,) = candidate.history.all()
        assert created.history_type == "+" and created.history_user is None
        assert application.history.get().history_user is None
        assert application.status_changes.get().to_status == ApplicationStatus.PENDING_REVIEW

    confirmation = client.get(response["Location"])
    page = confirmation.content.decode()
    assert confirmation.status_code == 200 and "Backend Developer" in page
    assert "Ada" not in page and "ada@mail.example" not in page.lower()
    assert not confirmation.cookies


def test_the_cover_letter_is_kept_with_the_application(client, entry, tenant_a):
    client.post(url(entry), form(cover_letter="I love <b>APIs</b>."))
    with tenant_context(tenant_a):
        change = Application.objects.get().status_changes.get()
    assert change.note.endswith("I love <b>APIs</b>.")


def test_the_form_page(client, entry):
    response = client.get(url(entry))
    page = response.content.decode()
    assert response.status_code == 200
    assert 'enctype="multipart/form-data"' in page and "csrfmiddlewaretoken" in page
    assert 'class="hp"' in page and 'name="website"' in page and 'tabindex="-1"' in page
    assert "I agree that Tenant A may process my data" in page


# --- retention --------------------------------------------------------------------------------
def tenant_today(tenant):
    return timezone.now().astimezone(zoneinfo.ZoneInfo(tenant.timezone or "UTC")).date()


def test_an_applicant_is_kept_for_the_tenants_retention_period(client, entry, tenant_a, tenant_b):
    with tenant_context(tenant_b):  # another tenant's choice does not count
        CatalogSettingsFactory(applicant_retention_days=30)
    page = client.get(url(entry)).content.decode()
    assert "Your data is kept for 365 days after you apply, then anonymised." in page  # the default
    before = tenant_today(tenant_a)
    client.post(url(entry), form())
    (candidate,) = in_tenant(tenant_a, Candidate)
    assert candidate.retention_until - timedelta(days=365) in {before, tenant_today(tenant_a)}


def test_the_retention_period_is_the_tenants_choice(client, entry, tenant_a):
    with tenant_context(tenant_a):
        CatalogSettingsFactory(applicant_retention_days=90)
    assert "kept for 90 days" in client.get(url(entry)).content.decode()
    before = tenant_today(tenant_a)
    client.post(url(entry), form())
    (candidate,) = in_tenant(tenant_a, Candidate)
    assert candidate.retention_until - timedelta(days=90) in {before, tenant_today(tenant_a)}


@pytest.mark.parametrize(
    ("days_from_today", "expected_days"),
    [(10, 365), (400, 400), (None, None)],
    ids=["earlier date moves later", "later date stays", "no date stays without"],
)
def test_a_returning_candidates_retention_date_only_moves_later(
    client, entry, tenant_a, days_from_today, expected_days
):
    today = tenant_today(tenant_a)
    with tenant_context(tenant_a):
        CandidateFactory(
            email="ada@mail.example",
            retention_until=None if days_from_today is None else today + timedelta(days=days_from_today),
        )
    assert client.post(url(entry), form()).status_code == 302
    (candidate,) = in_tenant(tenant_a, Candidate)
    if expected_days is None:
        assert candidate.retention_until is None
    else:
        assert candidate.retention_until - timedelta(days=expected_days) in {today, tenant_today(tenant_a)}


@pytest.mark.parametrize("days", [0, 29, 3651])
def test_the_retention_period_is_bounded(tenant_a, days):
    with tenant_context(tenant_a):
        settings = CatalogSettingsFactory.build(tenant=tenant_a, applicant_retention_days=days)
        with pytest.raises(ValidationError) as refused:
            settings.full_clean()
    assert "applicant_retention_days" in refused.value.message_dict


# --- duplicates -----------------------------------------------------------------------------
def test_a_known_email_reuses_the_candidate_and_changes_nothing(
    client, entry, tenant_a, tenant_b, media_root
):
    with tenant_context(tenant_a):
        known = CandidateFactory(first_name="Augusta", last_name="King", email="ada@mail.example", phone="")
        ApplicationFactory(candidate=known, job=ListedJobFactory(title="Secret Other Job"))
    with tenant_context(tenant_b):  # the same person in another company: not looked at
        CandidateFactory(email="ada@mail.example")

    response = client.post(url(entry), form(first_name="Mallory", phone="+1 555 0100"))
    assert response.status_code == 302

    (candidate,) = in_tenant(tenant_a, Candidate)
    assert candidate.pk == known.pk
    assert (candidate.first_name, candidate.last_name, candidate.phone) == ("Augusta", "King", "")
    assert candidate.cv and candidate.consent_given_at is not None  # only the empty fields filled
    assert len(in_tenant(tenant_a, Application, candidate=candidate)) == 2
    assert len(in_tenant(tenant_b, Candidate)) == 1 and in_tenant(tenant_b, Application) == []
    assert "Secret Other Job" not in client.get(response["Location"]).content.decode()


def test_a_returning_candidates_cv_is_not_replaced(client, entry, tenant_a, media_root):
    with tenant_context(tenant_a):
        known = CandidateFactory(email="ada@mail.example", cv=cv(name="old.pdf"))
    client.post(url(entry), form())
    with tenant_context(tenant_a):
        assert Candidate.objects.get().cv.name == known.cv.name
    assert len(stored_files(media_root)) == 1  # the new upload was not kept


def test_applying_twice_to_the_same_job_is_refused(client, entry, tenant_a, media_root):
    assert client.post(url(entry), form()).status_code == 302
    files = stored_files(media_root)

    again = client.post(url(entry), form(email="ADA@mail.example ", first_name="Other"))
    page = again.content.decode()
    assert again.status_code == 200
    assert "You have already applied to this job" in page
    assert "Other" not in page and "application #" not in page and "Pending review" not in page
    assert everything() == (1, 1)
    assert stored_files(media_root) == files


# --- refused input writes nothing -----------------------------------------------------------
@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (cv(b"just some text", "cv.pdf"), "Upload the CV as a PDF"),
        (cv(PDF, "cv.docx"), "its name ends in .docx"),
        (cv(b"MZ\x90\x00 an executable", "cv.exe"), "Upload the CV as a PDF"),
        (None, "This field is required"),
    ],
    ids=["text-as-pdf", "name-mismatch", "executable", "missing"],
)
def test_a_bad_cv_reshows_the_form_and_writes_nothing(client, entry, media_root, upload, message):
    response = client.post(url(entry), form(cv=upload))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert response.context["form"]["first_name"].value() == "Ada"  # what was typed stays
    assert everything() == (0, 0)
    assert stored_files(media_root) == []


def test_a_cv_over_the_size_limit_is_refused_before_it_is_stored(client, entry, media_root, monkeypatch):
    monkeypatch.setattr(validators, "CV_MAX_BYTES", 64)
    response = client.post(url(entry), form(cv=cv(PDF + b"x" * 200)))
    assert response.status_code == 400
    assert "The CV is larger than 64" in response.content.decode()
    assert list(response.context["form"].errors) == ["cv"]
    assert everything() == (0, 0) and stored_files(media_root) == []


def test_the_size_limit_of_the_form_validator(entry, monkeypatch):
    """Below the upload handler, the form's validator (recruiting.validators) checks the size too."""
    from catalog.pages.careers.forms import ApplyForm

    monkeypatch.setattr(validators, "CV_MAX_BYTES", 64)
    data = form()
    bound = ApplyForm(data, {"cv": cv(PDF + b"x" * 200)})
    assert not bound.is_valid() and "the limit is 10 MB" in str(bound.errors["cv"])


@pytest.mark.parametrize(
    "overrides",
    [{"consent": None}, {"email": "not-an-email"}, {"first_name": ""}, {"last_name": "x" * 101},
     {"cover_letter": "x" * 5001}, {"phone": "1" * 41}],
    ids=["no-consent", "bad-email", "no-first-name", "long-name", "long-letter", "long-phone"],
)  # fmt: skip
def test_bad_fields_reshow_the_form_and_write_nothing(client, entry, media_root, overrides):
    response = client.post(url(entry), form(**overrides))
    assert response.status_code == 400
    assert response.context["form"].errors
    assert everything() == (0, 0) and stored_files(media_root) == []


def test_a_failure_after_the_cv_was_stored_leaves_nothing_behind(entry, media_root, monkeypatch):
    def broken_apply(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(apply_module.pipeline, "apply", broken_apply)
    data = form()
    with pytest.raises(RuntimeError):
        apply_to_job(entry, data=data, cv=data["cv"])
    assert everything() == (0, 0) and stored_files(media_root) == []


# --- bots, abuse, stale entries -------------------------------------------------------------
def test_the_honeypot_pretends_success_and_writes_nothing(client, entry, media_root, caplog):
    with caplog.at_level(logging.WARNING, logger="catalog.careers"):
        response = client.post(url(entry), form(website="http://spam.example"))
    assert response.status_code == 302 and response["Location"] == url(entry, "careers:applied")
    assert everything() == (0, 0) and stored_files(media_root) == []
    assert "careers honeypot filled" in caplog.text


def test_too_many_posts_from_one_address_get_429(client, entry, tenant_a, settings):
    settings.CAREERS_APPLY_LIMIT = 2
    assert client.post(url(entry), form()).status_code == 302
    assert client.post(url(entry), form(email="grace@mail.example")).status_code == 302
    limited = client.post(url(entry), form(email="linus@mail.example", first_name="Linus"))
    page = limited.content.decode()
    assert limited.status_code == 429
    assert "Too many applications" in page and 'value="Linus"' in page
    assert everything() == (2, 2)
    # Another address is counted on its own.
    other = client.post(url(entry), form(email="linus@mail.example"), REMOTE_ADDR="198.51.100.7")
    assert other.status_code == 302
    # X-Forwarded-For is not believed.
    spoofed = client.post(url(entry), form(email="eve@mail.example"), HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert spoofed.status_code == 429


def close(job, **fields):
    unsaved_change(JobPosting, job.pk, **fields)  # no signal: the entry stays, as if the sync lagged


@pytest.mark.parametrize(
    "change",
    [
        lambda job: close(job, status=JobStatus.FILLED),
        lambda job: close(job, published_on_career_page=False),
        lambda job: close(job, is_internal_only=True),
        lambda job: close(job, closes_at=timezone.now() - timedelta(minutes=1)),
        lambda job: Tenant.objects.filter(pk=job.tenant_id).update(is_active=False),
    ],
    ids=["filled", "off-career-page", "internal-only", "closed-at-source", "tenant-deactivated"],
)
def test_a_job_no_longer_eligible_takes_no_application(client, entry, job, media_root, change):
    change(job)
    response = client.post(url(entry), form())
    assert response.status_code == 410
    assert "This job is no longer open for applications." in response.content.decode()
    assert "<form" not in response.content.decode().split("</header>")[1]
    assert everything() == (0, 0) and stored_files(media_root) == []


def test_an_entry_past_its_closing_time_takes_no_application(client, entry, media_root):
    PublicJobCatalog.objects.filter(pk=entry.pk).update(closes_at=timezone.now() - timedelta(seconds=1))
    assert client.get(url(entry)).status_code == 410
    assert client.post(url(entry), form()).status_code == 410
    assert everything() == (0, 0)


def test_service_refusals(entry, job, tenant_a):
    data = form()
    apply_to_job(entry, data=data, cv=data["cv"])
    data = form()
    with pytest.raises(AlreadyApplied):
        apply_to_job(entry, data=data, cv=data["cv"])
    close(job, status=JobStatus.ON_HOLD)
    data = form(email="new@mail.example")
    with pytest.raises(JobNoLongerOpen):
        apply_to_job(entry, data=data, cv=data["cv"])


def test_csrf_is_enforced(entry, media_root):
    browser = Client(enforce_csrf_checks=True)
    assert browser.post(url(entry), form()).status_code == 403
    assert everything() == (0, 0)

    page = browser.get(url(entry))
    token = page.context["csrf_token"]
    assert browser.post(url(entry), form(csrfmiddlewaretoken=str(token))).status_code == 302
    assert everything() == (1, 1)
