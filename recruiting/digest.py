"""The recruiters' daily digest e-mail (run daily in every tenant: recruiting/schedules.py).

Each recruiter of the active tenant gets one e-mail a day listing
- their interviews today: as an interviewer, or for a job they recruit for;
- applications to their jobs stuck more than 7 days in one open status.
A recruiter is a member of the tenant who is the recruiter of at least one job or has the
recruiter role. Recruiters with nothing to report get no e-mail. People who are no longer members
(or whose account is inactive) get nothing, even if a job still names them.

Idempotent per recruiter per day: see `send_recruiter_digests`.
"""

from __future__ import annotations

import logging
import zoneinfo
from collections import defaultdict
from datetime import date, datetime, time, timedelta

from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from people.models import Membership, User
from people.roles import Role
from people.tenancy import current_tenant
from recruiting.models import (
    ACTIVE_INTERVIEW_STATUSES,
    CLOSED_APPLICATION_STATUSES,
    Application,
    DigestDelivery,
    Interview,
    JobPosting,
)
from recruiting.services.pipeline import status_label

logger = logging.getLogger("recruiting.digest")

STUCK_AFTER = timedelta(days=7)


def _midnight(day: date, zone: zoneinfo.ZoneInfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=zone)


def recruiters() -> list[User]:
    """Active members of the active tenant who recruit for a job or have the recruiter role."""
    job_recruiters = JobPosting.objects.exclude(recruiter=None).values("recruiter_id")
    member_ids = Membership.objects.filter(Q(role=Role.RECRUITER) | Q(user_id__in=job_recruiters)).values(
        "user_id"
    )
    return list(User.objects.filter(pk__in=member_ids, is_active=True).order_by("pk"))


def _interviews_by_recruiter(
    user_ids: set[int], start: datetime, end: datetime
) -> dict[int, list[Interview]]:
    """Active interviews starting in [start, end), per recruiter (interviewer or job recruiter):
    two queries (interviews with candidate and job, then their interviewers)."""
    interviews = (
        Interview.objects.filter(
            status__in=ACTIVE_INTERVIEW_STATUSES, scheduled_start__gte=start, scheduled_start__lt=end
        )
        .filter(Q(application__job__recruiter_id__in=user_ids) | Q(participants__interviewer_id__in=user_ids))
        .distinct()
        .select_related("application__candidate", "application__job")
        .prefetch_related("participants__interviewer")
        .order_by("scheduled_start", "pk")
    )
    found = defaultdict(list)
    for interview in interviews:
        people = {p.interviewer_id for p in interview.participants.all()}
        people.add(interview.application.job.recruiter_id)
        for user_id in people & user_ids:
            found[user_id].append(interview)
    return found


def _stuck_by_recruiter(user_ids: set[int], cutoff: datetime) -> dict[int, list[Application]]:
    """Open applications to the recruiters' jobs unchanged since before `cutoff` (one query)."""
    stuck = (
        Application.objects.filter(job__recruiter_id__in=user_ids, status_changed_at__lt=cutoff)
        .exclude(status__in=CLOSED_APPLICATION_STATUSES)
        .select_related("candidate", "job")
        .order_by("status_changed_at", "pk")
    )
    found = defaultdict(list)
    for application in stuck:
        found[application.job.recruiter_id].append(application)
    return found


def _message(*, tenant, user, day, zone, interviews, stuck, as_of) -> EmailMessage:
    lines = [
        f"Hello {user.get_full_name() or user.email},",
        "",
        f"your recruiting digest for {tenant.name} on {day:%A %d %B %Y}.",
    ]
    lines += ["", f"Interviews today ({len(interviews)}):"]
    for interview in interviews:
        application = interview.application
        lines.append(
            f"- {timezone.localtime(interview.scheduled_start, zone):%H:%M}–"
            f"{timezone.localtime(interview.scheduled_end, zone):%H:%M} "
            f"{interview.get_interview_type_display()} with {application.candidate} for {application.job.title}"
            f" ({interview.get_status_display().lower()})"
        )
    if not interviews:
        lines.append("- none")
    lines += ["", f"Applications stuck more than {STUCK_AFTER.days} days in one status ({len(stuck)}):"]
    for application in stuck:
        days = (as_of - application.status_changed_at).days
        lines.append(
            f"- {application.candidate} for {application.job.title}: {status_label(application.status)} "
            f"for {days} days (since {timezone.localtime(application.status_changed_at, zone):%Y-%m-%d})"
        )
    if not stuck:
        lines.append("- none")
    subject = f"[{tenant.name}] Recruiting digest {day:%Y-%m-%d}: {len(interviews)} interview(s) today, {len(stuck)} stuck application(s)"
    return EmailMessage(subject=subject, body="\n".join(lines) + "\n", to=[user.email])


def _send_after_commit(delivery_id: int, message: EmailMessage) -> None:
    """Runs after the delivery row committed. If the mail server refuses the message, the row is
    removed again so that the task's retry sends it (instead of recording a digest never sent)."""
    try:
        message.send(fail_silently=False)
    except Exception:
        DigestDelivery.objects.filter(pk=delivery_id).delete()
        raise


def send_recruiter_digests(*, day: date | None = None) -> int:
    """Send today's digest (or `day`'s) to each recruiter of the active tenant with something to
    report. Returns how many digests were sent.

    Idempotent per recruiter per day through `DigestDelivery` (unique per tenant, recipient and
    day). For each recruiter, one transaction inserts the delivery row and registers the e-mail
    with `transaction.on_commit`:
    - a crash (or error) before the commit rolls the row back and nothing was sent: a retry sends
      the digest, once;
    - after the commit the row exists, so a second run the same day (a retry, a double-scheduled
      run, a concurrent worker: its insert waits for ours and then finds the row) sends nothing;
    - a mail server error in the after-commit send deletes the row again and re-raises, so the
      task fails and its retry sends that digest.
    What remains is a process dying between the commit and the hand-over to the mail server: that
    digest is lost rather than sent twice (at most once per day, by design: a missing digest is
    noticed and harmless, duplicates train people to ignore the mail).
    Each recruiter has their own transaction, so one failure does not hold back the others, and a
    retry skips the digests already sent.
    """
    tenant = current_tenant()
    zone = zoneinfo.ZoneInfo(tenant.timezone or "UTC")
    day = day or timezone.localdate(timezone.now(), zone)
    day_start, day_end = _midnight(day, zone), _midnight(day + timedelta(days=1), zone)

    already = set(DigestDelivery.objects.filter(day=day).values_list("recipient_id", flat=True))
    people = [user for user in recruiters() if user.pk not in already]
    if not people:
        return 0
    ids = {user.pk for user in people}
    interviews = _interviews_by_recruiter(ids, day_start, day_end)
    as_of = min(timezone.now(), day_end)  # "stuck" as of sending (or the end of a past day)
    stuck = _stuck_by_recruiter(ids, as_of - STUCK_AFTER)

    sent = 0
    for user in people:
        if not interviews.get(user.pk) and not stuck.get(user.pk):
            continue  # nothing to report: no e-mail (and no delivery row: a later run may find something)
        message = _message(
            tenant=tenant,
            user=user,
            day=day,
            zone=zone,
            interviews=interviews.get(user.pk, []),
            stuck=stuck.get(user.pk, []),
            as_of=as_of,
        )
        with transaction.atomic():
            delivery, created = DigestDelivery.objects.get_or_create(recipient=user, day=day)
            if not created:
                continue  # a concurrent run sent it
            transaction.on_commit(
                lambda delivery_id=delivery.pk, message=message: _send_after_commit(delivery_id, message)
            )
        sent += 1
    logger.info(
        "recruiter digests sent", extra={"tenant_id": tenant.pk, "day": day.isoformat(), "sent": sent}
    )
    return sent
