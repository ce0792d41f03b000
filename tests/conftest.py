"""Shared fixtures: two tenants with a user in each, and clients logged into each tenant."""

import pytest
from django.core.cache import cache
from django_q.conf import Conf

from people.middleware import SESSION_KEY
from people.roles import Role, sync_role_groups
from people.tenancy import tenant_context
from tests.people.factories import MembershipFactory, TenantFactory, UserFactory
from tests.throwaway import throwaway_app_registry

# Tasks run inline in tests (django-q2's sync mode); tests/people/test_worker.py starts a real worker.
Conf.SYNC = True


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Real hashers cost ~0.3 s a user by design; tests create many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path_factory):
    # Files stored through Django storage (CVs of the recruiting demo data run by
    # bootstrap_demo_tenant, uploads) go to a temporary folder, never into the repository.
    settings.MEDIA_ROOT = tmp_path_factory.mktemp("media")


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def role_groups(db):
    sync_role_groups()


@pytest.fixture
def tenant_a(db):
    return TenantFactory(name="Tenant A", slug="tenant-a")


@pytest.fixture
def tenant_b(db):
    return TenantFactory(name="Tenant B", slug="tenant-b")


def make_member(tenant, role=Role.OWNER, **user_kwargs):
    """Give a user (existing with that e-mail, else new) `role` in `tenant`."""
    from people.models import User

    user = User.objects.filter(email=user_kwargs.get("email")).first() or UserFactory(**user_kwargs)
    with tenant_context(tenant):
        return MembershipFactory(user=user, role=role).user


@pytest.fixture
def user_a(tenant_a, role_groups):
    return make_member(
        tenant_a, Role.OWNER, email="owner@tenant-a.test", first_name="Alice", last_name="Anders"
    )


@pytest.fixture
def user_b(tenant_b, role_groups):
    return make_member(tenant_b, Role.OWNER, email="owner@tenant-b.test", first_name="Bob", last_name="Berg")


def login(client, user, tenant):
    client.force_login(user)
    session = client.session
    session[SESSION_KEY] = tenant.pk
    session.save()
    return client


@pytest.fixture
def client_a(client, user_a, tenant_a):
    return login(client, user_a, tenant_a)


@pytest.fixture
def client_b(django_db_blocker, user_b, tenant_b):
    from django.test import Client

    return login(Client(), user_b, tenant_b)


@pytest.fixture
def in_tenant_a(tenant_a):
    with tenant_context(tenant_a):
        yield tenant_a


@pytest.fixture
def isolated(monkeypatch):
    """Models made with tests.throwaway.make_model in this test stay out of the real registry."""
    with throwaway_app_registry(monkeypatch):
        yield
