"""The recruiting demo data added by `bootstrap_demo_tenant`: the counts the issue names, once."""

from io import StringIO

import pytest
from django.core.management import call_command

from people.models import Tenant
from people.tenancy import tenant_context
from recruiting.models import (
    Application,
    BackgroundCheck,
    Candidate,
    CheckStatus,
    Interview,
    InterviewFeedback,
    InterviewStatus,
    JobPosting,
    JobStatus,
    Offer,
    OfferStatus,
)
from recruiting.validators import sniff_document_type

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path  # the generated CVs stay out of the repository


def bootstrap() -> str:
    out = StringIO()
    call_command("bootstrap_demo_tenant", "--password", "demo-pass-2026", stdout=out)
    return out.getvalue()


def counts() -> dict:
    return {
        "jobs": sorted(JobPosting.objects.values_list("status", flat=True)),
        "candidates": Candidate.objects.count(),
        "applications": Application.objects.count(),
        "scheduled": Interview.objects.filter(status=InterviewStatus.SCHEDULED).count(),
        "completed": Interview.objects.filter(status=InterviewStatus.COMPLETED).count(),
        "feedback": InterviewFeedback.objects.count(),
        "sent_offers": Offer.objects.filter(status=OfferStatus.SENT).count(),
        "accepted_offers": Offer.objects.filter(status=OfferStatus.ACCEPTED).count(),
        "checks_in_progress": BackgroundCheck.objects.filter(status=CheckStatus.IN_PROGRESS).count(),
        "checks_clear": BackgroundCheck.objects.filter(status=CheckStatus.CLEAR).count(),
        "history": Application.history.count() + Candidate.history.count(),
    }


def test_bootstrap_adds_the_recruiting_demo_data_once():
    out = bootstrap()
    assert "recruiting: 5 pipeline jobs and 6 more open on the careers page, 20 candidates" in out
    assert "demo data added: recruiting" in out
    tenant = Tenant.objects.get(slug="demo")
    with tenant_context(tenant):
        first = counts()
        # One pipeline job in each state, and the six open positions of the careers page.
        assert first["jobs"] == sorted([*JobStatus.values, *[JobStatus.PUBLISHED] * 6])
        assert first["candidates"] == 20
        assert first["scheduled"] == 8 and first["completed"] == 3
        assert first["feedback"] == 6  # both demo interviewers, on each completed interview
        assert (first["sent_offers"], first["accepted_offers"]) == (2, 1)
        assert (first["checks_in_progress"], first["checks_clear"]) == (3, 2)
        assert first["applications"] == 20
        assert set(Application.objects.values_list("status", flat=True)) >= {
            "application_pending_review",
            "phone_screening_preliminary",
            "technical_assessment",
            "in_person_round_1",
            "final_interview_round",
            "offer_pending_candidate_response",
            "background_check_in_progress",
            "rejected",
            "withdrawn_by_candidate",
        }
        published = (
            JobPosting.objects.filter(status=JobStatus.PUBLISHED, applications__isnull=False).distinct().get()
        )
        assert published.department.name == "Platform"
        assert published.hiring_manager.user.email == "hiring-manager@demo.localhost"
        assert published.recruiter.email == "recruiter@demo.localhost"
        interviewers = set(
            Interview.interviewers.through.objects.values_list("interviewer__email", flat=True)
        )
        assert interviewers == {"recruiter@demo.localhost", "hiring-manager@demo.localhost"}
        for candidate in Candidate.objects.all():
            with candidate.cv.open("rb") as cv:
                assert sniff_document_type(cv) == "pdf"

    second = bootstrap()
    assert "nothing changed" in second and "recruiting:" not in second
    with tenant_context(tenant):
        assert counts() == first
