"""A candidate's timeline: everything that happened to them, in date order, for the candidate page.

Built from five queries whatever the history's size: one per kind of record (applications, status
changes, interviews, offers, checks), each with its job joined. Moments a record does not stamp
(an interview completed or cancelled, an offer expired, a check cancelled) use its `updated_at`:
the last write of a finished record is the one that finished it.
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

FINISHED_INTERVIEW = {InterviewStatus.COMPLETED, InterviewStatus.CANCELLED, InterviewStatus.NO_SHOW}


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
        if interview.status in FINISHED_INTERVIEW:
            events.append(
                Event(
                    interview.updated_at,
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
        if offer.responded_at:
            events.append(
                Event(offer.responded_at, "offer", job, f"Offer {offer.get_status_display().lower()}")
            )
        elif offer.status == OfferStatus.EXPIRED:
            events.append(Event(offer.updated_at, "offer", job, "Offer expired"))

    for check in BackgroundCheck.objects.filter(**of_candidate).select_related("application__job"):
        job = check.application.job.title
        events.append(Event(check.requested_at, "check", job, f"{check.provider} background check requested"))
        if check.completed_at:
            events.append(
                Event(
                    check.completed_at,
                    "check",
                    job,
                    f"{check.provider} background check {check.get_status_display().lower()}",
                    check.result,
                )
            )
        elif check.status == CheckStatus.CANCELLED:
            events.append(
                Event(
                    check.updated_at,
                    "check",
                    job,
                    f"{check.provider} background check cancelled",
                    check.result,
                )
            )

    return sorted(events, key=lambda event: event.when)  # stable: same moment keeps kind order
