"""The application lifecycle: apply, allowed and refused moves, reject, withdraw, time in status."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from people.tenancy import TenantMismatch, tenant_context
from recruiting.models import Application, ApplicationStatus, ApplicationStatusChange, JobStatus, Source
from recruiting.selectors import time_in_status
from recruiting.services.errors import RecruitingError, TransitionNotAllowed
from recruiting.services.pipeline import (
    ALLOWED_TRANSITIONS,
    apply,
    move_application,
    reject_application,
    withdraw_application,
)
from tests.recruiting.factories import ApplicationFactory, CandidateFactory, JobPostingFactory

pytestmark = pytest.mark.django_db
S = ApplicationStatus


@pytest.fixture
def application(in_tenant_a, user_a):
    return apply(
        candidate_id=CandidateFactory(first_name="Cara", last_name="Cole").pk,
        job_id=JobPostingFactory(title="Backend Engineer").pk,
        source=Source.LINKEDIN,
        by=user_a,
    )


def walk(application, *statuses, by=None):
    for status in statuses:
        application = move_application(application_id=application.pk, to_status=status, by=by)
    return application


# --- apply ----------------------------------------------------------------------------------
def test_apply_creates_the_application_and_its_first_status_change(application, user_a):
    assert application.status == S.PENDING_REVIEW and application.source == Source.LINKEDIN
    change = ApplicationStatusChange.objects.get(application=application)
    assert (change.from_status, change.to_status, change.changed_by) == ("", S.PENDING_REVIEW, user_a)


@pytest.mark.parametrize(
    "status", [JobStatus.DRAFT, JobStatus.ON_HOLD, JobStatus.FILLED, JobStatus.CANCELLED]
)
def test_apply_refuses_a_job_that_is_not_published(in_tenant_a, status):
    job = JobPostingFactory(status=status)
    with pytest.raises(RecruitingError, match="applications are accepted only while a job is published"):
        apply(candidate_id=CandidateFactory().pk, job_id=job.pk, source=Source.CAREER_PAGE)
    assert not Application.objects.exists()


def test_apply_refuses_a_job_past_its_closing_date(in_tenant_a):
    job = JobPostingFactory(closes_at=timezone.now() - timedelta(minutes=1))
    with pytest.raises(RecruitingError, match="closed for applications"):
        apply(candidate_id=CandidateFactory().pk, job_id=job.pk, source=Source.CAREER_PAGE)


def test_apply_refuses_a_second_application_naming_the_first(application):
    with pytest.raises(
        RecruitingError, match=rf"already applied .* \(application #{application.pk}, now Pending"
    ):
        apply(candidate_id=application.candidate_id, job_id=application.job_id, source=Source.REFERRAL)
    assert Application.objects.count() == 1


def test_apply_refuses_an_unknown_source(in_tenant_a):
    with pytest.raises(RecruitingError, match="is not a source"):
        apply(candidate_id=CandidateFactory().pk, job_id=JobPostingFactory().pk, source="carrier_pigeon")


# --- moves ----------------------------------------------------------------------------------
def test_the_happy_path_up_to_background_check(application, user_a):
    application = walk(application, S.PHONE_SCREEN, S.TECHNICAL, S.ONSITE_1, S.FINAL, S.OFFER, by=user_a)
    application = walk(application, S.BACKGROUND_CHECK)
    assert Application.objects.get(pk=application.pk).status == S.BACKGROUND_CHECK
    path = list(application.status_changes.values_list("from_status", "to_status"))
    assert path[0] == ("", S.PENDING_REVIEW) and path[-1] == (S.OFFER, S.BACKGROUND_CHECK)
    assert len(path) == 7


def test_stages_can_be_skipped_where_allowed(application):
    assert walk(application, S.TECHNICAL, S.FINAL, S.OFFER).status == S.OFFER


def test_a_forbidden_move_names_the_allowed_ones(application):
    with pytest.raises(TransitionNotAllowed) as refused:
        move_application(application_id=application.pk, to_status=S.OFFER)
    message = refused.value.messages[0]
    assert "cannot move from Pending review to Offer" in message
    assert "Phone screening, Technical assessment, Rejected or Withdrawn" in message
    assert Application.objects.get(pk=application.pk).status == S.PENDING_REVIEW
    assert application.status_changes.count() == 1  # nothing written


def test_moving_backwards_is_refused(application):
    application = walk(application, S.TECHNICAL)
    with pytest.raises(TransitionNotAllowed, match="From Technical assessment it can move to In person"):
        move_application(application_id=application.pk, to_status=S.PHONE_SCREEN)


def test_moving_to_the_same_status_is_refused(application):
    with pytest.raises(TransitionNotAllowed, match="already at Pending review"):
        move_application(application_id=application.pk, to_status=S.PENDING_REVIEW)


def test_hiring_is_left_to_the_hire_action(application):
    application = walk(application, S.TECHNICAL, S.FINAL, S.OFFER)
    with pytest.raises(TransitionNotAllowed, match="use the Hire action"):
        move_application(application_id=application.pk, to_status=S.HIRED)
    with pytest.raises(TransitionNotAllowed, match="or to hire the candidate use the Hire action"):
        move_application(application_id=application.pk, to_status=S.FINAL)


@pytest.mark.parametrize("closed", [S.HIRED, S.REJECTED, S.WITHDRAWN])
def test_closed_applications_cannot_move(in_tenant_a, closed):
    application = ApplicationFactory(status=closed)
    assert ALLOWED_TRANSITIONS[closed] == frozenset()
    with pytest.raises(TransitionNotAllowed, match="is closed .* it cannot move any more"):
        move_application(application_id=application.pk, to_status=S.PHONE_SCREEN)


def test_an_unknown_status_is_refused(application):
    with pytest.raises(RecruitingError, match="is not an application status"):
        move_application(application_id=application.pk, to_status="teleported")


def test_every_open_status_can_be_rejected_and_withdrawn():
    for status, allowed in ALLOWED_TRANSITIONS.items():
        if allowed:
            assert {S.REJECTED, S.WITHDRAWN} <= allowed, status


# --- reject and withdraw ----------------------------------------------------------------------
def test_reject_needs_a_reason_and_keeps_it(application, user_a):
    with pytest.raises(RecruitingError, match="Say why"):
        reject_application(application_id=application.pk, reason="  ", by=user_a)
    rejected = reject_application(application_id=application.pk, reason="No work permit", by=user_a)
    assert rejected.status == S.REJECTED and rejected.rejection_reason == "No work permit"
    last = rejected.status_changes.last()
    assert (last.to_status, last.note, last.changed_by) == (S.REJECTED, "No work permit", user_a)
    with pytest.raises(TransitionNotAllowed, match="closed"):
        reject_application(application_id=application.pk, reason="again", by=user_a)


def test_moving_to_rejected_without_a_reason_is_refused(application):
    with pytest.raises(RecruitingError, match="Say why"):
        move_application(application_id=application.pk, to_status=S.REJECTED)


def test_withdraw(application, user_a):
    withdrawn = withdraw_application(application_id=application.pk, by=user_a, note="Took another job")
    assert withdrawn.status == S.WITHDRAWN
    assert withdrawn.status_changes.last().note == "Took another job"
    with pytest.raises(TransitionNotAllowed):
        withdraw_application(application_id=application.pk, by=user_a)


# --- time in status -------------------------------------------------------------------------
def test_time_in_each_status_is_recorded(application):
    now = timezone.now()
    Application.objects.filter(pk=application.pk).update(status_changed_at=now - timedelta(hours=5))
    move_application(application_id=application.pk, to_status=S.PHONE_SCREEN)
    Application.objects.filter(pk=application.pk).update(status_changed_at=now - timedelta(days=2))
    move_application(application_id=application.pk, to_status=S.TECHNICAL)
    Application.objects.filter(pk=application.pk).update(status_changed_at=now - timedelta(hours=1))

    changes = list(application.status_changes.values_list("to_status", "seconds_in_previous_status"))
    assert changes[1][0] == S.PHONE_SCREEN and abs(changes[1][1] - 5 * 3600) < 60
    assert changes[2][0] == S.TECHNICAL and abs(changes[2][1] - 2 * 86400) < 60

    spent = time_in_status([application.pk])[application.pk]
    assert set(spent) == {S.PENDING_REVIEW, S.PHONE_SCREEN, S.TECHNICAL}
    assert abs(spent[S.PENDING_REVIEW] - 5 * 3600) < 60
    assert abs(spent[S.PHONE_SCREEN] - 2 * 86400) < 60
    assert abs(spent[S.TECHNICAL] - 3600) < 60  # the current status, until now


def test_time_in_status_is_one_query_for_many_applications(in_tenant_a):
    apps = [ApplicationFactory() for _ in range(3)]
    for app in apps[:2]:
        walk(app, S.PHONE_SCREEN, S.TECHNICAL)
    with CaptureQueriesContext(connection) as queries:
        result = time_in_status([a.pk for a in apps])
    assert len(queries) == 1
    assert set(result) == {a.pk for a in apps}
    assert set(result[apps[2].pk]) == {S.PENDING_REVIEW}  # no change yet: only the current status
    assert time_in_status([]) == {}


# --- tenant isolation -----------------------------------------------------------------------
def test_another_tenants_ids_do_not_exist_here(tenant_a, tenant_b):
    with tenant_context(tenant_b):
        theirs = ApplicationFactory()
        their_job, their_candidate = theirs.job, theirs.candidate
    with tenant_context(tenant_a):
        with pytest.raises(Application.DoesNotExist):
            move_application(application_id=theirs.pk, to_status=S.PHONE_SCREEN)
        with pytest.raises(their_job.DoesNotExist):
            apply(candidate_id=CandidateFactory().pk, job_id=their_job.pk, source=Source.OTHER)
        with pytest.raises(their_candidate.DoesNotExist):
            apply(candidate_id=their_candidate.pk, job_id=JobPostingFactory().pk, source=Source.OTHER)
        assert time_in_status([theirs.pk]) == {}
    with tenant_context(tenant_b):
        assert Application.objects.get(pk=theirs.pk).status == S.PENDING_REVIEW


def test_a_forged_cross_tenant_application_is_refused_by_the_kernel(tenant_a, tenant_b):
    with tenant_context(tenant_b):
        their_job = JobPostingFactory()
    with tenant_context(tenant_a), pytest.raises(TenantMismatch):
        Application.objects.create(candidate=CandidateFactory(), job_id=their_job.pk)
