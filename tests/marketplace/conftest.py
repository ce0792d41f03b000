"""Fixtures of the marketplace tests: an operations user (role ops) and a viewer in tenant A."""

import pytest

from people.roles import Role
from people.tenancy import tenant_context
from tests.conftest import login, make_member


@pytest.fixture
def ops(tenant_a, user_a):
    return make_member(tenant_a, Role.OPS, email="ops@tenant-a.test", first_name="Otto", last_name="Ops")


@pytest.fixture
def ops_client(client, tenant_a, ops):
    return login(client, ops, tenant_a)


@pytest.fixture
def viewer_client(client, tenant_a, user_a):
    return login(client, make_member(tenant_a, Role.VIEWER, email="viewer@tenant-a.test"), tenant_a)


def in_tenant(tenant, func, *args, **kwargs):
    with tenant_context(tenant):
        return func(*args, **kwargs)


def refreshed(tenant, obj):
    with tenant_context(tenant):
        obj.refresh_from_db()
    return obj
