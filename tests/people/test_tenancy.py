import pytest
from django.db import transaction
from django_scopes import ScopeError

from people.models import Membership
from people.roles import Role
from people.tenancy import (
    NoActiveTenant,
    TenantMismatch,
    active_tenant_or_none,
    all_tenants,
    current_tenant,
    tenant_context,
)
from tests.people.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_query_without_active_tenant_raises(tenant_a):
    with pytest.raises(ScopeError):
        list(Membership.objects.all())
    with pytest.raises(NoActiveTenant):
        current_tenant()


def test_tenant_context_none_is_refused():
    with pytest.raises(NoActiveTenant), tenant_context(None):
        pass


def test_queries_see_only_the_active_tenant(user_a, user_b, tenant_a, tenant_b):
    with tenant_context(tenant_a):
        assert list(Membership.objects.values_list("user__email", flat=True)) == ["owner@tenant-a.test"]
    with tenant_context(tenant_b):
        assert list(Membership.objects.values_list("user__email", flat=True)) == ["owner@tenant-b.test"]


def test_save_fills_the_tenant_from_the_context(tenant_a):
    with tenant_context(tenant_a):
        membership = Membership.objects.create(user=UserFactory(), role=Role.HR)
    assert membership.tenant_id == tenant_a.pk


def test_save_without_tenant_is_refused(tenant_a):
    with pytest.raises(NoActiveTenant):
        Membership(user=UserFactory(), role=Role.HR).save()


def test_saving_another_tenants_row_is_refused(user_b, tenant_a, tenant_b):
    with tenant_context(tenant_b):
        membership = Membership.objects.get(user=user_b)
    with tenant_context(tenant_a), pytest.raises(TenantMismatch):
        membership.role = Role.VIEWER
        membership.save()
    with tenant_context(tenant_b):
        assert Membership.objects.get(user=user_b).role == Role.OWNER


def test_deleting_another_tenants_row_is_refused(user_b, tenant_a, tenant_b):
    with tenant_context(tenant_b):
        membership = Membership.objects.get(user=user_b)
    with tenant_context(tenant_a), pytest.raises(TenantMismatch):
        membership.delete()
    with pytest.raises(NoActiveTenant):
        membership.delete()
    with tenant_context(tenant_b):
        assert Membership.objects.filter(user=user_b).exists()


def test_bulk_create_fills_and_checks_the_tenant(tenant_a, tenant_b):
    with tenant_context(tenant_a):
        created = Membership.objects.bulk_create([Membership(user=UserFactory(), role=Role.OPS)])
    assert created[0].tenant_id == tenant_a.pk
    with tenant_context(tenant_b), pytest.raises(TenantMismatch):
        Membership.objects.bulk_create([Membership(user=UserFactory(), tenant=tenant_a)])


def test_context_is_reset_after_an_exception(tenant_a):
    with pytest.raises(RuntimeError), tenant_context(tenant_a):
        raise RuntimeError("boom")
    assert active_tenant_or_none() is None
    with pytest.raises(ScopeError):
        Membership.objects.count()


def test_nested_contexts_restore_the_outer_tenant(tenant_a, tenant_b):
    with tenant_context(tenant_a):
        with tenant_context(tenant_b):
            assert current_tenant() == tenant_b
        assert current_tenant() == tenant_a


def test_all_tenants_sees_every_tenant_and_must_name_the_tenant_to_save(user_a, user_b, tenant_a):
    with all_tenants(reason="test"):
        assert Membership.objects.count() == 2
        assert active_tenant_or_none() is None
        with pytest.raises(NoActiveTenant):
            Membership(user=UserFactory()).save()
        Membership(user=UserFactory(), tenant=tenant_a).save()
    with tenant_context(tenant_a):
        assert Membership.objects.count() == 2


def test_history_is_scoped_and_carries_the_tenant(user_a, user_b, tenant_a, tenant_b):
    with tenant_context(tenant_a):
        rows = list(Membership.history.all())
    assert rows and {row.tenant_id for row in rows} == {tenant_a.pk}
    with pytest.raises(NoActiveTenant):
        Membership.history.count()


def test_history_records_the_acting_user(client_a, tenant_a):
    response = client_a.post(
        "/admin/people/membership/add/", {"email": "new.person@example.com", "role": Role.RECRUITER}
    )
    assert response.status_code == 302
    with tenant_context(tenant_a):
        record = Membership.history.filter(user__email="new.person@example.com").get()
    assert record.history_user.email == "owner@tenant-a.test"


def test_rollback_leaves_nothing_behind(tenant_a):
    with tenant_context(tenant_a):
        with pytest.raises(RuntimeError), transaction.atomic():
            MembershipFactory()
            raise RuntimeError
        assert Membership.objects.count() == 0
