"""Fixtures of the catalog tests."""

import pytest

from catalog.models import PublicJobCatalog, PublicProviderCatalog
from people.tenancy import tenant_context


def in_tenant(tenant, func, *args, **kwargs):
    with tenant_context(tenant):
        return func(*args, **kwargs)


def job_entries(**filters):
    return PublicJobCatalog.objects.filter(**filters)


def provider_entries(**filters):
    return PublicProviderCatalog.objects.filter(**filters)


@pytest.fixture
def superuser(db):
    from people.models import User

    return User.objects.create_superuser(email="root@platform.test", password="x")
