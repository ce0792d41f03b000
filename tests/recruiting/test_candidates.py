"""Candidates: duplicate detection, create/update, merging and CV validation."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from people.tenancy import tenant_context
from recruiting.models import Application, ApplicationStatus, Candidate
from recruiting.services.candidates import (
    clear_duplicate_flag,
    create_candidate,
    find_duplicates,
    merge_candidates,
    set_duplicate_flag,
    update_candidate,
)
from recruiting.services.errors import RecruitingError
from recruiting.validators import CV_MAX_BYTES
from tests.recruiting.factories import ApplicationFactory, CandidateFactory, JobPostingFactory, OfferFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


# --- files ----------------------------------------------------------------------------------
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def odt_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        archive.writestr("content.xml", "<office:document-content/>")
    return buffer.getvalue()


def new(**fields):
    fields.setdefault("first_name", "Ada")
    fields.setdefault("last_name", "Lovelace")
    fields.setdefault("email", "ada@mail.example")
    return create_candidate(**fields)


# --- duplicates -----------------------------------------------------------------------------
def test_duplicates_match_email_in_any_case_and_phone_in_any_format(in_tenant_a):
    by_email = CandidateFactory(email="ada@mail.example", phone="")
    by_phone = CandidateFactory(phone="+49 30 1234567")
    CandidateFactory(phone="+49 30 7654321")
    assert list(find_duplicates(email="  ADA@Mail.Example ", phone="")) == [by_email]
    assert list(find_duplicates(email="", phone="0049301234567")) == [by_phone]
    assert list(find_duplicates(email="ADA@mail.example", phone="0049 (30) 123-4567")) == [by_email, by_phone]
    assert list(find_duplicates(email="ada@mail.example", phone="", exclude_id=by_email.pk)) == []


def test_empty_phones_never_match(in_tenant_a):
    CandidateFactory(phone="")
    assert not find_duplicates(email="someone@mail.example", phone="").exists()
    assert not find_duplicates(email="", phone="  ").exists()


def test_duplicates_are_found_in_one_query(in_tenant_a, django_assert_num_queries):
    CandidateFactory(email="ada@mail.example")
    with django_assert_num_queries(1):
        assert len(list(find_duplicates(email="ada@mail.example", phone="+49 30 1"))) == 1


def test_duplicates_are_not_matched_across_tenants(tenant_a, tenant_b):
    with tenant_context(tenant_b):
        CandidateFactory(email="ada@mail.example", phone="+49 30 1234567")
        create_candidate(first_name="Ada", last_name="B", email="other@mail.example", phone="")
    with tenant_context(tenant_a):
        assert not find_duplicates(email="ada@mail.example", phone="0049301234567").exists()
        candidate = new(phone="0049301234567")  # same e-mail and phone as in tenant B: fine here
        assert candidate.possible_duplicate_of is None and candidate.tenant_id == tenant_a.pk


# --- create and update ----------------------------------------------------------------------
def test_create_normalises_and_saves_in_the_active_tenant(in_tenant_a, user_a):
    candidate = new(email=" Ada@Mail.Example ", phone="+49 30 1234567", tags=["python"], by=user_a)
    candidate.refresh_from_db()
    assert (candidate.email, candidate.phone_normalized) == ("ada@mail.example", "+49301234567")
    assert candidate.tenant_id == in_tenant_a.pk
    assert candidate.history.get().history_user == user_a


def test_create_refuses_an_existing_email_naming_the_candidate(in_tenant_a):
    existing = CandidateFactory(first_name="Grace", last_name="Hopper", email="grace@mail.example")
    with pytest.raises(RecruitingError, match=rf"Grace Hopper \(candidate #{existing.pk}\) already has"):
        new(email="GRACE@mail.example")
    assert Candidate.objects.count() == 1


def test_create_flags_a_phone_duplicate_without_refusing(in_tenant_a):
    first = CandidateFactory(phone="+49 30 1234567")
    candidate = new(phone="0049301234567")
    assert candidate.possible_duplicate_of == first
    assert new(email="other@mail.example", phone="+1 555 0100").possible_duplicate_of is None


def test_create_validates_the_fields(in_tenant_a):
    with pytest.raises(RecruitingError, match="first_name"):
        create_candidate(first_name="", last_name="X", email="x@mail.example")
    with pytest.raises(RecruitingError, match="email"):
        create_candidate(first_name="X", last_name="X", email="not-an-email")
    with pytest.raises(TypeError, match="tenant"):
        create_candidate(first_name="X", last_name="X", email="x@mail.example", tenant=None)
    assert not Candidate.objects.exists()


def test_update_refuses_taking_another_candidates_email_and_reflags_the_phone(in_tenant_a):
    other = CandidateFactory(email="taken@mail.example", phone="+44 20 7946 0000")
    candidate = new(phone="+1 555 0100")
    with pytest.raises(RecruitingError, match="already has the e-mail taken@mail.example"):
        update_candidate(candidate_id=candidate.pk, email="Taken@mail.example")
    updated = update_candidate(candidate_id=candidate.pk, phone="0044 20 7946 0000", location="London")
    assert updated.possible_duplicate_of == other and updated.location == "London"
    assert update_candidate(candidate_id=candidate.pk, phone="").possible_duplicate_of is None
    # keeping its own e-mail is not a duplicate of itself
    assert update_candidate(candidate_id=candidate.pk, email="ADA@mail.example").email == "ada@mail.example"


def test_a_candidate_flagged_against_another_is_not_flagged_back(in_tenant_a):
    first = CandidateFactory(phone="+49 30 1234567")
    second = new(phone="+49 30 1234567")
    assert second.possible_duplicate_of == first
    assert update_candidate(candidate_id=first.pk, phone="0049301234567").possible_duplicate_of is None


# --- correcting the duplicate flag ---------------------------------------------------------
def test_a_wrong_duplicate_flag_is_cleared_with_a_reason_and_stays_cleared(in_tenant_a, user_a):
    first = CandidateFactory(phone="+49 30 1234567")
    second = new(phone="+49 30 1234567")
    assert second.possible_duplicate_of == first
    cleared = clear_duplicate_flag(candidate_id=second.pk, by=user_a)
    assert cleared.possible_duplicate_of is None
    assert Candidate.objects.get(pk=second.pk).possible_duplicate_of is None
    row = Candidate.history.filter(id=second.pk).first()
    assert row.history_change_reason == f"duplicate flag cleared (was candidate {first.pk})"
    assert row.history_user == user_a and row.possible_duplicate_of_id is None
    # Editing other fields does not flag the same phone again; changing the phone does.
    assert update_candidate(candidate_id=second.pk, location="Paris").possible_duplicate_of is None
    assert update_candidate(candidate_id=second.pk, phone="0049 30 1234567").possible_duplicate_of == first


def test_the_flag_can_point_at_another_candidate(in_tenant_a, user_a):
    candidate, original = new(), CandidateFactory(first_name="Ada", last_name="King")
    flagged = set_duplicate_flag(candidate_id=candidate.pk, duplicate_of_id=original.pk, by=user_a)
    assert (
        Candidate.objects.get(pk=candidate.pk).possible_duplicate_of
        == original
        == flagged.possible_duplicate_of
    )
    row = Candidate.history.filter(id=candidate.pk).first()
    assert row.history_change_reason == f"flagged as possible duplicate of candidate {original.pk}"


def test_setting_the_flag_it_already_has_writes_nothing(in_tenant_a):
    candidate = new()
    rows = Candidate.history.filter(id=candidate.pk).count()
    clear_duplicate_flag(candidate_id=candidate.pk)
    assert Candidate.history.filter(id=candidate.pk).count() == rows


def test_refused_flag_corrections(in_tenant_a):
    first = CandidateFactory(phone="+49 30 1234567")
    second = new(phone="+49 30 1234567")
    with pytest.raises(RecruitingError, match="cannot be a duplicate of themselves"):
        set_duplicate_flag(candidate_id=second.pk, duplicate_of_id=second.pk)
    with pytest.raises(
        RecruitingError, match=rf"Ada Lovelace \(#{second.pk}\) is already flagged as a possible duplicate of"
    ):
        set_duplicate_flag(candidate_id=first.pk, duplicate_of_id=second.pk)
    with pytest.raises(RecruitingError, match="#999999 does not exist"):
        set_duplicate_flag(candidate_id=second.pk, duplicate_of_id=999999)
    gone = CandidateFactory(anonymized_at=timezone.now())
    with pytest.raises(RecruitingError, match=f"Candidate #{gone.pk} was anonymised; nobody"):
        set_duplicate_flag(candidate_id=second.pk, duplicate_of_id=gone.pk)
    with pytest.raises(RecruitingError, match=f"Candidate #{gone.pk} was anonymised on"):
        set_duplicate_flag(candidate_id=gone.pk, duplicate_of_id=first.pk)
    assert Candidate.objects.get(pk=second.pk).possible_duplicate_of == first
    assert Candidate.objects.get(pk=first.pk).possible_duplicate_of is None


def test_the_flag_cannot_point_at_another_tenants_candidate(tenant_a, tenant_b):
    with tenant_context(tenant_b):
        foreign = CandidateFactory()
    with tenant_context(tenant_a):
        candidate = new()
        with pytest.raises(RecruitingError, match=f"#{foreign.pk} does not exist"):
            set_duplicate_flag(candidate_id=candidate.pk, duplicate_of_id=foreign.pk)
        assert Candidate.objects.get(pk=candidate.pk).possible_duplicate_of is None


# --- merging --------------------------------------------------------------------------------
@pytest.fixture
def pair(in_tenant_a):
    keep = CandidateFactory(
        first_name="Ada", last_name="Lovelace", phone="", location="", current_title="", tags=["python"]
    )
    merge = CandidateFactory(
        first_name="Ada",
        last_name="L.",
        phone="+49 30 999",
        location="Berlin",
        current_title="Engineer",
        current_company="Analytical Engines",
        tags=["math", "python"],
        cv=SimpleUploadedFile("ada.pdf", PDF),
    )
    return keep, merge


def test_merge_moves_applications_fills_blanks_and_unions_tags(pair, user_a):
    keep, merge = pair
    kept_application = ApplicationFactory(candidate=keep)
    moved = ApplicationFactory(candidate=merge, status=ApplicationStatus.TECHNICAL)
    offer = OfferFactory(application=moved)
    merge_pk, cv_name = merge.pk, merge.cv.name

    result = merge_candidates(keep_id=keep.pk, merge_id=merge.pk, by=user_a)

    result.refresh_from_db()
    assert set(result.applications.all()) == {kept_application, moved}
    offer.refresh_from_db()
    assert offer.application.candidate_id == keep.pk  # offers follow their application
    assert (result.first_name, result.last_name) == ("Ada", "Lovelace")  # filled fields are kept
    assert (result.phone, result.phone_normalized, result.location) == ("+49 30 999", "+4930999", "Berlin")
    assert (result.current_title, result.current_company) == ("Engineer", "Analytical Engines")
    assert result.tags == ["python", "math"]
    assert result.cv.name == cv_name
    assert not Candidate.objects.filter(pk=merge_pk).exists()


def test_merge_keeps_the_audit_trail(pair, user_a):
    keep, merge = pair
    moved = ApplicationFactory(candidate=merge)
    merge_pk = merge.pk
    reason = f"merged candidate {merge_pk} into {keep.pk}"

    merge_candidates(keep_id=keep.pk, merge_id=merge.pk, by=user_a)

    merged_history = Candidate.history.filter(id=merge_pk)
    assert list(merged_history.values_list("history_type", flat=True)) == ["-", "+"]
    deleted = merged_history.first()
    assert (deleted.history_change_reason, deleted.history_user, deleted.last_name) == (reason, user_a, "L.")
    last_move = Application.history.filter(id=moved.pk).first()
    assert (last_move.candidate_id, last_move.history_change_reason) == (keep.pk, reason)
    assert last_move.history_user == user_a
    assert Candidate.history.filter(id=keep.pk).first().history_change_reason == reason


def test_merge_refuses_when_both_applied_to_the_same_job(pair):
    keep, merge = pair
    job = JobPostingFactory(title="Data Engineer")
    ApplicationFactory(candidate=keep, job=job)
    ApplicationFactory(candidate=merge, job=job)
    with pytest.raises(
        RecruitingError,
        match=r"applied to Data Engineer \(JOB-\d+\); a candidate can apply to a job only once\. Delete one",
    ):
        merge_candidates(keep_id=keep.pk, merge_id=merge.pk)
    assert Candidate.objects.filter(pk=merge.pk).exists()
    assert merge.applications.count() == 1


def test_merge_refuses_self_missing_and_anonymised_candidates(pair):
    keep, merge = pair
    with pytest.raises(RecruitingError, match="cannot be merged with itself"):
        merge_candidates(keep_id=keep.pk, merge_id=keep.pk)
    with pytest.raises(RecruitingError, match="does not exist"):
        merge_candidates(keep_id=keep.pk, merge_id=merge.pk + 1000)
    Candidate.objects.filter(pk=merge.pk).update(anonymized_at="2026-01-01T00:00:00Z")
    with pytest.raises(RecruitingError, match="anonymised"):
        merge_candidates(keep_id=keep.pk, merge_id=merge.pk)


def test_merge_cannot_reach_another_tenants_candidate(pair, tenant_b):
    keep, _merge = pair
    with tenant_context(tenant_b):
        foreign = CandidateFactory()
    with pytest.raises(RecruitingError, match="does not exist"):
        merge_candidates(keep_id=keep.pk, merge_id=foreign.pk)
    with tenant_context(tenant_b):
        assert Candidate.objects.filter(pk=foreign.pk).exists()


def test_merge_clears_the_flag_between_the_two_and_repoints_other_flags(in_tenant_a):
    keep = CandidateFactory(phone="+49 30 1")
    merge = new(phone="+49 30 1")
    third = new(email="third@mail.example", phone="+49 30 2")
    Candidate.objects.filter(pk=third.pk).update(possible_duplicate_of=merge)
    Candidate.objects.filter(pk=keep.pk).update(possible_duplicate_of=merge)
    kept = merge_candidates(keep_id=keep.pk, merge_id=merge.pk)
    assert kept.possible_duplicate_of is None
    third.refresh_from_db()
    assert third.possible_duplicate_of == kept


# --- CV validation --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "content"),
    [("cv.pdf", PDF), ("cv.docx", docx_bytes()), ("cv.odt", odt_bytes()), ("CV.PDF", PDF)],
)
def test_cv_accepts_pdf_docx_and_odt(in_tenant_a, media_root, name, content):
    candidate = new(cv=SimpleUploadedFile(name, content))
    assert candidate.cv.storage.exists(candidate.cv.name)
    assert candidate.cv.name.startswith(f"recruiting/cvs/tenant-{in_tenant_a.pk}/")


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("cv.pdf", b"just some text, renamed", "Upload the CV as a PDF"),
        ("cv.docx", PDF, "content is PDF but its name ends in .docx"),
        ("cv.pdf", docx_bytes(), "content is DOCX but its name ends in .pdf"),
        ("cv.odt", b"PK\x03\x04 not really a zip", "Upload the CV as a PDF"),
        ("cv.pdf", PDF + b"0" * (CV_MAX_BYTES + 1024 * 1024 - len(PDF)), "the limit is 10 MB"),
    ],
    ids=["renamed-txt", "pdf-named-docx", "docx-named-pdf", "broken-zip", "11-mb"],
)
def test_cv_refuses_wrong_content_and_big_files(in_tenant_a, media_root, name, content, message):
    with pytest.raises(RecruitingError, match=message) as caught:
        new(cv=SimpleUploadedFile(name, content))
    assert "cv" in caught.value.message_dict
    assert not Candidate.objects.exists()
    assert not any(path.is_file() for path in media_root.rglob("*"))


def test_update_validates_a_new_cv_but_not_the_stored_one(in_tenant_a):
    candidate = new(cv=SimpleUploadedFile("cv.pdf", PDF))
    assert update_candidate(candidate_id=candidate.pk, location="Paris").location == "Paris"
    with pytest.raises(RecruitingError, match="Upload the CV"):
        update_candidate(candidate_id=candidate.pk, cv=SimpleUploadedFile("cv.pdf", b"plain text"))
