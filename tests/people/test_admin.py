import pytest
from django.core import mail
from django.core.cache import cache

from people.models import Membership, User
from people.roles import Role
from people.tenancy import tenant_context
from tests.conftest import login, make_member
from tests.people.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_login_page_renders(client, db):
    response = client.get("/admin/login/")
    assert response.status_code == 200
    assert b"Ops Console" in response.content


def test_owner_invites_a_new_person_by_email(client_a, tenant_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_a.post(
            "/admin/people/membership/add/", {"email": " New.Hire@Example.com ", "role": Role.RECRUITER}
        )
    assert response.status_code == 302
    user = User.objects.get(email="new.hire@example.com")
    assert not user.has_usable_password()
    with tenant_context(tenant_a):
        membership = Membership.objects.get(user=user)
    assert membership.role == Role.RECRUITER and membership.invited_by.email == "owner@tenant-a.test"
    assert len(mail.outbox) == 1
    assert "/accounts/reset/" in mail.outbox[0].body and "Tenant A" in mail.outbox[0].subject


def test_inviting_an_existing_member_re_renders_with_the_message(client_a, user_a):
    response = client_a.post("/admin/people/membership/add/", {"email": user_a.email, "role": Role.HR})
    assert response.status_code == 200
    assert "already a member" in response.content.decode()


def test_inviting_someone_from_another_tenant_does_not_touch_their_account(
    client_a, user_b, tenant_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client_a.post("/admin/people/membership/add/", {"email": user_b.email, "role": Role.VIEWER})
    user_b.refresh_from_db()
    assert user_b.has_usable_password()
    assert "existing account" in mail.outbox[0].body


def test_the_last_owner_cannot_be_demoted_or_removed(client_a, user_a, tenant_a):
    with tenant_context(tenant_a):
        membership = Membership.objects.get(user=user_a)
    response = client_a.post(f"/admin/people/membership/{membership.pk}/change/", {"role": Role.VIEWER})
    assert response.status_code == 200 and "last owner" in response.content.decode()
    assert client_a.get(f"/admin/people/membership/{membership.pk}/delete/").status_code == 403
    with tenant_context(tenant_a):
        assert Membership.objects.get(user=user_a).role == Role.OWNER


def test_bulk_delete_including_the_last_owner_deletes_nothing(client_a, user_a, tenant_a):
    with tenant_context(tenant_a):
        other = MembershipFactory(role=Role.HR)
        ids = list(Membership.objects.values_list("pk", flat=True))
    delete = {"action": "delete_selected", "_selected_action": ids, "post": "yes"}
    response = client_a.post("/admin/people/membership/", delete)
    assert response.status_code == 403  # Django refuses the whole selection
    with tenant_context(tenant_a):
        assert Membership.objects.count() == 2
    client_a.post("/admin/people/membership/", {**delete, "_selected_action": [other.pk]})
    with tenant_context(tenant_a):
        assert list(Membership.objects.values_list("user__email", flat=True)) == [user_a.email]


def test_only_owners_manage_members(client, tenant_a, user_a):
    recruiter = make_member(tenant_a, Role.RECRUITER, email="recruiter@tenant-a.test")
    login(client, recruiter, tenant_a)
    assert client.get("/admin/people/membership/").status_code == 403
    assert client.get("/admin/people/membership/add/").status_code == 403


def test_tenants_and_users_are_for_superusers_only(client_a, client, tenant_a):
    assert client_a.get("/admin/people/tenant/").status_code == 403
    assert client_a.get("/admin/people/user/").status_code == 403
    platform = UserFactory(email="platform@example.com", is_superuser=True)
    client.force_login(platform)
    assert client.get("/admin/people/tenant/").status_code == 200
    assert client.get("/admin/people/user/").status_code == 200
    assert client.get("/admin/django_q/schedule/").status_code == 200


def test_sidebar_follows_the_role(client, tenant_a, user_a):
    viewer = make_member(tenant_a, Role.VIEWER, email="viewer@tenant-a.test")
    login(client, viewer, tenant_a)
    viewer_page = client.get("/admin/").content.decode()
    client.force_login(user_a)
    owner_page = client.get("/admin/").content.decode()
    assert "/admin/people/membership/" in owner_page
    assert "/admin/people/membership/" not in viewer_page
    assert "/admin/people/tenant/" not in owner_page


def test_dashboard_shows_members_per_role_and_recent_changes(client_a, tenant_a, tenant_b, user_b):
    make_member(tenant_a, Role.HR, email="hr@tenant-a.test")
    response = client_a.get("/admin/")
    assert response.status_code == 200
    assert [kpi["value"] for kpi in response.context["kpis"] if kpi["title"] == "Members"] == [2]
    chart = response.context["charts"][0]
    assert dict(zip(chart["data"]["labels"], chart["data"]["datasets"][0]["data"], strict=True))["HR"] == 1
    changes = response.context["tables"][0]["rows"]
    assert changes and all("tenant-b" not in str(row) and "Bob" not in str(row) for row in changes)


def test_dashboard_runs_a_constant_number_of_queries(client_a, tenant_a):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client_a.get("/admin/")  # warm-up: per-process caches (content types, the permission cache)
    counts = []
    for _ in range(2):
        with tenant_context(tenant_a):
            for _ in range(30):
                MembershipFactory(role=Role.OPS)
        cache.clear()  # the dashboard caches its figures briefly: measure a cold page each time
        with CaptureQueriesContext(connection) as queries:
            assert client_a.get("/admin/").status_code == 200
        counts.append(len(queries))
    # Every app's widgets for an owner (one or a few aggregate queries each), whatever the size.
    assert counts[0] == counts[1] <= 30, counts


def test_membership_changelist_runs_a_constant_number_of_queries(
    client_a, tenant_a, django_assert_max_num_queries
):
    with tenant_context(tenant_a):
        for _ in range(30):
            MembershipFactory(role=Role.OPS, invited_by=UserFactory())
    with django_assert_max_num_queries(20):
        assert client_a.get("/admin/people/membership/").status_code == 200


def test_demo_owner_logs_in_with_email_and_sees_the_dashboard(client, db):
    from django.core.management import call_command

    call_command("bootstrap_demo_tenant", "--password", "demo-pass-2026", stdout=None)
    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": "Admin@Demo.localhost", "password": "demo-pass-2026"},
        follow=True,
    )
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == "/admin/"
    content = response.content.decode()
    assert 'id="dashboard"' in content and "Members per role" in content and "Demo" in content


def test_wrong_password_re_renders_the_login_form(client, db):
    response = client.post("/admin/login/", {"username": "nobody@example.com", "password": "x"})
    assert response.status_code == 200
    assert "correct" in response.content.decode()  # "Please enter the correct email address and password"


def test_invited_person_sets_a_password_from_the_email_and_logs_in(
    client_a, client, tenant_a, django_capture_on_commit_callbacks
):
    import re

    with django_capture_on_commit_callbacks(execute=True):
        client_a.post("/admin/people/membership/add/", {"email": "invitee@example.com", "role": Role.HR})
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", mail.outbox[0].body).group(1)
    form_page = client.get(link, follow=True)  # Django swaps the token for a session-held one
    assert form_page.status_code == 200
    response = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "a-fresh-long-password-1", "new_password2": "a-fresh-long-password-1"},
    )
    assert response.status_code == 302
    assert client.login(username="invitee@example.com", password="a-fresh-long-password-1")
    assert client.get("/admin/").status_code == 200
