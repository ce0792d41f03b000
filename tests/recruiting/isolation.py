"""Isolation factories of the recruiting admins (see tests/isolation.py)."""

import itertools

from recruiting.models import Application, BackgroundCheck, Candidate, Interview, JobPosting, Offer
from tests.isolation import isolation_factory
from tests.recruiting.factories import (
    ApplicationFactory,
    BackgroundCheckFactory,
    CandidateFactory,
    InterviewFactory,
    JobPostingFactory,
    OfferFactory,
)

_job_codes = itertools.count(1)


@isolation_factory(JobPosting, search_term=lambda job: job.reference_code)
def job_for_isolation():
    # Codes are per tenant (both tenants' first job would be JOB-0001): make the two tell apart.
    return JobPostingFactory(reference_code=f"ISO-{next(_job_codes):05d}")


@isolation_factory(Candidate, search_term=lambda candidate: candidate.email)
def candidate_for_isolation():
    return CandidateFactory()


@isolation_factory(Application, search_term=lambda application: application.candidate.email)
def application_for_isolation():
    application = ApplicationFactory()
    InterviewFactory(application=application)
    OfferFactory(application=application)
    BackgroundCheckFactory(application=application)
    return application


@isolation_factory(Interview, search_term=lambda interview: interview.application.candidate.last_name)
def interview_for_isolation():
    return InterviewFactory()


@isolation_factory(Offer, search_term=lambda offer: offer.application.candidate.last_name)
def offer_for_isolation():
    return OfferFactory()


@isolation_factory(BackgroundCheck, search_term=lambda check: check.application.candidate.last_name)
def check_for_isolation():
    return BackgroundCheckFactory()
