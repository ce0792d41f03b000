"""Fixtures of the billing tests: a finance user (role finance) and a viewer in tenant A."""

import pytest

from people.roles import Role
from people.tenancy import tenant_context
from tests.conftest import login, make_member


@pytest.fixture
def finance(tenant_a, user_a):
    return make_member(
        tenant_a, Role.FINANCE, email="finance@tenant-a.test", first_name="Fiona", last_name="Finance"
    )


@pytest.fixture
def finance_client(client, tenant_a, finance):
    return login(client, finance, tenant_a)


@pytest.fixture
def viewer_client(client, tenant_a, user_a):
    return login(client, make_member(tenant_a, Role.VIEWER, email="viewer@tenant-a.test"), tenant_a)


@pytest.fixture
def in_a(tenant_a):
    """The test body runs inside tenant A (services and factories need an active tenant)."""
    with tenant_context(tenant_a):
        yield tenant_a
