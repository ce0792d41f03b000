"""Demo data of the recruiting app, added by `manage.py bootstrap_demo_tenant` (see people/registry.py).

Five pipeline jobs (one published, draft, on hold, filled and cancelled) and six more open
positions on the careers page (no applicants yet, posted over the last weeks, in several
categories, places and working models, so the public page's search and filters have something to
show), 20 candidates with a small
generated PDF CV each, applications spread over the pipeline, 8 scheduled and 3 completed
interviews (with feedback), 2 sent offers and 1 accepted, 3 background checks in progress and
2 completed clear. Departments and hiring managers come from the people demo data when it is
there (people's demo runs first: PROJECT_APPS order); the interviewers and the recruiter are the
demo staff accounts recruiter@ and hiring-manager@demo.localhost when they are members.

Everything goes through the recruiting services, so the pipeline rules hold and history is
written. Only the application dates are spread over the last weeks afterwards (a direct update,
so the "applications per week" chart and the recruiters' digest have something to show); they
are bookkeeping dates no rule depends on. Idempotent: a tenant that already has job postings gets
nothing new.
"""

from __future__ import annotations

import zoneinfo
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from people.models import Department, Employee, EmploymentType, Membership, User
from recruiting.models import (
    Application,
    ApplicationStatus,
    ApplicationStatusChange,
    InterviewType,
    JobPosting,
    JobStatus,
    Recommendation,
    RemotePolicy,
    Source,
)
from recruiting.services import checks, interviews, jobs, offers, pipeline
from recruiting.services.candidates import create_candidate

S = ApplicationStatus
RECRUITER_EMAIL = "recruiter@demo.localhost"
HIRING_MANAGER_EMAIL = "hiring-manager@demo.localhost"
# A minimal valid PDF: enough for recruiting.validators.validate_cv (checked by content).
CV_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

# (title, department, hiring manager's work e-mail, final state, remote policy, category)
JOBS = [
    (
        "Senior Backend Engineer",
        "Platform",
        "alan.turing@demo.localhost",
        JobStatus.PUBLISHED,
        RemotePolicy.HYBRID,
        "Engineering",
    ),
    (
        "Product Designer",
        "Engineering",
        "alan.turing@demo.localhost",
        JobStatus.ON_HOLD,
        RemotePolicy.REMOTE,
        "Design",
    ),
    (
        "Account Executive",
        "Sales",
        "claude.shannon@demo.localhost",
        JobStatus.FILLED,
        RemotePolicy.ON_SITE,
        "Sales",
    ),
    (
        "People Partner",
        "People Operations",
        "ada.lovelace@demo.localhost",
        JobStatus.DRAFT,
        RemotePolicy.HYBRID,
        "People",
    ),
    (
        "Data Analyst",
        "Engineering",
        "alan.turing@demo.localhost",
        JobStatus.CANCELLED,
        RemotePolicy.REMOTE,
        "Data",
    ),
]

# Open positions on the careers page, without applicants: (title, department, category, location,
# remote policy, employment type, days since posted, salary range or None).
CAREERS_JOBS = [
    ("Site Reliability Engineer", "Platform", "Engineering", "Berlin", RemotePolicy.HYBRID,
     EmploymentType.FULL_TIME, 2, ("65000.00", "90000.00")),
    ("Frontend Developer", "Engineering", "Engineering", "Hamburg", RemotePolicy.REMOTE,
     EmploymentType.FULL_TIME, 5, ("55000.00", "75000.00")),
    ("UX Researcher", "Engineering", "Design", "Berlin", RemotePolicy.HYBRID,
     EmploymentType.PART_TIME, 9, None),
    ("Sales Development Representative", "Sales", "Sales", "Munich", RemotePolicy.ON_SITE,
     EmploymentType.FULL_TIME, 14, ("42000.00", "52000.00")),
    ("Working Student Data", "Engineering", "Data", "Berlin", RemotePolicy.HYBRID,
     EmploymentType.INTERN, 21, None),
    ("Recruiting Coordinator", "People Operations", "People", "Munich", RemotePolicy.ON_SITE,
     EmploymentType.TEMPORARY, 30, ("40000.00", "48000.00")),
]  # fmt: skip

CANDIDATES = [
    ("Linus", "Torvalds"),
    ("Radia", "Perlman"),
    ("Guido", "Rossum"),
    ("Hedy", "Lamarr"),
    ("Dennis", "Ritchie"),
    ("Karen", "Jones"),
    ("Tim", "Berners"),
    ("Shafi", "Goldwasser"),
    ("Edsger", "Dijkstra"),
    ("Sophie", "Wilson"),
    ("Bjarne", "Stroustrup"),
    ("Adele", "Goldberg"),
    ("Niklaus", "Wirth"),
    ("Jean", "Sammet"),
    ("Leslie", "Lamport"),
    ("Evelyn", "Berezin"),
    ("Tony", "Hoare"),
    ("Mary", "Keller"),
    ("Butler", "Lampson"),
    ("Annie", "Easley"),
]
SOURCES = [Source.CAREER_PAGE, Source.LINKEDIN, Source.REFERRAL, Source.JOB_BOARD, Source.AGENCY]

# Candidate index -> (job index, stage path after Pending review). Applications to the on-hold
# and the filled job were made while they were published.
APPLICATIONS = {
    0: (0, []),
    1: (0, []),
    2: (0, []),
    3: (0, [S.PHONE_SCREEN]),
    4: (0, [S.PHONE_SCREEN]),
    5: (0, [S.PHONE_SCREEN, S.TECHNICAL]),
    6: (0, [S.PHONE_SCREEN, S.TECHNICAL]),
    7: (0, [S.PHONE_SCREEN, S.TECHNICAL, S.ONSITE_1]),
    8: (0, [S.PHONE_SCREEN, S.TECHNICAL, S.ONSITE_1]),
    9: (0, [S.PHONE_SCREEN, S.TECHNICAL, S.ONSITE_1, S.FINAL]),
    10: (0, [S.PHONE_SCREEN, S.TECHNICAL, S.ONSITE_1, S.FINAL]),
    11: (0, [S.PHONE_SCREEN, S.TECHNICAL, S.ONSITE_1, S.FINAL]),  # offer sent, then a check
    12: (0, [S.PHONE_SCREEN, S.TECHNICAL, S.ONSITE_1, S.FINAL]),  # offer sent, waiting
    13: (0, [S.PHONE_SCREEN, S.TECHNICAL, S.ONSITE_1, S.FINAL]),  # offer accepted, check clear
    14: (1, []),
    15: (1, [S.PHONE_SCREEN]),
    16: (1, [S.PHONE_SCREEN]),
    17: (2, [S.PHONE_SCREEN, S.REJECTED]),
    18: (2, [S.REJECTED]),
    19: (2, [S.PHONE_SCREEN, S.WITHDRAWN]),
}
# (candidate, interview type, days from today, local hour): 8 upcoming interviews.
SCHEDULED_INTERVIEWS = [
    (0, InterviewType.PHONE, 0, 16),
    (3, InterviewType.PHONE, 0, 17),
    (1, InterviewType.PHONE, 1, 10),
    (4, InterviewType.TECHNICAL, 1, 14),
    (6, InterviewType.TECHNICAL, 2, 11),
    (8, InterviewType.FINAL, 3, 10),
    (10, InterviewType.FINAL, 4, 15),
    (2, InterviewType.PHONE, 6, 10),
]
# (candidate, interview type, days ago, local hour): 3 interviews that took place, with feedback.
COMPLETED_INTERVIEWS = [
    (5, InterviewType.TECHNICAL, 3, 10),
    (7, InterviewType.ONSITE_1, 2, 14),
    (9, InterviewType.FINAL, 1, 11),
]
SENT_OFFERS = [11, 12]
ACCEPTED_OFFER = 13
CHECKS_IN_PROGRESS = [8, 10, 11]
CHECKS_CLEAR = [9, 13]
CHECK_DOCUMENTS = ["Passport", "Criminal record", "Degree certificate"]


def _local(day, hour: int, zone) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=zone)


@transaction.atomic
def build_demo_data(*, tenant, stdout) -> bool:
    if JobPosting.objects.exists():
        return False
    zone = zoneinfo.ZoneInfo(tenant.timezone or "UTC")
    now = timezone.now()
    today = timezone.localdate(now, zone)
    users = {u.email: u for u in User.objects.filter(email__in=[RECRUITER_EMAIL, HIRING_MANAGER_EMAIL])}
    members = set(Membership.objects.filter(user__in=users.values()).values_list("user__email", flat=True))
    recruiter = users.get(RECRUITER_EMAIL) if RECRUITER_EMAIL in members else None
    interviewer_ids = [
        users[email].pk for email in (HIRING_MANAGER_EMAIL, RECRUITER_EMAIL) if email in members
    ]
    departments = {d.name: d for d in Department.objects.all()}
    managers = {e.work_email: e for e in Employee.objects.all()}

    job_rows = []
    for title, department, manager, _state, remote, category in JOBS:
        job_rows.append(
            JobPosting.objects.create(
                title=title,
                department=departments.get(department),
                hiring_manager=managers.get(manager),
                recruiter=recruiter,
                location="Berlin",
                remote_policy=remote,
                category=category,
                description=f"Join our {category.lower()} team as a {title}.",
                requirements="Three years of relevant experience; curiosity; clear writing.",
                skills=[category.lower(), "communication"],
                salary_min=Decimal("55000.00"),
                salary_max=Decimal("85000.00"),
                openings=1,
                closes_at=now + timedelta(days=60),
            )
        )
    for job, (*_, state, _remote, _category) in zip(job_rows, JOBS, strict=True):
        if state in (JobStatus.PUBLISHED, JobStatus.ON_HOLD, JobStatus.FILLED):
            jobs.publish_job(job_id=job.pk)

    open_positions = _careers_jobs(departments, recruiter, now)

    candidates = []
    for index, (first, last) in enumerate(CANDIDATES):
        slug = f"{first}-{last}".lower()
        candidates.append(
            create_candidate(
                first_name=first,
                last_name=last,
                email=f"{slug}@candidates.example",
                phone=f"+49 30 555 {index:04d}",
                location="Berlin" if index % 3 else "Remote",
                current_title="Software Engineer" if index < 14 else "Specialist",
                source=SOURCES[index % len(SOURCES)],
                tags=["demo"],
                cv=ContentFile(CV_PDF, name=f"cv-{slug}.pdf"),
                consent_given_at=now,
                retention_until=today + timedelta(days=365),
            )
        )

    applications = {}
    for index, (job_index, path) in APPLICATIONS.items():
        candidate = candidates[index]
        application = pipeline.apply(
            candidate_id=candidate.pk, job_id=job_rows[job_index].pk, source=candidate.source, by=recruiter
        )
        for status in path:
            if status == S.REJECTED:
                pipeline.reject_application(
                    application_id=application.pk,
                    reason="Position filled by another candidate.",
                    by=recruiter,
                )
            else:
                pipeline.move_application(application_id=application.pk, to_status=status, by=recruiter)
        applications[index] = application

    for job, (*_, state, _remote, _category) in zip(job_rows, JOBS, strict=True):
        if state in (JobStatus.FILLED, JobStatus.CANCELLED):
            jobs.close_job(job_id=job.pk, filled=state == JobStatus.FILLED)
        elif state == JobStatus.ON_HOLD:  # no service: holding a job is a plain status change
            job.refresh_from_db()
            job.status = JobStatus.ON_HOLD
            job.save(update_fields=["status", "updated_at"])

    scheduled = completed = 0
    if interviewer_ids:
        for index, kind, days, hour in SCHEDULED_INTERVIEWS:
            start = _local(today + timedelta(days=days), hour, zone)
            interviews.schedule_interview(
                application_id=applications[index].pk,
                interview_type=kind,
                start=start,
                end=start + timedelta(hours=1),
                interviewer_ids=interviewer_ids,
                meeting_link="https://meet.example/demo",
                by=recruiter,
            )
            scheduled += 1
        for index, kind, days_ago, hour in COMPLETED_INTERVIEWS:
            start = _local(today - timedelta(days=days_ago), hour, zone)
            interview = interviews.schedule_interview(
                application_id=applications[index].pk,
                interview_type=kind,
                start=start,
                end=start + timedelta(hours=1),
                interviewer_ids=interviewer_ids,
                location="Berlin office",
                by=recruiter,
            )
            interviews.complete_interview(interview_id=interview.pk, by=recruiter)
            for interviewer in User.objects.filter(pk__in=interviewer_ids).order_by("pk"):
                interviews.submit_feedback(
                    interview_id=interview.pk,
                    interviewer=interviewer,
                    scores={"technical depth": 4, "communication": 5, "collaboration": 4},
                    recommendation=Recommendation.YES,
                    notes="Solid answers; clear reasoning.",
                )
            completed += 1

    sent = []
    for index in [*SENT_OFFERS, ACCEPTED_OFFER]:
        offer = offers.draft_offer(
            application_id=applications[index].pk,
            salary=Decimal("72000.00"),
            currency=tenant.default_currency,
            start_date=today + timedelta(days=45),
            by=recruiter,
        )
        sent.append(offers.send_offer(offer_id=offer.pk, by=recruiter))
    offers.accept_offer(offer_id=sent[-1].pk, by=recruiter)

    for index in CHECKS_IN_PROGRESS + CHECKS_CLEAR:
        check = checks.request_background_check(
            application_id=applications[index].pk,
            provider="Checkr",
            package="Standard",
            document_types=CHECK_DOCUMENTS,
            by=recruiter,
        )
        if index in CHECKS_CLEAR:
            for document_id in check.documents.order_by("pk").values_list("pk", flat=True):
                checks.verify_document(document_id=document_id, by=recruiter)

    _spread_application_dates(applications, now)
    stdout.write(
        f"  recruiting: {len(job_rows)} pipeline jobs and {open_positions} more open on the careers page, "
        f"{len(candidates)} candidates with CVs, "
        f"{len(applications)} applications, {scheduled} scheduled and {completed} completed interviews, "
        f"{len(SENT_OFFERS)} pending offers and 1 accepted, {len(CHECKS_IN_PROGRESS)} background checks "
        f"in progress and {len(CHECKS_CLEAR)} clear"
    )
    return True


def _careers_jobs(departments: dict, recruiter, now: datetime) -> int:
    """Create and publish CAREERS_JOBS; their posting dates are then spread over the last weeks
    (a direct update, like the application dates: "posted N days ago" is bookkeeping)."""
    for title, department, category, location, remote, employment, days, salary in CAREERS_JOBS:
        low, high = (Decimal(amount) for amount in salary) if salary else (None, None)
        job = JobPosting.objects.create(
            title=title,
            department=departments.get(department),
            recruiter=recruiter,
            location=location,
            remote_policy=remote,
            employment_type=employment,
            category=category,
            description=(
                f"<p>We are looking for a <b>{title}</b> to join our {category.lower()} team in {location}.</p>"
                "<ul><li>Work on products our customers use every day</li>"
                "<li>Learning budget and flexible hours</li></ul>"
            ),
            requirements="Relevant experience or a strong wish to learn; clear writing in English or German.",
            skills=[category.lower(), "communication", "teamwork"],
            salary_min=low,
            salary_max=high,
            openings=1,
            closes_at=now + timedelta(days=60),
        )
        jobs.publish_job(job_id=job.pk)
        JobPosting.objects.filter(pk=job.pk).update(published_at=now - timedelta(days=days, hours=3))
    return len(CAREERS_JOBS)


def _spread_application_dates(applications: dict[int, Application], now: datetime) -> None:
    """Applications arrived over the last eight weeks, not all in this second: spread `applied_at`
    (and, for those still waiting for review, the time they entered that status, so some are
    "stuck" for the digest). Bookkeeping dates only; no pipeline rule reads them."""
    for index, application in applications.items():
        applied = now - timedelta(days=3 + (index * 37) % 54, hours=index)
        Application.objects.filter(pk=application.pk).update(applied_at=applied)
        if not APPLICATIONS[index][1]:  # never moved: in Pending review since it applied
            Application.objects.filter(pk=application.pk).update(status_changed_at=applied)
            ApplicationStatusChange.objects.filter(application_id=application.pk).update(changed_at=applied)
