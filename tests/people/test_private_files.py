"""Private files (people/private_files.py): a CV is served only to its tenant's staff who may see
candidates, through /files/, never through a public media URL."""

import pytest
from django.core.files.base import ContentFile

from people.roles import Role
from people.tenancy import tenant_context
from tests.conftest import login, make_member
from tests.recruiting.factories import CandidateFactory

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n%%EOF\n"


def candidate_with_cv(tenant):
    with tenant_context(tenant):
        candidate = CandidateFactory()
        candidate.cv.save("jane-doe-cv.pdf", ContentFile(PDF))
        return candidate


def test_a_cv_has_a_checked_url_and_is_served_to_its_tenants_recruiters(client, tenant_a):
    candidate = candidate_with_cv(tenant_a)
    assert candidate.cv.url.startswith("/files/recruiting/cvs/")
    login(client, make_member(tenant_a, Role.RECRUITER, email="rec@a.test"), tenant_a)
    response = client.get(candidate.cv.url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    assert "attachment" in response["Content-Disposition"]


def test_another_tenants_staff_get_404_for_the_same_path(client, tenant_a, tenant_b):
    candidate = candidate_with_cv(tenant_a)
    login(client, make_member(tenant_b, Role.OWNER, email="owner@b.test"), tenant_b)
    assert client.get(candidate.cv.url).status_code == 404


def test_a_role_that_may_not_see_candidates_gets_404(client, tenant_a):
    candidate = candidate_with_cv(tenant_a)
    login(client, make_member(tenant_a, Role.FINANCE, email="fin@a.test"), tenant_a)
    assert client.get(candidate.cv.url).status_code == 404


def test_anonymous_users_are_sent_to_log_in(client, tenant_a):
    candidate = candidate_with_cv(tenant_a)
    response = client.get(candidate.cv.url)
    assert response.status_code == 302 and "login" in response.url


@pytest.mark.parametrize(
    "path", ["recruiting/cvs/nothing.pdf", "../config/settings.py", "tenants/logos/x.png"]
)
def test_unknown_and_unowned_paths_are_404(client, tenant_a, path):
    candidate_with_cv(tenant_a)
    login(client, make_member(tenant_a, Role.OWNER, email="owner@a.test"), tenant_a)
    assert client.get(f"/files/{path}").status_code == 404
