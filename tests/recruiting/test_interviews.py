"""Interviews: booking rules (members only, no double-booking), their lifecycle and feedback."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.utils import timezone

from people.roles import Role
from people.tenancy import TenantMismatch, tenant_context
from recruiting.models import (
    ApplicationStatus,
    Interview,
    InterviewFeedback,
    InterviewParticipant,
    InterviewStatus,
    InterviewType,
    Recommendation,
)
from recruiting.services.errors import RecruitingError, TransitionNotAllowed
from recruiting.services.interviews import (
    cancel_interview,
    complete_interview,
    confirm_interview,
    mark_no_show,
    reschedule_interview,
    schedule_interview,
    submit_feedback,
)
from tests.conftest import make_member
from tests.recruiting.factories import ApplicationFactory, CandidateFactory, InterviewFactory

pytestmark = pytest.mark.django_db
I = InterviewStatus  # noqa: E741
NINE = datetime(2030, 5, 6, 9, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


@pytest.fixture
def team(in_tenant_a, user_a):
    """Two interviewers of tenant A and an application of Cara Cole."""
    ivan = make_member(
        in_tenant_a, Role.HIRING_MANAGER, email="ivan@tenant-a.test", first_name="Ivan", last_name="Iv"
    )
    jo = make_member(in_tenant_a, Role.RECRUITER, email="jo@tenant-a.test", first_name="Jo", last_name="Jay")
    application = ApplicationFactory(candidate=CandidateFactory(first_name="Cara", last_name="Cole"))
    return type("Team", (), {"ivan": ivan, "jo": jo, "application": application, "tenant": in_tenant_a})


def book(team, start=NINE, end=None, interviewers=None, application=None, **kwargs):
    kwargs.setdefault("interview_type", InterviewType.TECHNICAL)
    return schedule_interview(
        application_id=(application or team.application).pk,
        start=start,
        end=end or start + HOUR,
        interviewer_ids=[u.pk for u in (interviewers or [team.ivan])],
        **kwargs,
    )


def past_interview(team, interviewers=None):
    start = timezone.now() - timedelta(hours=3)
    return book(team, start=start, end=start + HOUR, interviewers=interviewers)


# --- scheduling -----------------------------------------------------------------------------
def test_schedule_creates_the_interview_and_its_participants(team):
    interview = book(team, interviewers=[team.ivan, team.jo], meeting_link="https://meet.example/x")
    assert interview.status == I.SCHEDULED and interview.scheduled_start == NINE
    assert set(interview.interviewers.all()) == {team.ivan, team.jo}
    assert InterviewParticipant.objects.filter(interview=interview).count() == 2


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"end": NINE}, "must end after it starts"),
        ({"end": NINE - HOUR}, "must end after it starts"),
        ({"interviewers": []}, None),
        ({"interview_type": "karaoke"}, "not an interview type"),
    ],
)
def test_schedule_refuses_bad_input(team, kwargs, message):
    if kwargs.get("interviewers") == []:
        with pytest.raises(RecruitingError, match="at least one interviewer"):
            schedule_interview(
                application_id=team.application.pk,
                interview_type=InterviewType.PHONE,
                start=NINE,
                end=NINE + HOUR,
                interviewer_ids=[],
            )
    else:
        with pytest.raises(RecruitingError, match=message):
            book(team, **kwargs)
    assert not Interview.objects.exists()


def test_an_interviewer_from_another_tenant_is_refused_by_email(team, tenant_b):
    outsider = make_member(tenant_b, Role.OWNER, email="out@tenant-b.test")
    with pytest.raises(RecruitingError, match="out@tenant-b.test is not a member of this company"):
        book(team, interviewers=[team.ivan, outsider])
    assert not Interview.objects.exists()


def test_an_unknown_user_id_is_refused(team):
    with pytest.raises(RecruitingError, match="No user with id 987654"):
        schedule_interview(
            application_id=team.application.pk,
            interview_type=InterviewType.PHONE,
            start=NINE,
            end=NINE + HOUR,
            interviewer_ids=[987654],
        )


@pytest.mark.parametrize(
    "closed", [ApplicationStatus.HIRED, ApplicationStatus.REJECTED, ApplicationStatus.WITHDRAWN]
)
def test_closed_applications_get_no_interviews(team, closed):
    application = ApplicationFactory(status=closed)
    with pytest.raises(TransitionNotAllowed, match="cannot schedule an interview for a closed application"):
        book(team, application=application)


# --- double-booking -------------------------------------------------------------------------
def test_double_booking_is_refused_naming_the_clash(team):
    book(team, start=NINE, interview_type=InterviewType.PHONE)
    other = ApplicationFactory(candidate=CandidateFactory(first_name="Dan", last_name="Dee"))
    with pytest.raises(RecruitingError) as refused:
        book(team, start=NINE + timedelta(minutes=30), interviewers=[team.jo, team.ivan], application=other)
    message = refused.value.messages[0]
    assert "Ivan Iv is already booked" in message
    assert "Phone screening interview with Cara Cole on 2030-05-06 09:00–10:00" in message
    assert Interview.objects.count() == 1


def test_back_to_back_interviews_are_fine(team):
    book(team, start=NINE)
    book(team, start=NINE + HOUR)  # starts when the first ends
    book(team, start=NINE - HOUR)  # ends when the first starts
    assert Interview.objects.count() == 3


def test_a_booking_inside_or_around_another_clashes(team):
    book(team, start=NINE, end=NINE + 2 * HOUR)
    with pytest.raises(RecruitingError, match="already booked"):
        book(team, start=NINE + timedelta(minutes=15), end=NINE + timedelta(minutes=45))
    with pytest.raises(RecruitingError, match="already booked"):
        book(team, start=NINE - HOUR, end=NINE + 3 * HOUR)


def test_a_cancelled_interview_does_not_block(team):
    first = book(team, start=NINE)
    cancel_interview(interview_id=first.pk, reason="Candidate ill")
    assert book(team, start=NINE).status == I.SCHEDULED


def test_another_interviewer_is_free_at_the_same_time(team):
    book(team, start=NINE, interviewers=[team.ivan])
    assert book(team, start=NINE, interviewers=[team.jo]).pk


# --- reschedule, confirm, cancel, complete, no-show -----------------------------------------
def test_reschedule_moves_it_and_asks_for_confirmation_again(team):
    interview = confirm_interview(interview_id=book(team).pk)
    assert interview.status == I.CONFIRMED
    moved = reschedule_interview(interview_id=interview.pk, start=NINE + HOUR / 2, end=NINE + 2 * HOUR)
    assert (moved.scheduled_start, moved.status) == (NINE + HOUR / 2, I.SCHEDULED)  # overlaps only itself


def test_reschedule_refuses_a_clash_and_bad_times(team):
    book(team, start=NINE, interviewers=[team.jo], interview_type=InterviewType.FINAL)
    mine = book(team, start=NINE + 2 * HOUR, interviewers=[team.ivan, team.jo])
    with pytest.raises(RecruitingError, match="Jo Jay is already booked at that time: the Final interview"):
        reschedule_interview(interview_id=mine.pk, start=NINE, end=NINE + HOUR)
    with pytest.raises(RecruitingError, match="must end after it starts"):
        reschedule_interview(interview_id=mine.pk, start=NINE, end=NINE)
    assert Interview.objects.get(pk=mine.pk).scheduled_start == NINE + 2 * HOUR


def test_only_active_interviews_can_be_rescheduled(team):
    interview = cancel_interview(interview_id=book(team).pk)
    with pytest.raises(
        TransitionNotAllowed, match="only scheduled or confirmed interviews can be rescheduled"
    ):
        reschedule_interview(interview_id=interview.pk, start=NINE, end=NINE + HOUR)


def test_cancel_keeps_the_reason_in_history(team):
    interview = cancel_interview(interview_id=book(team).pk, reason="Position paused")
    assert interview.status == I.CANCELLED
    assert interview.history.first().history_change_reason == "Position paused"
    with pytest.raises(TransitionNotAllowed, match="is cancelled; it cannot become cancelled"):
        cancel_interview(interview_id=interview.pk)


def test_complete_and_no_show_only_once_the_interview_started(team):
    future = book(team)
    with pytest.raises(TransitionNotAllowed, match="once it has started"):
        complete_interview(interview_id=future.pk)
    with pytest.raises(TransitionNotAllowed, match="once it has started"):
        mark_no_show(interview_id=future.pk)
    done = complete_interview(interview_id=past_interview(team).pk)
    assert done.status == I.COMPLETED
    with pytest.raises(TransitionNotAllowed, match="Allowed next: nothing"):
        confirm_interview(interview_id=done.pk)
    start = timezone.now() - 6 * HOUR
    absent = mark_no_show(interview_id=book(team, start=start, end=start + HOUR).pk)
    assert absent.status == I.NO_SHOW


# --- when it finished --------------------------------------------------------------------------
def test_each_final_status_stamps_its_moment(team):
    before = timezone.now()
    done = complete_interview(interview_id=past_interview(team).pk)
    cancelled = cancel_interview(interview_id=book(team).pk, reason="Position paused")
    start = timezone.now() - 6 * HOUR
    absent = mark_no_show(interview_id=book(team, start=start, end=start + HOUR).pk)
    after = timezone.now()
    stamps = {
        interview.pk: (interview.completed_at, interview.cancelled_at, interview.no_show_at)
        for interview in Interview.objects.filter(pk__in=[done.pk, cancelled.pk, absent.pk])
    }
    assert before <= stamps[done.pk][0] <= after and stamps[done.pk][1:] == (None, None)
    assert stamps[cancelled.pk][0] is None and before <= stamps[cancelled.pk][1] <= after
    assert stamps[cancelled.pk][2] is None
    assert stamps[absent.pk][:2] == (None, None) and before <= stamps[absent.pk][2] <= after
    # The history row of the finishing write carries the moment too.
    assert done.history.first().completed_at == stamps[done.pk][0]


def test_confirming_and_rescheduling_stamp_nothing(team):
    interview = confirm_interview(interview_id=book(team).pk)
    interview = reschedule_interview(interview_id=interview.pk, start=NINE + HOUR, end=NINE + 2 * HOUR)
    interview.refresh_from_db()
    assert (interview.completed_at, interview.cancelled_at, interview.no_show_at) == (None, None, None)


def test_feedback_that_completes_an_ended_interview_stamps_completed_at(team):
    interview = past_interview(team)
    submit_feedback(
        interview_id=interview.pk, interviewer=team.ivan, scores=SCORES, recommendation=Recommendation.YES
    )
    interview.refresh_from_db()
    assert interview.status == I.COMPLETED and interview.completed_at is not None


def test_a_refused_move_keeps_the_stamps(team):
    done = complete_interview(interview_id=past_interview(team).pk)
    future = book(team, start=NINE + 3 * HOUR)
    with pytest.raises(TransitionNotAllowed, match="is completed; it cannot become cancelled"):
        cancel_interview(interview_id=done.pk)
    with pytest.raises(TransitionNotAllowed, match="once it has started"):
        complete_interview(interview_id=future.pk)
    done_now, future_now = Interview.objects.get(pk=done.pk), Interview.objects.get(pk=future.pk)
    assert (done_now.completed_at, done_now.cancelled_at) == (done.completed_at, None)
    assert (future_now.completed_at, future_now.status) == (None, I.SCHEDULED)


def test_confirm_names_the_allowed_next_steps(team):
    interview = confirm_interview(interview_id=book(team).pk)
    with pytest.raises(
        TransitionNotAllowed, match="Allowed next: Completed, Cancelled or Candidate did not show"
    ):
        confirm_interview(interview_id=interview.pk)


# --- feedback -------------------------------------------------------------------------------
SCORES = {"communication": 4, "problem solving": 5}


def test_a_participant_submits_their_feedback_once(team):
    interview = complete_interview(interview_id=past_interview(team, [team.ivan, team.jo]).pk)
    feedback = submit_feedback(
        interview_id=interview.pk, interviewer=team.ivan, scores=SCORES, recommendation=Recommendation.YES
    )
    assert feedback.scores == SCORES and feedback.interviewer == team.ivan
    with pytest.raises(RecruitingError, match="Ivan Iv already submitted feedback"):
        submit_feedback(
            interview_id=interview.pk, interviewer=team.ivan, scores=SCORES, recommendation=Recommendation.NO
        )
    submit_feedback(
        interview_id=interview.pk, interviewer=team.jo, scores=SCORES, recommendation=Recommendation.NO
    )
    assert InterviewFeedback.objects.filter(interview=interview).count() == 2


def test_a_non_participant_cannot_submit_feedback(team, user_a):
    interview = complete_interview(interview_id=past_interview(team).pk)
    with pytest.raises(RecruitingError, match="Alice Anders is not an interviewer of this interview"):
        submit_feedback(
            interview_id=interview.pk, interviewer=user_a, scores=SCORES, recommendation=Recommendation.YES
        )
    assert not InterviewFeedback.objects.exists()


@pytest.mark.parametrize(
    ("scores", "message"),
    [
        ({"communication": 6}, "Score 'communication' from 1 to 5 \\(got 6\\)"),
        ({"communication": 0}, "Score 'communication' from 1 to 5"),
        ({"communication": 4, "coding": "5"}, "Score 'coding' from 1 to 5"),
        ({"communication": True}, "Score 'communication'"),
        ({}, "at least one criterion"),
    ],
)
def test_scores_must_be_whole_numbers_from_1_to_5(team, scores, message):
    interview = complete_interview(interview_id=past_interview(team).pk)
    with pytest.raises(RecruitingError, match=message):
        submit_feedback(
            interview_id=interview.pk, interviewer=team.ivan, scores=scores, recommendation=Recommendation.YES
        )


def test_an_unknown_recommendation_is_refused(team):
    interview = complete_interview(interview_id=past_interview(team).pk)
    with pytest.raises(RecruitingError, match="Recommend one of: Strong yes"):
        submit_feedback(
            interview_id=interview.pk, interviewer=team.ivan, scores=SCORES, recommendation="maybe"
        )


def test_feedback_for_an_ended_interview_completes_it(team):
    interview = past_interview(team)
    submit_feedback(
        interview_id=interview.pk, interviewer=team.ivan, scores=SCORES, recommendation=Recommendation.YES
    )
    assert Interview.objects.get(pk=interview.pk).status == I.COMPLETED


def test_no_feedback_before_the_end_or_for_cancelled_interviews(team):
    future = book(team)
    with pytest.raises(TransitionNotAllowed, match="feedback is submitted for interviews that took place"):
        submit_feedback(
            interview_id=future.pk, interviewer=team.ivan, scores=SCORES, recommendation=Recommendation.YES
        )
    cancelled = cancel_interview(interview_id=past_interview(team).pk)
    with pytest.raises(TransitionNotAllowed, match="is cancelled; feedback"):
        submit_feedback(
            interview_id=cancelled.pk, interviewer=team.ivan, scores=SCORES, recommendation=Recommendation.YES
        )


# --- tenant isolation -----------------------------------------------------------------------
def test_another_tenants_interviews_and_applications_are_invisible(team, tenant_b):
    with tenant_context(tenant_b):
        theirs = InterviewFactory()
    with pytest.raises(Interview.DoesNotExist):
        cancel_interview(interview_id=theirs.pk)
    with pytest.raises(Interview.DoesNotExist):
        submit_feedback(interview_id=theirs.pk, interviewer=team.ivan, scores=SCORES, recommendation="yes")
    with pytest.raises(theirs.application.DoesNotExist):
        book(team, application=theirs.application)


def test_a_forged_interview_for_another_tenants_application_is_refused(team, tenant_b):
    with tenant_context(tenant_b):
        their_application = ApplicationFactory()
    with pytest.raises(TenantMismatch):
        Interview.objects.create(
            application_id=their_application.pk,
            interview_type=InterviewType.PHONE,
            scheduled_start=NINE,
            scheduled_end=NINE + HOUR,
        )


# --- PostgreSQL: two bookings of one interviewer at the same moment ---------------------------
postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_bookings_of_one_interviewer_cannot_both_pass(tenant_a, role_groups):
    with tenant_context(tenant_a):
        ivan = make_member(tenant_a, Role.HIRING_MANAGER, email="ivan@tenant-a.test")
        applications = [ApplicationFactory(), ApplicationFactory()]
    barrier, outcomes = threading.Barrier(2), []

    def attempt(application):
        try:
            with tenant_context(tenant_a):
                barrier.wait(timeout=10)
                schedule_interview(
                    application_id=application.pk,
                    interview_type=InterviewType.PHONE,
                    start=NINE,
                    end=NINE + HOUR,
                    interviewer_ids=[ivan.pk],
                )
            outcomes.append("ok")
        except RecruitingError as exc:
            outcomes.append(exc.messages[0])
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(app,)) for app in applications]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert outcomes.count("ok") == 1 and any("already booked" in o for o in outcomes), outcomes
    with tenant_context(tenant_a):
        assert InterviewParticipant.objects.filter(interviewer=ivan).count() == 1
