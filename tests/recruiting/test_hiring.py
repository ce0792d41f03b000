"""The hiring hand-off: the allowed path, every refusal, openings and tenant isolation."""

import datetime
import threading

import pytest
from django.db import connection
from django.utils import timezone

from people.models import Employee, EmploymentType
from people.tenancy import tenant_context
from recruiting.models import (
    Application,
    ApplicationStatus,
    ApplicationStatusChange,
    Candidate,
    CheckStatus,
    JobPosting,
    JobStatus,
    OfferStatus,
)
from recruiting.services.errors import RecruitingError, TransitionNotAllowed
from recruiting.services.hiring import hire
from tests.people.factories import DepartmentFactory, EmployeeFactory
from tests.recruiting.factories import (
    ApplicationFactory,
    BackgroundCheckFactory,
    CandidateFactory,
    JobPostingFactory,
    OfferFactory,
)

pytestmark = pytest.mark.django_db

START = datetime.date(2026, 9, 1)


def hireable(job=None, **candidate_fields):
    """An application in the offer stage with an accepted offer starting on START."""
    job = job or JobPostingFactory()
    candidate = CandidateFactory(**candidate_fields)
    application = ApplicationFactory(candidate=candidate, job=job, status=ApplicationStatus.OFFER)
    OfferFactory(application=application, status=OfferStatus.ACCEPTED, start_date=START)
    return application


@pytest.fixture
def job(in_tenant_a):
    manager = EmployeeFactory(first_name="Mia", last_name="Manager")
    return JobPostingFactory(
        title="Data Engineer",
        department=DepartmentFactory(name="Data"),
        hiring_manager=manager,
        employment_type=EmploymentType.CONTRACTOR,
        openings=2,
        published_on_career_page=True,
    )


def test_hire_creates_the_employee_from_the_candidate_and_the_job(job, user_a):
    application = hireable(
        job, first_name="Ada", last_name="Lovelace", email="ada@mail.example", phone="+49 30 1"
    )
    Application.objects.filter(pk=application.pk).update(
        status_changed_at=timezone.now() - datetime.timedelta(days=3)
    )
    BackgroundCheckFactory(application=application, status=CheckStatus.CLEAR)
    BackgroundCheckFactory(application=application, status=CheckStatus.CANCELLED)  # ignored

    employee = hire(application_id=application.pk, by=user_a)

    employee.refresh_from_db()
    assert (employee.first_name, employee.last_name, employee.work_email) == (
        "Ada",
        "Lovelace",
        "ada@mail.example",
    )
    assert (employee.department, employee.job_title, employee.manager) == (
        job.department,
        "Data Engineer",
        job.hiring_manager,
    )
    assert (employee.hire_date, employee.employment_type) == (START, EmploymentType.CONTRACTOR)
    assert employee.employee_number.startswith("E") and employee.tenant_id == job.tenant_id
    assert employee.history.get().history_user == user_a
    candidate = Candidate.objects.get(pk=application.candidate_id)
    assert candidate.employee == employee
    application.refresh_from_db()
    assert application.status == ApplicationStatus.HIRED and application.hired_at is not None
    change = ApplicationStatusChange.objects.get(application=application)
    assert (change.from_status, change.to_status, change.changed_by) == (
        ApplicationStatus.OFFER,
        ApplicationStatus.HIRED,
        user_a,
    )
    assert change.seconds_in_previous_status >= 3 * 86400
    job.refresh_from_db()
    assert (job.openings, job.status, job.published_on_career_page) == (1, JobStatus.PUBLISHED, True)


def test_an_explicit_start_date_overrides_the_offers(job):
    application = hireable(job)
    assert hire(application_id=application.pk, start_date=datetime.date(2026, 10, 1)).hire_date == (
        datetime.date(2026, 10, 1)
    )


def test_the_last_opening_fills_and_unpublishes_the_job(job):
    hire(application_id=hireable(job).pk)
    hire(application_id=hireable(job).pk)
    job.refresh_from_db()
    assert (job.openings, job.status, job.published_on_career_page) == (0, JobStatus.FILLED, False)
    with pytest.raises(RecruitingError, match="no open position left"):
        hire(application_id=hireable(job).pk)
    assert Employee.objects.count() == 3  # the manager and the two hires


@pytest.mark.parametrize(
    ("offer_status", "found"),
    [
        (None, "offers: none"),
        (OfferStatus.SENT, "offers: sent, pending response"),
        (OfferStatus.DECLINED, "declined"),
    ],
)
def test_hire_needs_an_accepted_offer(job, offer_status, found):
    application = ApplicationFactory(job=job, status=ApplicationStatus.OFFER)
    if offer_status:
        OfferFactory(application=application, status=offer_status)
    with pytest.raises(
        TransitionNotAllowed, match=f"no accepted offer.*{found}.*Record the candidate's acceptance"
    ):
        hire(application_id=application.pk)
    assert not Employee.objects.filter(work_email=application.candidate.email).exists()


@pytest.mark.parametrize(
    ("check_status", "message"),
    [
        (CheckStatus.REQUESTED, r"not finished \(requested\)"),
        (CheckStatus.IN_PROGRESS, r"not finished \(in progress\)"),
        (CheckStatus.DOCUMENTS, "not finished"),
        (CheckStatus.CONSIDER, "completed with findings to review"),
    ],
)
def test_hire_needs_every_background_check_clear(job, check_status, message):
    application = hireable(job)
    BackgroundCheckFactory(application=application, status=CheckStatus.CLEAR)
    BackgroundCheckFactory(application=application, status=check_status, provider="Sterling")
    with pytest.raises(TransitionNotAllowed, match=f"The Sterling background check .*{message}"):
        hire(application_id=application.pk)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.OFFER
    job.refresh_from_db()
    assert job.openings == 2


def test_hiring_twice_is_refused(job):
    application = hireable(job)
    hire(application_id=application.pk)
    today = timezone.now().date()
    with pytest.raises(TransitionNotAllowed, match=f"already hired on {today:%Y-%m-%d}"):
        hire(application_id=application.pk)
    job.refresh_from_db()
    assert job.openings == 1
    assert ApplicationStatusChange.objects.filter(application=application).count() == 1


def test_a_candidate_already_linked_to_an_employee_is_refused(job):
    first = hireable(job)
    employee = hire(application_id=first.pk)
    other_job_application = hireable(JobPostingFactory(), email="x@mail.example")
    Candidate.objects.filter(pk=other_job_application.candidate_id).update(employee=employee)
    with pytest.raises(RecruitingError, match="already linked to the employee"):
        hire(application_id=other_job_application.pk)


def test_an_existing_work_email_is_refused_suggesting_to_link(job):
    existing = EmployeeFactory(work_email="ada@mail.example", first_name="Ada", last_name="Existing")
    application = hireable(job, email="ADA@mail.example")
    with pytest.raises(
        RecruitingError,
        match=rf"work e-mail ada@mail.example already exists: Ada Existing \({existing.employee_number}\)\. Link the candidate",
    ):
        hire(application_id=application.pk)
    assert Candidate.objects.get(pk=application.candidate_id).employee is None


@pytest.mark.parametrize("status", [ApplicationStatus.REJECTED, ApplicationStatus.WITHDRAWN])
def test_closed_applications_cannot_be_hired(job, status):
    application = hireable(job)
    Application.objects.filter(pk=application.pk).update(status=status)
    with pytest.raises(TransitionNotAllowed, match="cannot lead to a hire"):
        hire(application_id=application.pk)


def test_hire_cannot_reach_another_tenants_application(tenant_a, tenant_b):
    with tenant_context(tenant_b):
        foreign = hireable()
    with tenant_context(tenant_a), pytest.raises(Application.DoesNotExist):
        hire(application_id=foreign.pk)
    with tenant_context(tenant_b):
        assert not Employee.objects.exists()
        assert JobPosting.objects.get(pk=foreign.job_id).openings == 1
    with tenant_context(tenant_a):
        # The same e-mail as an employee in tenant B does not block a hire in tenant A.
        EmployeeFactory(work_email="shared@mail.example")
    with tenant_context(tenant_b):
        application = hireable(email="shared@mail.example")
        assert hire(application_id=application.pk).tenant_id == tenant_b.pk


# --- PostgreSQL: two simultaneous hires of the last opening -----------------------------------
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_hires_cannot_both_take_the_last_opening(tenant_a):
    with tenant_context(tenant_a):
        job = JobPostingFactory(openings=1)
        applications = [hireable(job), hireable(job)]
    barrier, outcomes = threading.Barrier(2), []

    def attempt(application_id):
        try:
            with tenant_context(tenant_a):
                barrier.wait(timeout=10)
                hire(application_id=application_id)
            outcomes.append("ok")
        except RecruitingError as exc:
            outcomes.append(str(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(a.pk,)) for a in applications]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes)[1] == "ok" and "no open position left" in sorted(outcomes)[0]
    with tenant_context(tenant_a):
        assert Employee.objects.count() == 1
        assert JobPosting.objects.get(pk=job.pk).openings == 0
