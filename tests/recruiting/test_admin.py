"""The recruiting admins: counts from the page's own query, job actions, workflow-only records,
the candidate timeline's moments and the candidate form's duplicate flag."""

import datetime

import pytest

from people.roles import Role
from people.tenancy import tenant_context
from recruiting.admin.timeline import candidate_timeline
from recruiting.models import (
    ApplicationStatus,
    BackgroundCheck,
    Candidate,
    CheckStatus,
    Interview,
    InterviewStatus,
    JobPosting,
    JobStatus,
    Offer,
    OfferStatus,
)
from tests.conftest import login, make_member
from tests.recruiting.factories import (
    ApplicationFactory,
    BackgroundCheckFactory,
    CandidateFactory,
    InterviewFactory,
    JobPostingFactory,
    OfferFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def recruiter_client(client, tenant_a, user_a):
    return login(client, make_member(tenant_a, Role.RECRUITER, email="recruiter@tenant-a.test"), tenant_a)


def test_job_changelist_counts_applicants_per_stage(recruiter_client, tenant_a):
    with tenant_context(tenant_a):
        job = JobPostingFactory(title="Data Engineer")
        for status in [ApplicationStatus.PENDING_REVIEW] * 3 + [ApplicationStatus.TECHNICAL]:
            ApplicationFactory(job=job, status=status)
    response = recruiter_client.get("/admin/recruiting/jobposting/")
    row = next(obj for obj in response.context["cl"].result_list if obj.pk == job.pk)
    assert (row.n_applicants, row.n_review, row.n_assessment) == (4, 3, 1)
    assert "review 3 · assessment 1" in response.content.decode()


@pytest.mark.parametrize("jobs", [2, 25])
def test_job_changelist_runs_a_constant_number_of_queries(
    recruiter_client, tenant_a, jobs, django_assert_max_num_queries
):
    with tenant_context(tenant_a):
        for _ in range(jobs):
            ApplicationFactory(job=JobPostingFactory())
    with django_assert_max_num_queries(16):
        assert recruiter_client.get("/admin/recruiting/jobposting/").status_code == 200


@pytest.mark.parametrize("applications", [2, 25])
def test_application_changelist_runs_a_constant_number_of_queries(
    recruiter_client, tenant_a, applications, django_assert_max_num_queries
):
    with tenant_context(tenant_a):
        for _ in range(applications):
            ApplicationFactory()
    with django_assert_max_num_queries(16):
        assert recruiter_client.get("/admin/recruiting/application/").status_code == 200


def test_publish_close_and_duplicate_actions(recruiter_client, tenant_a):
    with tenant_context(tenant_a):
        draft = JobPostingFactory(status=JobStatus.DRAFT)
    url = "/admin/recruiting/jobposting/"
    recruiter_client.post(url, {"action": "publish_selected", "_selected_action": [draft.pk]})
    with tenant_context(tenant_a):
        draft.refresh_from_db()
        assert draft.status == JobStatus.PUBLISHED and draft.published_on_career_page and draft.published_at
    recruiter_client.post(url, {"action": "duplicate_selected", "_selected_action": [draft.pk]})
    recruiter_client.post(url, {"action": "close_selected", "_selected_action": [draft.pk]})
    with tenant_context(tenant_a):
        draft.refresh_from_db()
        assert draft.status == JobStatus.CANCELLED and not draft.published_on_career_page
        copy = JobPosting.objects.exclude(pk=draft.pk).get()
        assert copy.status == JobStatus.DRAFT and copy.reference_code != draft.reference_code
    response = recruiter_client.post(
        url, {"action": "publish_selected", "_selected_action": [draft.pk]}, follow=True
    )
    assert "is closed; duplicate it" in response.content.decode()


def test_internal_only_jobs_never_reach_the_careers_page(recruiter_client, tenant_a):
    with tenant_context(tenant_a):
        internal = JobPostingFactory(status=JobStatus.DRAFT, is_internal_only=True)
    recruiter_client.post(
        "/admin/recruiting/jobposting/", {"action": "publish_selected", "_selected_action": [internal.pk]}
    )
    with tenant_context(tenant_a):
        internal.refresh_from_db()
    assert internal.status == JobStatus.PUBLISHED and not internal.published_on_career_page


def test_pipeline_records_are_not_edited_by_hand(recruiter_client, tenant_a):
    with tenant_context(tenant_a):
        application = ApplicationFactory()
    assert recruiter_client.get("/admin/recruiting/application/add/").status_code == 403
    response = recruiter_client.post(
        f"/admin/recruiting/application/{application.pk}/change/", {"status": ApplicationStatus.HIRED}
    )
    assert response.status_code == 403
    with tenant_context(tenant_a):
        application.refresh_from_db()
    assert application.status == ApplicationStatus.PENDING_REVIEW


def test_a_forged_candidate_of_another_tenant_is_refused_on_a_job_form(recruiter_client, tenant_a, tenant_b):
    """The candidate admin's duplicate link only offers this tenant's candidates."""
    with tenant_context(tenant_b):
        foreign = CandidateFactory()
    response = recruiter_client.post(
        "/admin/recruiting/candidate/add/",
        {
            "first_name": "Ann",
            "last_name": "Lee",
            "email": "ann@mail.example",
            "possible_duplicate_of": foreign.pk,
            "employment_status": "actively_looking",
            "visa_sponsorship_status": "not_required",
            "source": "other",
            "tags": "[]",
        },
    )
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    with tenant_context(tenant_a):
        assert not JobPosting.objects.exists()


# --- the candidate timeline: when records finished ----------------------------------------------
def moment(day: int) -> datetime.datetime:
    return datetime.datetime(2026, 3, day, 12, 0, tzinfo=datetime.UTC)


def test_the_timeline_shows_the_stamped_moments_and_falls_back_to_updated_at(tenant_a):
    """Finished records show the moment their service stamped; rows finished before the stamps
    existed (stamp empty) show `updated_at`; unfinished records show no finishing event."""
    with tenant_context(tenant_a):
        candidate = CandidateFactory()

        def on(job: str):
            return ApplicationFactory(candidate=candidate, job=JobPostingFactory(title=job))

        def later(model, record, day):  # updated_at is auto_now: set it afterwards
            model.objects.filter(pk=record.pk).update(updated_at=moment(day))

        for job, status, stamps in [
            ("I-completed", InterviewStatus.COMPLETED, {"completed_at": moment(1)}),
            ("I-cancelled", InterviewStatus.CANCELLED, {"cancelled_at": moment(2)}),
            ("I-no-show", InterviewStatus.NO_SHOW, {"no_show_at": moment(3)}),
            ("I-old", InterviewStatus.COMPLETED, {}),
            ("I-open", InterviewStatus.CONFIRMED, {}),
        ]:
            later(Interview, InterviewFactory(application=on(job), status=status, **stamps), 20)
        for job, status, stamps in [
            ("O-accepted", OfferStatus.ACCEPTED, {"responded_at": moment(4)}),
            ("O-withdrawn", OfferStatus.WITHDRAWN, {"withdrawn_at": moment(5)}),
            ("O-expired", OfferStatus.EXPIRED, {"expired_at": moment(6)}),
            ("O-old", OfferStatus.EXPIRED, {}),
            ("O-old-draft-withdrawn", OfferStatus.WITHDRAWN, {}),
            ("O-open", OfferStatus.SENT, {}),
        ]:
            later(Offer, OfferFactory(application=on(job), status=status, **stamps), 21)
        for job, status, stamps in [
            ("C-clear", CheckStatus.CLEAR, {"completed_at": moment(7)}),
            ("C-cancelled", CheckStatus.CANCELLED, {"cancelled_at": moment(8)}),
            ("C-old", CheckStatus.CANCELLED, {}),
            ("C-open", CheckStatus.IN_PROGRESS, {}),
        ]:
            later(BackgroundCheck, BackgroundCheckFactory(application=on(job), status=status, **stamps), 22)
        finished = {
            (event.job, event.text): event.when
            for event in candidate_timeline(candidate)
            if event.kind in ("interview", "offer", "check")
            and not event.text.endswith("requested")
            and "scheduled for" not in event.text
            and "drafted" not in event.text
        }
    assert finished == {
        ("I-completed", "Phone screening interview: completed"): moment(1),
        ("I-cancelled", "Phone screening interview: cancelled"): moment(2),
        ("I-no-show", "Phone screening interview: candidate did not show"): moment(3),
        ("I-old", "Phone screening interview: completed"): moment(20),
        ("O-accepted", "Offer accepted"): moment(4),
        ("O-withdrawn", "Offer withdrawn"): moment(5),
        ("O-expired", "Offer expired"): moment(6),
        ("O-old", "Offer expired"): moment(21),
        ("O-old-draft-withdrawn", "Offer withdrawn"): moment(21),
        ("C-clear", "Checkr background check completed: clear"): moment(7),
        ("C-cancelled", "Checkr background check cancelled"): moment(8),
        ("C-old", "Checkr background check cancelled"): moment(22),
    }


# --- the candidate form: the duplicate flag goes through the service ---------------------------
def candidate_form(candidate, **overrides):
    return {
        "first_name": candidate.first_name,
        "last_name": candidate.last_name,
        "email": candidate.email,
        "phone": candidate.phone,
        "employment_status": candidate.employment_status,
        "visa_sponsorship_status": candidate.visa_sponsorship_status,
        "source": candidate.source,
        "tags": "[]",
        "possible_duplicate_of": candidate.possible_duplicate_of_id or "",
        **overrides,
    }


@pytest.fixture
def flagged(tenant_a):
    with tenant_context(tenant_a):
        first = CandidateFactory(phone="+49 30 1234567")
        second = CandidateFactory(phone="+49 30 1234567", possible_duplicate_of=first)
    return first, second


def test_clearing_a_wrong_duplicate_flag_in_the_form(recruiter_client, tenant_a, flagged):
    first, second = flagged
    url = f"/admin/recruiting/candidate/{second.pk}/change/"
    response = recruiter_client.post(url, candidate_form(second, possible_duplicate_of=""), follow=True)
    assert response.status_code == 200 and "has the same phone number" not in response.content.decode()
    with tenant_context(tenant_a):
        assert Candidate.objects.get(pk=second.pk).possible_duplicate_of is None
        row = Candidate.history.filter(id=second.pk).first()
        assert row.history_change_reason == f"duplicate flag cleared (was candidate {first.pk})"
        assert row.history_user.email == "recruiter@tenant-a.test"


def test_a_refused_flag_is_shown_on_the_field_and_nothing_is_saved(recruiter_client, tenant_a, flagged):
    first, second = flagged
    url = f"/admin/recruiting/candidate/{first.pk}/change/"
    data = candidate_form(first, possible_duplicate_of=second.pk, current_title="Analyst")
    response = recruiter_client.post(url, data)
    assert response.status_code == 200
    errors = " ".join(response.context["adminform"].form.errors["possible_duplicate_of"])
    assert "is already flagged as a possible duplicate of" in errors
    with tenant_context(tenant_a):
        stored = Candidate.objects.get(pk=first.pk)
    assert (stored.possible_duplicate_of, stored.current_title) == (None, "")
    response = recruiter_client.post(url, candidate_form(first, possible_duplicate_of=first.pk))
    errors = " ".join(response.context["adminform"].form.errors["possible_duplicate_of"])
    assert "cannot be a duplicate of themselves" in errors


def test_adding_a_candidate_with_a_refused_flag_creates_nothing(recruiter_client, tenant_a):
    with tenant_context(tenant_a):
        gone = CandidateFactory(anonymized_at=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC))
        original = CandidateFactory()
    new = Candidate(first_name="Ann", last_name="Lee", email="ann@mail.example")
    url = "/admin/recruiting/candidate/add/"
    response = recruiter_client.post(url, candidate_form(new, possible_duplicate_of=gone.pk))
    errors = " ".join(response.context["adminform"].form.errors["possible_duplicate_of"])
    assert "was anonymised; nobody can be flagged as their duplicate" in errors
    with tenant_context(tenant_a):
        assert not Candidate.objects.filter(email="ann@mail.example").exists()
    recruiter_client.post(url, candidate_form(new, possible_duplicate_of=original.pk))
    with tenant_context(tenant_a):
        assert Candidate.objects.get(email="ann@mail.example").possible_duplicate_of == original
