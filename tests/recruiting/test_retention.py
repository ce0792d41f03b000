"""Data retention: who is anonymised, what is removed (history and files included), idempotence."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from people.tenancy import tenant_context
from recruiting.models import ApplicationStatus, Candidate, CheckStatus, OfferStatus
from recruiting.services.candidates import update_candidate
from recruiting.services.retention import anonymise_expired_candidates
from recruiting.tasks import anonymise_expired_candidates as retention_task
from tests.recruiting.factories import (
    ApplicationFactory,
    BackgroundCheckFactory,
    CandidateFactory,
    OfferFactory,
)

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 6, 15)
EXPIRED = datetime.date(2026, 6, 14)
PDF = b"%PDF-1.4\n%%EOF\n"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def expired_candidate(**fields):
    fields.setdefault("retention_until", EXPIRED)
    return CandidateFactory(
        first_name="Grace",
        last_name="Hopper",
        email=fields.pop("email", "grace@mail.example"),
        phone="+1 555 0100",
        location="Arlington",
        current_title="Rear Admiral",
        current_company="US Navy",
        tags=["cobol"],
        **fields,
    )


def run(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return anonymise_expired_candidates(today=TODAY)


def test_anonymises_expired_candidates_and_their_history(in_tenant_a, django_capture_on_commit_callbacks):
    candidate = expired_candidate(cv=SimpleUploadedFile("grace.pdf", PDF))
    update_candidate(candidate_id=candidate.pk, location="New York", phone="+1 555 0199")
    first_cv = candidate.cv.name
    update_candidate(candidate_id=candidate.pk, cv=SimpleUploadedFile("grace-2024.pdf", PDF))
    second_cv = Candidate.objects.get(pk=candidate.pk).cv.name
    storage = candidate.cv.storage
    assert storage.exists(first_cv) and storage.exists(second_cv)

    assert run(django_capture_on_commit_callbacks) == {"anonymised": 1, "skipped_open_process": 0}

    candidate.refresh_from_db()
    assert (candidate.first_name, candidate.last_name) == ("Anonymised", "Anonymised")
    assert candidate.email == f"anonymised-{candidate.pk}@anonymised.invalid"
    candidate.full_clean()  # still a valid candidate (the admin can open and save it)
    assert (candidate.phone, candidate.phone_normalized, candidate.location) == ("", "", "")
    assert (candidate.current_title, candidate.current_company, candidate.tags) == ("", "", [])
    assert not candidate.cv and candidate.anonymized_at is not None
    assert not storage.exists(first_cv) and not storage.exists(second_cv)
    history = list(Candidate.history.filter(id=candidate.pk).values())
    assert len(history) == 4  # created, two updates, anonymised: the timeline stays
    personal = (
        "Grace",
        "Hopper",
        "grace@",
        "555",
        "Arlington",
        "New York",
        "Admiral",
        "Navy",
        "cobol",
        ".pdf",
    )
    for row in history:
        assert not any(value in str(row) for value in personal), row
    assert history[0]["history_change_reason"] == "anonymised: retention period ended"


def test_only_expired_candidates_are_anonymised(in_tenant_a, django_capture_on_commit_callbacks):
    today_is_last_day = expired_candidate(retention_until=TODAY, email="a@mail.example")
    no_date = expired_candidate(retention_until=None, email="b@mail.example")
    expired = expired_candidate(email="c@mail.example")
    assert run(django_capture_on_commit_callbacks) == {"anonymised": 1, "skipped_open_process": 0}
    assert set(Candidate.objects.filter(anonymized_at__isnull=False)) == {expired}
    for kept in (today_is_last_day, no_date):
        kept.refresh_from_db()
        assert kept.first_name == "Grace"


def test_candidates_in_an_open_process_are_skipped(in_tenant_a, django_capture_on_commit_callbacks):
    open_application = expired_candidate(email="a@mail.example")
    ApplicationFactory(candidate=open_application, status=ApplicationStatus.TECHNICAL)
    sent_offer = expired_candidate(email="b@mail.example")
    OfferFactory(
        application=ApplicationFactory(candidate=sent_offer, status=ApplicationStatus.REJECTED),
        status=OfferStatus.SENT,
    )
    running_check = expired_candidate(email="c@mail.example")
    BackgroundCheckFactory(
        application=ApplicationFactory(candidate=running_check, status=ApplicationStatus.WITHDRAWN),
        status=CheckStatus.IN_PROGRESS,
    )
    closed = expired_candidate(email="d@mail.example")
    ApplicationFactory(candidate=closed, status=ApplicationStatus.REJECTED)
    OfferFactory(
        application=ApplicationFactory(candidate=closed, status=ApplicationStatus.WITHDRAWN),
        status=OfferStatus.DECLINED,
    )

    assert run(django_capture_on_commit_callbacks) == {"anonymised": 1, "skipped_open_process": 3}
    assert list(Candidate.objects.filter(anonymized_at__isnull=False)) == [closed]
    assert closed.applications.count() == 2  # the pipeline's numbers stay; only the person goes


def test_a_second_run_anonymises_nothing(in_tenant_a, django_capture_on_commit_callbacks):
    candidate = expired_candidate()
    run(django_capture_on_commit_callbacks)
    history_rows = Candidate.history.filter(id=candidate.pk).count()
    assert run(django_capture_on_commit_callbacks) == {"anonymised": 0, "skipped_open_process": 0}
    assert Candidate.history.filter(id=candidate.pk).count() == history_rows


def test_duplicate_flags_pointing_at_an_anonymised_candidate_are_cleared(
    in_tenant_a, django_capture_on_commit_callbacks
):
    gone = expired_candidate()
    flagged = CandidateFactory(phone="+1 555 0100", possible_duplicate_of=gone)
    run(django_capture_on_commit_callbacks)
    flagged.refresh_from_db()
    assert flagged.possible_duplicate_of is None


def test_other_tenants_candidates_are_untouched(tenant_a, tenant_b, django_capture_on_commit_callbacks):
    with tenant_context(tenant_b):
        foreign = expired_candidate(cv=SimpleUploadedFile("grace.pdf", PDF))
    with tenant_context(tenant_a):
        expired_candidate()
        assert run(django_capture_on_commit_callbacks) == {"anonymised": 1, "skipped_open_process": 0}
    with tenant_context(tenant_b):
        foreign.refresh_from_db()
        assert (foreign.first_name, foreign.anonymized_at) == ("Grace", None)
        assert foreign.cv.storage.exists(foreign.cv.name)
        assert Candidate.history.filter(id=foreign.pk, first_name="Grace").exists()


def test_the_task_runs_the_service_in_the_active_tenant(in_tenant_a):
    expired_candidate(retention_until=datetime.date(2000, 1, 1))
    assert retention_task() == {"anonymised": 1, "skipped_open_process": 0}
    assert retention_task() == {"anonymised": 0, "skipped_open_process": 0}
