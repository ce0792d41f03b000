"""The application lifecycle: apply, move between stages, reject, withdraw.

Every move goes through `record_transition()`, which checks `ALLOWED_TRANSITIONS` and writes an
`ApplicationStatusChange` with the seconds spent in the status being left, so reports read the
time in each status from the change log (see `recruiting.selectors.time_in_status`).

Hiring is not a move of this module: the Hire action (`recruiting.services.hiring`) creates the
employee and records the move to HIRED itself through `record_transition()`.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from people.models import User
from recruiting.models import (
    CLOSED_APPLICATION_STATUSES,
    Application,
    ApplicationStatus,
    ApplicationStatusChange,
    Candidate,
    JobPosting,
    Source,
)
from recruiting.services.errors import RecruitingError, TransitionNotAllowed

S = ApplicationStatus
CLOSED = frozenset(CLOSED_APPLICATION_STATUSES)

ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    S.PENDING_REVIEW: frozenset({S.PHONE_SCREEN, S.TECHNICAL, S.REJECTED, S.WITHDRAWN}),
    S.PHONE_SCREEN: frozenset({S.TECHNICAL, S.ONSITE_1, S.REJECTED, S.WITHDRAWN}),
    S.TECHNICAL: frozenset({S.ONSITE_1, S.FINAL, S.REJECTED, S.WITHDRAWN}),
    S.ONSITE_1: frozenset({S.FINAL, S.OFFER, S.REJECTED, S.WITHDRAWN}),
    S.FINAL: frozenset({S.OFFER, S.REJECTED, S.WITHDRAWN}),
    S.OFFER: frozenset({S.BACKGROUND_CHECK, S.HIRED, S.REJECTED, S.WITHDRAWN}),
    S.BACKGROUND_CHECK: frozenset({S.HIRED, S.REJECTED, S.WITHDRAWN}),
    S.HIRED: frozenset(),
    S.REJECTED: frozenset(),
    S.WITHDRAWN: frozenset(),
}

HIRE_HINT = "use the Hire action on the accepted offer (it also creates the employee record)"


def status_label(status: str) -> str:
    return str(S(status).label) if status in S.values else (status or "—")


def labels(statuses) -> str:
    """Human labels in pipeline order: "Technical assessment, In person, round 1 or Rejected"."""
    names = [str(choice.label) for choice in S if choice in statuses]
    if not names:
        return "nothing"
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


def allowed_moves(status: str) -> frozenset[str]:
    """Where `move_application()` may take an application in `status` (HIRED is the Hire action's)."""
    return ALLOWED_TRANSITIONS.get(status, frozenset()) - {S.HIRED}


def describe_allowed(status: str) -> str:
    """What a person can do next with an application in `status`, for refusal messages."""
    if status in CLOSED:
        return f"The application is closed ({status_label(status)}); it cannot move any more."
    text = f"From {status_label(status)} it can move to {labels(allowed_moves(status))}"
    if S.HIRED in ALLOWED_TRANSITIONS.get(status, ()):
        text += f", or to hire the candidate {HIRE_HINT}"
    return text + "."


def locked_application(application_id: int) -> Application:
    """The application, locked for the rest of the transaction (callers run in one)."""
    return (
        Application.objects.select_for_update(of=("self",))
        .select_related("candidate", "job")
        .get(pk=application_id)
    )


def ensure_open(application: Application, action: str) -> None:
    if application.status in CLOSED:
        raise TransitionNotAllowed(
            f"The application of {application.candidate} to {application.job.title} is "
            f"{status_label(application.status).lower()}; you cannot {action} for a closed application."
        )


def record_transition(
    *, application: Application, to_status: str, by: User | None = None, note: str = ""
) -> Application:
    """Move a locked application (see `locked_application`) to `to_status` if ALLOWED_TRANSITIONS
    permits it, and write the status change. Only services call this, inside their transaction;
    people and admin actions call `move_application`, `reject_application` and the like."""
    if to_status not in S.values:
        raise RecruitingError({"to_status": f"{to_status!r} is not an application status."})
    current = application.status
    if to_status == current:
        raise TransitionNotAllowed(
            f"The application is already at {status_label(current)}. {describe_allowed(current)}"
        )
    if to_status not in ALLOWED_TRANSITIONS.get(current, ()):
        raise TransitionNotAllowed(
            f"An application cannot move from {status_label(current)} to {status_label(to_status)}. "
            f"{describe_allowed(current)}"
        )
    now = timezone.now()
    seconds = max(0, int((now - application.status_changed_at).total_seconds()))
    ApplicationStatusChange.objects.create(
        application=application,
        from_status=current,
        to_status=to_status,
        changed_by=by,
        seconds_in_previous_status=seconds,
        note=note,
    )
    application.status = to_status
    application.status_changed_at = now
    application._history_user = by  # simple-history records the acting user (None: the system)
    fields = ["status", "status_changed_at", "updated_at"]
    if to_status == S.HIRED:
        application.hired_at = now
        fields.append("hired_at")
    application.save(update_fields=fields)
    return application


@transaction.atomic
def move_application(
    *, application_id: int, to_status: str, by: User | None = None, note: str = ""
) -> Application:
    """Move an application to the next stage (or reject/withdraw it without a reason)."""
    application = locked_application(application_id)
    if to_status == S.HIRED:
        raise TransitionNotAllowed(f"To hire {application.candidate}, {HIRE_HINT}.")
    if to_status == S.REJECTED and not (note or "").strip():
        raise RecruitingError({"note": "Say why the application is rejected (use Reject with a reason)."})
    if to_status == S.REJECTED:
        application.rejection_reason = note.strip()
        application.save(update_fields=["rejection_reason", "updated_at"])
    return record_transition(application=application, to_status=to_status, by=by, note=note)


@transaction.atomic
def reject_application(*, application_id: int, reason: str, by: User | None) -> Application:
    """Reject with a reason (kept on the application and in its status history)."""
    if not (reason or "").strip():
        raise RecruitingError({"reason": "Say why the application is rejected; the reason is kept."})
    return move_application(application_id=application_id, to_status=S.REJECTED, by=by, note=reason)


@transaction.atomic
def withdraw_application(*, application_id: int, by: User | None, note: str = "") -> Application:
    """The candidate withdrew (recorded by a recruiter)."""
    return move_application(application_id=application_id, to_status=S.WITHDRAWN, by=by, note=note)


@transaction.atomic
def apply(*, candidate_id: int, job_id: int, source: str, by: User | None = None) -> Application:
    """A candidate applies to a published job; the first status change (to Pending review) is
    written with the application."""
    job = JobPosting.objects.get(pk=job_id)
    candidate = Candidate.objects.get(pk=candidate_id)
    if source not in Source.values:
        raise RecruitingError(
            {"source": f"{source!r} is not a source; use one of {', '.join(Source.values)}."}
        )
    if candidate.anonymized_at is not None:
        raise RecruitingError(
            "This candidate's data was anonymised; they cannot apply again from this record."
        )
    if not job.is_open:
        raise RecruitingError(
            f"{job} is {job.get_status_display().lower()}; applications are accepted only while a job is "
            "published for recruitment. Publish it first or choose another job."
        )
    now = timezone.now()
    if job.closes_at is not None and job.closes_at <= now:
        raise RecruitingError(
            f"{job} closed for applications on {job.closes_at:%Y-%m-%d}; extend its closing date to accept more."
        )
    existing = _existing_application(candidate, job)
    if existing is None:
        try:
            with transaction.atomic():
                application = Application.objects.create(
                    candidate=candidate, job=job, source=source, status=S.PENDING_REVIEW
                )
        except IntegrityError:  # a concurrent apply for the same pair won
            existing = _existing_application(candidate, job)
    if existing is not None:
        raise RecruitingError(
            f"{candidate} already applied to {job} on {existing.applied_at:%Y-%m-%d} (application "
            f"#{existing.pk}, now {status_label(existing.status)}); open that application instead."
        )
    ApplicationStatusChange.objects.create(
        application=application, from_status="", to_status=S.PENDING_REVIEW, changed_by=by
    )
    return application


def _existing_application(candidate: Candidate, job: JobPosting) -> Application | None:
    return Application.objects.filter(candidate=candidate, job=job).first()
