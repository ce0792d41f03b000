"""A candidate's timeline: everything that happened to them, in date order, for the candidate page.

Built from five queries whatever the history's size: one per kind of record (applications, status
changes, interviews, offers, checks), each with its job joined. A finished record shows the moment
its service stamped (an interview's `completed_at`, `cancelled_at` or `no_show_at`; an offer's
`responded_at`, `withdrawn_at` or `expired_at`; a check's `completed_at` or `cancelled_at`). Rows
finished before those stamps existed have them empty and fall back to `updated_at`: the last write
of a finished record is the one that finished it.
"""

from dataclasses import dataclass
from datetime import datetime

from recruiting.models import (
    Application,
    ApplicationStatusChange,
    BackgroundCheck,
    CheckStatus,
    Interview,
    InterviewStatus,
    Offer,
    OfferStatus,
)
from recruiting.services.pipeline import status_label

# The field stamping each final status (empty on rows finished before the field existed).
INTERVIEW_FINISHED_AT = {
    InterviewStatus.COMPLETED: "completed_at",
    InterviewStatus.CANCELLED: "cancelled_at",
    InterviewStatus.NO_SHOW: "no_show_at",
}
OFFER_CLOSED_AT = {
    OfferStatus.ACCEPTED: "responded_at",
    OfferStatus.DECLINED: "responded_at",
    OfferStatus.WITHDRAWN: "withdrawn_at",
    OfferStatus.EXPIRED: "expired_at",
}
CHECK_FINISHED_AT = {
    CheckStatus.CLEAR: "completed_at",
    CheckStatus.CONSIDER: "completed_at",
    CheckStatus.CANCELLED: "cancelled_at",
}


def _finished_at(record, fields: dict[str, str]) -> datetime | None:
    """When `record` reached its final status: the stamped moment, else `updated_at` (rows
    finished before the stamp existed); None while it is not finished."""
    if record.status not in fields:
        return None
    return getattr(record, fields[record.status]) or record.updated_at


@dataclass(frozen=True)
class Event:
    when: datetime
    kind: str  # application, status, interview, offer, check
    job: str
    text: str
    note: str = ""
    by: str = ""


def candidate_timeline(candidate) -> list[Event]:
    events: list[Event] = []
    of_candidate = {"application__candidate": candidate}

    for application in Application.objects.filter(candidate=candidate).select_related("job"):
        events.append(
            Event(
                application.applied_at,
                "application",
                application.job.title,
                f"Applied ({application.get_source_display()})",
            )
        )

    changes = ApplicationStatusChange.objects.filter(**of_candidate).select_related(
        "application__job", "changed_by"
    )
    for change in changes:
        if not change.from_status:
            continue  # the first status, written with the application ("Applied" above)
        by = (change.changed_by.get_full_name() or change.changed_by.email) if change.changed_by else ""
        events.append(
            Event(
                change.changed_at,
                "status",
                change.application.job.title,
                f"{status_label(change.from_status)} → {status_label(change.to_status)}",
                change.note,
                by,
            )
        )

    for interview in Interview.objects.filter(**of_candidate).select_related("application__job"):
        job, kind = interview.application.job.title, interview.get_interview_type_display()
        events.append(
            Event(
                interview.created_at,
                "interview",
                job,
                f"{kind} interview scheduled for {interview.scheduled_start:%Y-%m-%d %H:%M}",
            )
        )
        finished_at = _finished_at(interview, INTERVIEW_FINISHED_AT)
        if finished_at is not None:
            events.append(
                Event(
                    finished_at,
                    "interview",
                    job,
                    f"{kind} interview: {interview.get_status_display().lower()}",
                )
            )

    for offer in Offer.objects.filter(**of_candidate).select_related("application__job"):
        job, money = offer.application.job.title, f"{offer.salary:,.2f} {offer.currency}"
        events.append(Event(offer.created_at, "offer", job, f"Offer drafted ({money})"))
        if offer.sent_at:
            events.append(Event(offer.sent_at, "offer", job, f"Offer sent ({money})"))
        closed_at = _finished_at(offer, OFFER_CLOSED_AT)
        if closed_at is not None:
            events.append(Event(closed_at, "offer", job, f"Offer {offer.get_status_display().lower()}"))

    for check in BackgroundCheck.objects.filter(**of_candidate).select_related("application__job"):
        job = check.application.job.title
        events.append(Event(check.requested_at, "check", job, f"{check.provider} background check requested"))
        finished_at = _finished_at(check, CHECK_FINISHED_AT)
        if finished_at is not None:
            events.append(
                Event(
                    finished_at,
                    "check",
                    job,
                    f"{check.provider} background check {check.get_status_display().lower()}",
                    check.result,
                )
            )

    return sorted(events, key=lambda event: event.when)  # stable: same moment keeps kind order
