"""The hiring hand-off: an accepted offer becomes a people.Employee.

`hire()` locks the application, the candidate and the job (in that order, so concurrent hires
cannot deadlock), checks every precondition, creates the employee pre-filled from the candidate
and the job, links the candidate, moves the application to HIRED (with its status-change row) and
takes one opening off the job, which is closed as filled (and taken off the careers page) at zero.
Two concurrent hires of one application, or of the last opening, serialise on those locks: the
second sees the first's result and is refused.

Background checks: every check of the application must be `completed_clear`; a cancelled check
is ignored (it produced no result). A check still running or completed with findings
("consider") blocks the hire until someone resolves it.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from people.models import Employee, User
from people.tenancy import current_tenant
from recruiting.models import (
    Application,
    ApplicationStatus,
    Candidate,
    CheckStatus,
    JobPosting,
    JobStatus,
    OfferStatus,
)
from recruiting.services.errors import RecruitingError, TransitionNotAllowed
from recruiting.services.pipeline import record_transition


def _accepted_offer(application: Application):
    offers = list(application.offers.order_by("-created_at", "-pk"))
    accepted = next((offer for offer in offers if offer.status == OfferStatus.ACCEPTED), None)
    if accepted is None:
        found = ", ".join(offer.get_status_display().lower() for offer in offers) or "none"
        raise TransitionNotAllowed(
            f"{application.candidate.full_name} has no accepted offer for {application.job.title} "
            f"(offers: {found}). Record the candidate's acceptance of an offer before hiring."
        )
    return accepted


def _ensure_checks_clear(application: Application) -> None:
    for check in application.background_checks.exclude(status=CheckStatus.CANCELLED).order_by("pk"):
        if check.status == CheckStatus.CLEAR:
            continue
        if check.status == CheckStatus.CONSIDER:
            raise TransitionNotAllowed(
                f"The {check.provider} background check completed with findings to review "
                "(needs review). Resolve it, or cancel the check, before hiring."
            )
        raise TransitionNotAllowed(
            f"The {check.provider} background check is not finished "
            f"({check.get_status_display().lower()}). Hire once it has completed clear."
        )


def _ensure_hireable(application: Application, candidate: Candidate, job: JobPosting) -> None:
    if application.status == ApplicationStatus.HIRED:
        when = f" on {application.hired_at:%Y-%m-%d}" if application.hired_at else ""
        raise TransitionNotAllowed(
            f"{candidate.full_name} was already hired{when} for {job.title}; nothing to do."
        )
    if application.status in (ApplicationStatus.REJECTED, ApplicationStatus.WITHDRAWN):
        raise TransitionNotAllowed(
            f"This application is {application.get_status_display().lower()}; it cannot lead to a hire."
        )
    if candidate.anonymized_at is not None:
        raise RecruitingError(f"Candidate #{candidate.pk} was anonymised; their data is gone.")
    if candidate.employee_id is not None:
        raise RecruitingError(
            f"{candidate.full_name} is already linked to the employee {candidate.employee}; "
            "update that employee record instead of hiring again."
        )
    if job.status in (JobStatus.FILLED, JobStatus.CANCELLED) or job.openings <= 0:
        raise RecruitingError(
            f"{job} has no open position left ({job.get_status_display().lower()}, "
            f"{job.openings} openings). Add an opening to the job first."
        )
    existing = Employee.objects.filter(work_email=candidate.email).first()
    if existing is not None:
        raise RecruitingError(
            f"An employee with the work e-mail {candidate.email} already exists: {existing}. "
            "Link the candidate to that employee instead of creating a second record."
        )


def _take_opening(job: JobPosting, *, by: User | None) -> None:
    job.openings -= 1
    fields = ["openings", "updated_at"]
    if job.openings == 0:
        job.status = JobStatus.FILLED
        job.published_on_career_page = False
        fields += ["status", "published_on_career_page"]
    job._history_user = by
    job.save(update_fields=fields)


@transaction.atomic
def hire(*, application_id: int, by: User | None = None, start_date: datetime.date | None = None) -> Employee:
    """Create the employee for an application with an accepted offer and clear checks.

    `start_date` overrides the offer's start date as the hire date.
    """
    application = Application.objects.select_for_update().get(pk=application_id)
    candidate = Candidate.objects.select_for_update().get(pk=application.candidate_id)
    job = JobPosting.objects.select_for_update().get(pk=application.job_id)
    application.candidate, application.job = candidate, job
    _ensure_hireable(application, candidate, job)
    offer = _accepted_offer(application)
    _ensure_checks_clear(application)

    employee = Employee(
        tenant=current_tenant(),
        first_name=candidate.first_name,
        last_name=candidate.last_name,
        work_email=candidate.email,
        phone=candidate.phone,
        job_title=job.title,
        department_id=job.department_id,
        manager_id=job.hiring_manager_id,
        employment_type=job.employment_type,
        hire_date=start_date or offer.start_date,
        location=job.location,
    )
    try:
        employee.full_clean(exclude=["employee_number"], validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        raise RecruitingError(
            f"The employee record for {candidate.full_name} is not valid: {'; '.join(exc.messages)} "
            "Correct the candidate or the job, then hire again."
        ) from exc
    employee._history_user = by
    try:
        with transaction.atomic():
            employee.save()
    except IntegrityError as exc:  # a concurrent write took the work e-mail
        raise RecruitingError(
            f"An employee with the work e-mail {candidate.email} was just created; link the candidate "
            "to that employee instead."
        ) from exc

    candidate.employee = employee
    candidate._history_user = by
    candidate.save(update_fields=["employee", "updated_at"])
    record_transition(
        application=application,
        to_status=ApplicationStatus.HIRED,
        by=by,
        note=f"Hired as employee {employee.employee_number}",
    )
    _take_opening(job, by=by)
    return employee
