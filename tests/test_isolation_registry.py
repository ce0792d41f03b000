"""Isolation tests generated from the admin registry: every tenant-owned ModelAdmin, every URL."""

from importlib import import_module
from importlib.util import find_spec

import pytest
from django.conf import settings
from django.contrib import admin

from people.tenancy import is_tenant_owned, tenant_context
from tests.isolation import ISOLATION_FACTORIES, assert_admin_isolated

# Each app registers its isolation factories in tests/<app>/factories.py or tests/<app>/isolation.py.
for app in settings.PROJECT_APPS:
    for module in ("factories", "isolation"):
        if find_spec(f"tests.{app}") and find_spec(f"tests.{app}.{module}"):
            import_module(f"tests.{app}.{module}")

TENANT_ADMINS = sorted(
    (model for model in admin.site._registry if is_tenant_owned(model)), key=lambda m: m._meta.label
)


def test_every_tenant_owned_admin_has_an_isolation_factory():
    missing = [m._meta.label for m in TENANT_ADMINS if m not in ISOLATION_FACTORIES]
    assert not missing, f"register an @isolation_factory in tests/<app>/factories.py for: {missing}"


@pytest.mark.django_db
@pytest.mark.parametrize("model", TENANT_ADMINS, ids=lambda m: m._meta.label)
def test_admin_shows_no_other_tenants_rows(model, client_a, tenant_a, tenant_b, user_b):
    factory, search_term = ISOLATION_FACTORIES[model]
    with tenant_context(tenant_a):
        own = factory()
    with tenant_context(tenant_b):
        foreign = factory()
    assert_admin_isolated(client_a, model, own=own, foreign=foreign, search_term=search_term)
