"""Data retention: who is anonymised, what is removed (history and files included), idempotence."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from people.tenancy import tenant_context
from recruiting.models import (
    Application,
    ApplicationStatus,
    ApplicationStatusChange,
    BackgroundCheck,
    BackgroundCheckDocument,
    Candidate,
    CheckStatus,
    Interview,
    InterviewFeedback,
    InterviewStatus,
    OfferStatus,
)
from recruiting.services.candidates import update_candidate
from recruiting.services.checks import reject_document
from recruiting.services.interviews import cancel_interview
from recruiting.services.retention import REASON_REMOVED, anonymise_expired_candidates
from recruiting.tasks import anonymise_expired_candidates as retention_task
from tests.recruiting.factories import (
    ApplicationFactory,
    BackgroundCheckDocumentFactory,
    BackgroundCheckFactory,
    CandidateFactory,
    InterviewFactory,
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
        # Only the text columns: an id or a timestamp may contain "555" by chance.
        text = " ".join(str(value) for value in row.values() if isinstance(value, (str, list)))
        assert not any(value in text for value in personal), row
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


# --- what people wrote about the candidate --------------------------------------------------------
def written_about(candidate, user, word):
    """Free text mentioning `word` everywhere the pipeline keeps it for `candidate`: a rejected
    application (reason and status-change note), a cancelled interview (reason in its history), a
    completed one with feedback notes, and a check whose document was rejected (result, reason in
    the document's history, two successive files). Plus an application deleted since, whose text
    lives on only in history. Returns the stored file names."""
    application = ApplicationFactory(
        candidate=candidate, status=ApplicationStatus.REJECTED, rejection_reason=f"{word} lied"
    )
    ApplicationStatusChange.objects.create(
        application=application,
        from_status=ApplicationStatus.PENDING_REVIEW,
        to_status=ApplicationStatus.REJECTED,
        note=f"{word} lied",
    )
    cancel_interview(interview_id=InterviewFactory(application=application).pk, reason=f"{word} is ill")
    held = InterviewFactory(application=application, status=InterviewStatus.COMPLETED)
    InterviewFeedback.objects.create(
        interview=held, interviewer=user, scores={"coding": 2}, recommendation="no", notes=f"{word} froze"
    )
    check = BackgroundCheckFactory(application=application, status=CheckStatus.IN_PROGRESS)
    document = BackgroundCheckDocumentFactory(
        background_check=check, file=SimpleUploadedFile(f"{word}-passport.pdf", PDF)
    )
    first_file = document.file.name
    document.file = SimpleUploadedFile(f"{word}-passport-2.pdf", PDF)
    document.save()
    reject_document(document_id=document.pk, reason=f"{word}'s passport is forged")
    gone = ApplicationFactory(
        candidate=candidate, status=ApplicationStatus.REJECTED, rejection_reason=f"{word} again"
    )
    ApplicationStatusChange.objects.create(application=gone, to_status=ApplicationStatus.REJECTED, note=word)
    gone.delete()
    return {"application": application, "files": [first_file, document.file.name]}


SCRUBBED_MODELS = (
    Application,
    ApplicationStatusChange,
    Interview,
    InterviewFeedback,
    BackgroundCheck,
    BackgroundCheckDocument,
)


def mentions(word: str) -> list:
    """Every row and history row of the pipeline models that still mentions `word`."""
    found = []
    for model in SCRUBBED_MODELS:
        for rows in (model.objects.values(), model.history.values()):
            found += [row for row in rows if word.lower() in str(row).lower()]
    return found


def test_free_text_about_the_candidate_is_scrubbed_from_rows_and_history(
    in_tenant_a, user_a, django_capture_on_commit_callbacks
):
    candidate = expired_candidate()
    written = written_about(candidate, user_a, "Hopper")
    storage = BackgroundCheckDocument._meta.get_field("file").storage
    assert all(storage.exists(name) for name in written["files"])
    assert len(mentions("Hopper")) >= 10  # before: on the rows and in their history
    updated_at = Application.objects.get(pk=written["application"].pk).updated_at

    assert run(django_capture_on_commit_callbacks) == {"anonymised": 1, "skipped_open_process": 0}

    assert mentions("Hopper") == []
    assert not any(storage.exists(name) for name in written["files"])
    application = Application.objects.get(pk=written["application"].pk)
    assert application.rejection_reason == "" and application.status == ApplicationStatus.REJECTED
    assert application.updated_at == updated_at  # the timeline's moments stay
    assert BackgroundCheck.objects.get().status == CheckStatus.CONSIDER
    assert InterviewFeedback.objects.get().recommendation == "no"  # the numbers stay
    reasons = set(Interview.history.values_list("history_change_reason", flat=True))
    assert reasons == {None, REASON_REMOVED}
    reasons = set(BackgroundCheckDocument.history.values_list("history_change_reason", flat=True))
    assert reasons == {None, REASON_REMOVED}


def test_other_candidates_text_stays(in_tenant_a, user_a, django_capture_on_commit_callbacks):
    expired = expired_candidate()
    written_about(expired, user_a, "Hopper")
    kept = CandidateFactory(retention_until=None)
    kept_files = written_about(kept, user_a, "Lovelace")["files"]
    running = expired_candidate(email="running@mail.example")
    written_about(running, user_a, "Babbage")
    ApplicationFactory(candidate=running, status=ApplicationStatus.TECHNICAL)  # an open process

    assert run(django_capture_on_commit_callbacks) == {"anonymised": 1, "skipped_open_process": 1}

    assert mentions("Hopper") == []
    storage = BackgroundCheckDocument._meta.get_field("file").storage
    assert all(storage.exists(name) for name in kept_files)
    for word in ("Lovelace", "Babbage"):
        assert Application.objects.filter(rejection_reason=f"{word} lied").exists()
        assert ApplicationStatusChange.objects.filter(note=f"{word} lied").exists()
        assert InterviewFeedback.objects.filter(notes=f"{word} froze").exists()
        assert BackgroundCheck.objects.filter(result__contains=word).exists()
        assert BackgroundCheckDocument.objects.filter(file__contains=word).exists()
        assert Interview.history.filter(history_change_reason=f"{word} is ill").exists()
        assert BackgroundCheckDocument.history.filter(history_change_reason__startswith=word).exists()
        assert Application.history.filter(rejection_reason=f"{word} again").exists()


def test_scrubbing_stays_in_the_active_tenant(tenant_a, tenant_b, user_a, django_capture_on_commit_callbacks):
    with tenant_context(tenant_b):
        theirs = expired_candidate()
        ApplicationFactory(
            candidate=theirs, status=ApplicationStatus.REJECTED, rejection_reason="Hopper lied"
        )
    with tenant_context(tenant_a):
        written_about(expired_candidate(), user_a, "Hopper")
        assert run(django_capture_on_commit_callbacks) == {"anonymised": 1, "skipped_open_process": 0}
        assert mentions("Hopper") == []
    with tenant_context(tenant_b):
        assert Application.objects.get().rejection_reason == "Hopper lied"
        assert Application.history.filter(rejection_reason="Hopper lied").exists()
