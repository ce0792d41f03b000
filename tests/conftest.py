"""Shared fixtures: two tenants with a user in each, and clients logged into each tenant."""

import os

os.environ.setdefault("Q_SYNC", "true")  # tasks run inline in tests; the worker test starts a real one

import pytest
from django.core.cache import cache

from people.middleware import SESSION_KEY
from people.roles import Role, sync_role_groups
from people.tenancy import tenant_context
from tests.people.factories import MembershipFactory, TenantFactory, UserFactory


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
    with tenant_context(tenant):
        return MembershipFactory(user=UserFactory(**user_kwargs), role=role).user


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
