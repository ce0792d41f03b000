"""The isolation kit must fail when an admin leaks: each test breaks one layer on purpose."""

import pytest
from django.contrib import admin
from simple_history.manager import HistoryManager

from people.admin_base import TenantOwnedAdmin
from people.models import Membership
from people.tenancy import TenantHistoryManager, tenant_context
from tests.isolation import assert_admin_isolated
from tests.people.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def by_email(membership):
    return membership.user.email


@pytest.fixture
def pair(tenant_a, tenant_b, user_a, user_b):
    with tenant_context(tenant_a):
        own = MembershipFactory()
    with tenant_context(tenant_b):
        foreign = MembershipFactory()
    return own, foreign


def test_kit_passes_on_the_real_admin(client_a, pair):
    own, foreign = pair
    assert_admin_isolated(
        client_a, Membership, own=own, foreign=foreign, search_term=lambda membership: membership.user.email
    )


def test_kit_catches_an_unscoped_changelist(client_a, pair, monkeypatch):
    own, foreign = pair
    model_admin = admin.site._registry[Membership]
    monkeypatch.setattr(
        model_admin, "get_queryset", lambda request: Membership.objects.with_scopes_disabled().all()
    )
    with pytest.raises(AssertionError, match="another tenant"):
        assert_admin_isolated(client_a, Membership, own=own, foreign=foreign, search_term=by_email)


def test_kit_catches_history_version_by_id(client_a, pair, monkeypatch):
    """Without the base admin's guard, simple-history looks a version up by ids alone."""
    own, foreign = pair
    monkeypatch.setattr(TenantOwnedAdmin, "_get_object_or_404", lambda self, request, object_id: None)
    with pytest.raises(AssertionError, match="history"):
        assert_admin_isolated(client_a, Membership, own=own, foreign=foreign, search_term=by_email)


def test_kit_catches_history_list_falling_back_to_rows_by_id(client_a, pair, monkeypatch):
    """With neither the guard nor the scoped history manager, the history list leaks."""
    own, foreign = pair
    monkeypatch.setattr(TenantOwnedAdmin, "_get_object_or_404", lambda self, request, object_id: None)
    monkeypatch.setattr(TenantHistoryManager, "get_queryset", HistoryManager.get_queryset)
    with pytest.raises(AssertionError, match="history"):
        assert_admin_isolated(client_a, Membership, own=own, foreign=foreign, search_term=by_email)


def test_kit_catches_foreign_user_choices(client_a, pair, monkeypatch):
    own, foreign = pair
    monkeypatch.setattr(TenantOwnedAdmin, "_limit_user_choices", lambda self, db_field, kwargs: kwargs)
    monkeypatch.setattr(admin.site._registry[Membership], "get_readonly_fields", lambda request, obj=None: [])
    with pytest.raises(AssertionError, match="User rows of another tenant"):
        assert_admin_isolated(client_a, Membership, own=own, foreign=foreign, search_term=by_email)
