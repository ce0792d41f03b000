import pytest
from django.http import StreamingHttpResponse
from django.test import RequestFactory

from people.middleware import SESSION_KEY, ActiveTenantMiddleware
from people.models import Membership
from people.roles import Role
from people.tenancy import active_tenant_or_none, current_tenant
from tests.conftest import login, make_member
from tests.people.factories import TenantFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_the_session_tenant_is_active_for_the_request(client_a, tenant_a):
    response = client_a.get("/admin/")
    assert response.status_code == 200
    assert response.wsgi_request.tenant == tenant_a
    assert active_tenant_or_none() is None  # and reset afterwards


def test_first_request_picks_the_users_tenant(client, user_a, tenant_a):
    client.force_login(user_a)
    client.get("/admin/")
    assert client.session[SESSION_KEY] == tenant_a.pk


def test_forged_session_tenant_is_refused(client, user_a, tenant_b):
    login(client, user_a, tenant_b)
    response = client.get("/admin/people/membership/")
    assert response.status_code == 403
    # ... and forgotten, so the next request falls back to the user's own tenant.
    assert SESSION_KEY not in client.session


@pytest.mark.parametrize("value", ["not-a-number", "999999", ""])
def test_garbage_session_tenant_is_refused(client, user_a, value):
    client.force_login(user_a)
    session = client.session
    session[SESSION_KEY] = value
    session.save()
    assert client.get("/admin/").status_code == 403


def test_inactive_tenant_is_refused(client_a, tenant_a):
    tenant_a.is_active = False
    tenant_a.save()
    assert client_a.get("/admin/").status_code == 403


def test_switching_to_a_tenant_without_membership_is_refused(client_a, tenant_a, tenant_b):
    response = client_a.post("/admin/switch-tenant/", {"tenant": tenant_b.pk})
    assert response.status_code == 403
    assert client_a.session[SESSION_KEY] == tenant_a.pk


def test_switching_between_own_tenants(client_a, user_a, tenant_a, tenant_b):
    make_member(tenant_b, Role.VIEWER, email=user_a.email)
    response = client_a.post(
        "/admin/switch-tenant/", {"tenant": tenant_b.pk, "next": "/admin/people/membership/12/change/"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/admin/people/membership/"  # never another tenant's object URL
    assert client_a.session[SESSION_KEY] == tenant_b.pk
    page = client_a.get("/admin/people/membership/")
    assert page.wsgi_request.tenant == tenant_b


def test_switch_refuses_offsite_next(client_a, user_a, tenant_b):
    make_member(tenant_b, Role.VIEWER, email=user_a.email)
    response = client_a.post(
        "/admin/switch-tenant/", {"tenant": tenant_b.pk, "next": "https://evil.example/"}
    )
    assert response["Location"] == "/admin/"


def test_switcher_shows_only_own_tenants(client_a, user_a, tenant_a, tenant_b):
    TenantFactory(name="Unrelated Co", slug="unrelated")
    make_member(tenant_b, Role.VIEWER, email=user_a.email)
    content = client_a.get("/admin/").content.decode()
    assert 'id="tenant-switcher"' in content
    assert "Tenant B" in content and "Unrelated Co" not in content


def test_single_tenant_user_sees_the_name_not_a_switcher(client_a):
    content = client_a.get("/admin/").content.decode()
    assert 'id="tenant-switcher"' not in content and 'id="tenant-name"' in content


def test_superuser_can_pick_every_tenant(client, tenant_a, tenant_b):
    admin_user = UserFactory(email="platform@example.com", is_superuser=True)
    client.force_login(admin_user)
    content = client.get("/admin/").content.decode()
    assert "Tenant A" in content and "Tenant B" in content
    response = client.post("/admin/switch-tenant/", {"tenant": tenant_b.pk})
    assert response.status_code == 302 and client.session[SESSION_KEY] == tenant_b.pk


def test_user_without_membership_cannot_enter_the_admin(client, db):
    client.force_login(UserFactory(email="nobody@example.com"))
    response = client.get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_removed_member_loses_access_on_the_next_request(client_a, user_a, tenant_a, in_tenant_a):
    make_member(tenant_a, Role.OWNER, email="other-owner@tenant-a.test")
    Membership.objects.filter(user=user_a).delete()
    assert client_a.get("/admin/").status_code == 403
    assert client_a.get("/admin/").status_code == 302  # then: no tenant, back to login


def test_streaming_bodies_are_produced_inside_the_tenant(user_a, tenant_a):
    seen = []

    def body():
        for _ in range(2):
            seen.append(current_tenant())
            yield b"x"

    request = RequestFactory().get("/export/")
    request.user = user_a
    request.session = {SESSION_KEY: tenant_a.pk}
    response = ActiveTenantMiddleware(lambda r: StreamingHttpResponse(body()))(request)
    assert b"".join(response.streaming_content) == b"xx"
    assert seen == [tenant_a, tenant_a]
    assert active_tenant_or_none() is None
