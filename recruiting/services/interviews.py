"""Interviews: schedule, reschedule, confirm, complete, cancel, no-show; interviewer feedback.

An interviewer cannot be in two scheduled or confirmed interviews whose times overlap
([start, end) intervals: back-to-back interviews are fine). Bookings lock the interviewers' user
rows (in primary-key order) before looking for a clash, so two bookings of the same person at the
same moment run one after the other and the second sees the first. The rule holds within a
tenant: a person who interviews for two companies is booked separately in each.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from people.models import Membership, User
from people.tenancy import current_tenant
from recruiting.models import (
    ACTIVE_INTERVIEW_STATUSES,
    Interview,
    InterviewFeedback,
    InterviewParticipant,
    InterviewStatus,
    InterviewType,
    Recommendation,
)
from recruiting.services.errors import RecruitingError, TransitionNotAllowed
from recruiting.services.pipeline import ensure_open, locked_application

I = InterviewStatus  # noqa: E741
ACTIVE = frozenset(ACTIVE_INTERVIEW_STATUSES)
INTERVIEW_TRANSITIONS: dict[str, frozenset[str]] = {
    I.SCHEDULED: frozenset({I.CONFIRMED, I.COMPLETED, I.CANCELLED, I.NO_SHOW}),
    I.CONFIRMED: frozenset({I.COMPLETED, I.CANCELLED, I.NO_SHOW}),
    I.COMPLETED: frozenset(),
    I.CANCELLED: frozenset(),
    I.NO_SHOW: frozenset(),
}
# The moment each final status is reached is stamped on the interview (for the timeline).
FINISHED_AT = {I.COMPLETED: "completed_at", I.CANCELLED: "cancelled_at", I.NO_SHOW: "no_show_at"}
SCORE_RANGE = range(1, 6)


def local_time(moment: datetime) -> str:
    """A moment in the tenant's time zone, as people read it in messages."""
    return timezone.localtime(moment, zoneinfo.ZoneInfo(current_tenant().timezone)).strftime("%Y-%m-%d %H:%M")


def _labels(statuses) -> str:
    names = [str(choice.label) for choice in I if choice in statuses]
    if not names:
        return "nothing (it is final)"
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


def _person(user: User) -> str:
    return user.get_full_name() or user.email


def _locked_interview(interview_id: int) -> Interview:
    return (
        Interview.objects.select_for_update(of=("self",))
        .select_related("application__candidate", "application__job")
        .get(pk=interview_id)
    )


def _ensure_times(start: datetime, end: datetime) -> None:
    if start is None or end is None:
        raise RecruitingError({"scheduled_start": "Give the interview a start and an end time."})
    if end <= start:
        raise RecruitingError({"scheduled_end": "The interview must end after it starts."})


def _locked_interviewers(interviewer_ids: Iterable[int]) -> list[User]:
    """The interviewers, locked in pk order; each must be a member of the active tenant."""
    ids = sorted({int(pk) for pk in interviewer_ids or ()})
    if not ids:
        raise RecruitingError({"interviewer_ids": "Add at least one interviewer."})
    users = list(User.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
    missing = set(ids) - {user.pk for user in users}
    if missing:
        raise RecruitingError({"interviewer_ids": f"No user with id {', '.join(map(str, sorted(missing)))}."})
    members = set(Membership.objects.filter(user_id__in=ids).values_list("user_id", flat=True))
    outsiders = [user.email for user in users if user.pk not in members]
    if outsiders:
        raise RecruitingError(
            {
                "interviewer_ids": f"{', '.join(outsiders)} {'is' if len(outsiders) == 1 else 'are'} not a "
                "member of this company; invite them first or choose another interviewer."
            }
        )
    return users


def _ensure_no_clash(
    users: list[User], start: datetime, end: datetime, exclude_id: int | None = None
) -> None:
    clashes = InterviewParticipant.objects.filter(
        interviewer__in=users,
        interview__status__in=ACTIVE,
        interview__scheduled_start__lt=end,
        interview__scheduled_end__gt=start,
    ).select_related("interviewer", "interview__application__candidate")
    if exclude_id is not None:
        clashes = clashes.exclude(interview_id=exclude_id)
    clash = clashes.order_by("interview__scheduled_start", "pk").first()
    if clash is not None:
        other = clash.interview
        raise RecruitingError(
            f"{_person(clash.interviewer)} is already booked at that time: the "
            f"{other.get_interview_type_display()} interview with {other.application.candidate} on "
            f"{local_time(other.scheduled_start)}–{local_time(other.scheduled_end)[-5:]}. "
            "Choose another time or another interviewer."
        )


def _move(interview: Interview, to_status: str, *, reason: str = "") -> Interview:
    if to_status not in INTERVIEW_TRANSITIONS[interview.status]:
        raise TransitionNotAllowed(
            f"This interview is {interview.get_status_display().lower()}; it cannot become "
            f"{I(to_status).label.lower()}. Allowed next: {_labels(INTERVIEW_TRANSITIONS[interview.status])}."
        )
    interview.status = to_status
    fields = ["status", "updated_at"]
    if to_status in FINISHED_AT:
        setattr(interview, FINISHED_AT[to_status], timezone.now())
        fields.append(FINISHED_AT[to_status])
    if reason:
        interview._change_reason = reason[:100]  # kept in the history row
    interview.save(update_fields=fields)
    return interview


@transaction.atomic
def schedule_interview(
    *,
    application_id: int,
    interview_type: str,
    start: datetime,
    end: datetime,
    interviewer_ids: Iterable[int],
    location: str = "",
    meeting_link: str = "",
    by: User | None = None,
) -> Interview:
    """Book an interview for an open application with one or more interviewers of this company."""
    if interview_type not in InterviewType.values:
        raise RecruitingError({"interview_type": f"{interview_type!r} is not an interview type."})
    _ensure_times(start, end)
    application = locked_application(application_id)
    ensure_open(application, "schedule an interview")
    users = _locked_interviewers(interviewer_ids)
    _ensure_no_clash(users, start, end)
    interview = Interview.objects.create(
        application=application,
        interview_type=interview_type,
        scheduled_start=start,
        scheduled_end=end,
        location=location,
        meeting_link=meeting_link,
    )
    for user in users:  # one by one, so each participant gets its history row
        InterviewParticipant.objects.create(interview=interview, interviewer=user)
    return interview


@transaction.atomic
def reschedule_interview(
    *, interview_id: int, start: datetime, end: datetime, by: User | None = None
) -> Interview:
    """Move a scheduled or confirmed interview; it needs confirming again at the new time."""
    _ensure_times(start, end)
    interview = _locked_interview(interview_id)
    if interview.status not in ACTIVE:
        raise TransitionNotAllowed(
            f"This interview is {interview.get_status_display().lower()}; only scheduled or confirmed "
            "interviews can be rescheduled. Schedule a new interview instead."
        )
    ensure_open(interview.application, "reschedule an interview")
    users = _locked_interviewers(interview.participants.values_list("interviewer_id", flat=True))
    _ensure_no_clash(users, start, end, exclude_id=interview.pk)
    interview.scheduled_start, interview.scheduled_end = start, end
    interview.status = I.SCHEDULED
    interview.save(update_fields=["scheduled_start", "scheduled_end", "status", "updated_at"])
    return interview


@transaction.atomic
def cancel_interview(*, interview_id: int, by: User | None = None, reason: str = "") -> Interview:
    """Cancel a scheduled or confirmed interview; its interviewers are free again."""
    return _move(_locked_interview(interview_id), I.CANCELLED, reason=reason or "Cancelled")


@transaction.atomic
def confirm_interview(*, interview_id: int, by: User | None = None) -> Interview:
    return _move(_locked_interview(interview_id), I.CONFIRMED)


def _ensure_started(interview: Interview, what: str) -> None:
    if interview.scheduled_start > timezone.now():
        raise TransitionNotAllowed(
            f"This interview starts on {local_time(interview.scheduled_start)}; it can be marked {what} "
            "once it has started. Reschedule or cancel it instead."
        )


@transaction.atomic
def complete_interview(*, interview_id: int, by: User | None = None) -> Interview:
    interview = _locked_interview(interview_id)
    if interview.status in ACTIVE:
        _ensure_started(interview, "completed")
    return _move(interview, I.COMPLETED)


@transaction.atomic
def mark_no_show(*, interview_id: int, by: User | None = None) -> Interview:
    interview = _locked_interview(interview_id)
    if interview.status in ACTIVE:
        _ensure_started(interview, "a no-show")
    return _move(interview, I.NO_SHOW)


def _clean_scores(scores) -> dict[str, int]:
    if not isinstance(scores, dict) or not scores:
        raise RecruitingError({"scores": "Score at least one criterion, from 1 to 5."})
    cleaned = {}
    for criterion, score in scores.items():
        name = str(criterion).strip()
        if not name:
            raise RecruitingError({"scores": "Every score needs the name of its criterion."})
        if isinstance(score, bool) or not isinstance(score, int) or score not in SCORE_RANGE:
            raise RecruitingError({"scores": f"Score {name!r} from 1 to 5 (got {score!r})."})
        cleaned[name] = score
    return cleaned


@transaction.atomic
def submit_feedback(
    *,
    interview_id: int,
    interviewer: User,
    scores: dict[str, int],
    recommendation: str,
    notes: str = "",
) -> InterviewFeedback:
    """An interviewer submits their own feedback, once, for an interview that took place.

    Feedback is accepted for a completed interview, and for a scheduled or confirmed one whose
    end time has passed: nobody may have clicked "Complete", and the feedback itself shows the
    interview happened, so such an interview is marked completed with it. Feedback for a future,
    cancelled or no-show interview is refused.
    """
    interview = _locked_interview(interview_id)
    if not interview.participants.filter(interviewer=interviewer).exists():
        raise RecruitingError(
            f"{_person(interviewer)} is not an interviewer of this interview; only its interviewers "
            "submit feedback, each their own."
        )
    if interview.status in ACTIVE and interview.scheduled_end <= timezone.now():
        _move(interview, I.COMPLETED, reason="Completed with feedback")
    if interview.status != I.COMPLETED:
        raise TransitionNotAllowed(
            f"This interview is {interview.get_status_display().lower()}"
            + (f" until {local_time(interview.scheduled_end)}" if interview.status in ACTIVE else "")
            + "; feedback is submitted for interviews that took place."
        )
    if recommendation not in Recommendation.values:
        raise RecruitingError(
            {"recommendation": f"Recommend one of: {', '.join(str(c.label) for c in Recommendation)}."}
        )
    cleaned = _clean_scores(scores)
    already = (
        f"{_person(interviewer)} already submitted feedback for this interview; edit that feedback instead."
    )
    if InterviewFeedback.objects.filter(interview=interview, interviewer=interviewer).exists():
        raise RecruitingError(already)
    try:
        with transaction.atomic():
            return InterviewFeedback.objects.create(
                interview=interview,
                interviewer=interviewer,
                scores=cleaned,
                recommendation=recommendation,
                notes=notes,
            )
    except IntegrityError as exc:
        raise RecruitingError(already) from exc
