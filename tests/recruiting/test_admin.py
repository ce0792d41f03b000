"""The recruiting admins: counts from the page's own query, job actions, workflow-only records."""

import pytest

from people.roles import Role
from people.tenancy import tenant_context
from recruiting.models import ApplicationStatus, JobPosting, JobStatus
from tests.conftest import login, make_member
from tests.recruiting.factories import ApplicationFactory, CandidateFactory, JobPostingFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def recruiter_client(client, tenant_a, user_a):
    return login(client, make_member(tenant_a, Role.RECRUITER, email="recruiter@tenant-a.test"), tenant_a)


def test_job_changelist_counts_applicants_per_stage(recruiter_client, tenant_a):
    with tenant_context(tenant_a):
        job = JobPostingFactory(title="Data Engineer")
        for status in [ApplicationStatus.PENDING_REVIEW] * 3 + [ApplicationStatus.TECHNICAL]:
            ApplicationFactory(job=job, status=status)
    response = recruiter_client.get("/admin/recruiting/jobposting/")
    row = next(obj for obj in response.context["cl"].result_list if obj.pk == job.pk)
    assert (row.n_applicants, row.n_review, row.n_assessment) == (4, 3, 1)
    assert "review 3 · assessment 1" in response.content.decode()


@pytest.mark.parametrize("jobs", [2, 25])
def test_job_changelist_runs_a_constant_number_of_queries(
    recruiter_client, tenant_a, jobs, django_assert_max_num_queries
):
    with tenant_context(tenant_a):
        for _ in range(jobs):
            ApplicationFactory(job=JobPostingFactory())
    with django_assert_max_num_queries(16):
        assert recruiter_client.get("/admin/recruiting/jobposting/").status_code == 200


@pytest.mark.parametrize("applications", [2, 25])
def test_application_changelist_runs_a_constant_number_of_queries(
    recruiter_client, tenant_a, applications, django_assert_max_num_queries
):
    with tenant_context(tenant_a):
        for _ in range(applications):
            ApplicationFactory()
    with django_assert_max_num_queries(16):
        assert recruiter_client.get("/admin/recruiting/application/").status_code == 200


def test_publish_close_and_duplicate_actions(recruiter_client, tenant_a):
    with tenant_context(tenant_a):
        draft = JobPostingFactory(status=JobStatus.DRAFT)
    url = "/admin/recruiting/jobposting/"
    recruiter_client.post(url, {"action": "publish_selected", "_selected_action": [draft.pk]})
    with tenant_context(tenant_a):
        draft.refresh_from_db()
        assert draft.status == JobStatus.PUBLISHED and draft.published_on_career_page and draft.published_at
    recruiter_client.post(url, {"action": "duplicate_selected", "_selected_action": [draft.pk]})
    recruiter_client.post(url, {"action": "close_selected", "_selected_action": [draft.pk]})
    with tenant_context(tenant_a):
        draft.refresh_from_db()
        assert draft.status == JobStatus.CANCELLED and not draft.published_on_career_page
        copy = JobPosting.objects.exclude(pk=draft.pk).get()
        assert copy.status == JobStatus.DRAFT and copy.reference_code != draft.reference_code
    response = recruiter_client.post(
        url, {"action": "publish_selected", "_selected_action": [draft.pk]}, follow=True
    )
    assert "is closed; duplicate it" in response.content.decode()


def test_internal_only_jobs_never_reach_the_careers_page(recruiter_client, tenant_a):
    with tenant_context(tenant_a):
        internal = JobPostingFactory(status=JobStatus.DRAFT, is_internal_only=True)
    recruiter_client.post(
        "/admin/recruiting/jobposting/", {"action": "publish_selected", "_selected_action": [internal.pk]}
    )
    with tenant_context(tenant_a):
        internal.refresh_from_db()
    assert internal.status == JobStatus.PUBLISHED and not internal.published_on_career_page


def test_pipeline_records_are_not_edited_by_hand(recruiter_client, tenant_a):
    with tenant_context(tenant_a):
        application = ApplicationFactory()
    assert recruiter_client.get("/admin/recruiting/application/add/").status_code == 403
    response = recruiter_client.post(
        f"/admin/recruiting/application/{application.pk}/change/", {"status": ApplicationStatus.HIRED}
    )
    assert response.status_code == 403
    with tenant_context(tenant_a):
        application.refresh_from_db()
    assert application.status == ApplicationStatus.PENDING_REVIEW


def test_a_forged_candidate_of_another_tenant_is_refused_on_a_job_form(recruiter_client, tenant_a, tenant_b):
    """The candidate admin's duplicate link only offers this tenant's candidates."""
    with tenant_context(tenant_b):
        foreign = CandidateFactory()
    response = recruiter_client.post(
        "/admin/recruiting/candidate/add/",
        {
            "first_name": "Ann",
            "last_name": "Lee",
            "email": "ann@mail.example",
            "possible_duplicate_of": foreign.pk,
            "employment_status": "actively_looking",
            "visa_sponsorship_status": "not_required",
            "source": "other",
            "tags": "[]",
        },
    )
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    with tenant_context(tenant_a):
        assert not JobPosting.objects.exists()
