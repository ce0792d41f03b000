import pytest

from people.roles import Role
from people.tenancy import tenant_context
from tests.conftest import make_member

pytestmark = pytest.mark.django_db


def test_permissions_follow_the_role_in_the_active_tenant(tenant_a, tenant_b, role_groups):
    user = make_member(tenant_a, Role.OWNER, email="dual@example.com")
    make_member(tenant_b, Role.VIEWER, email="dual@example.com")
    with tenant_context(tenant_a):
        assert user.has_perm("people.add_membership")
        assert user.has_perm("people.view_membership")
    with tenant_context(tenant_b):
        assert not user.has_perm("people.add_membership")
        assert not user.has_perm("people.view_membership")  # members are the owners' business


def test_no_permissions_without_a_tenant(user_a):
    assert user_a.get_all_permissions() == set()
    assert not user_a.has_perm("people.view_membership")


def test_no_role_gets_platform_models(tenant_a, role_groups):
    for role in Role.values:
        user = make_member(tenant_a, role, email=f"{role}@example.com")
        with tenant_context(tenant_a):
            perms = user.get_all_permissions()
        assert not {p for p in perms if p.endswith(("_tenant", "_user"))}, role


def test_direct_user_permissions_are_ignored(user_a, tenant_b):
    from django.contrib.auth.models import Permission

    user_a.user_permissions.add(Permission.objects.get(codename="add_membership"))
    with tenant_context(tenant_b):
        assert not user_a.has_perm("people.add_membership")


def test_roles_map_to_groups_kept_up_to_date(role_groups):
    from django.contrib.auth.models import Group

    names = set(Group.objects.values_list("name", flat=True))
    assert {f"role:{role}" for role in Role.values} <= names
    owner = Group.objects.get(name="role:owner")
    assert owner.permissions.filter(codename="delete_membership").exists()
    assert (
        not Group.objects.get(name="role:viewer").permissions.exclude(codename__startswith="view_").exists()
    )
