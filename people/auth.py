"""Permissions come from the user's role in the active tenant, and from nowhere else."""

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission

from people.roles import group_name
from people.tenancy import active_tenant_or_none


class TenantRoleBackend(ModelBackend):
    """E-mail + password login; permissions are those of the user's role group in the active tenant.

    Direct user permissions and group memberships are ignored on purpose: a permission granted
    outside a tenant would apply in every tenant. Superusers keep Django's all-permissions rule.
    """

    def get_user_permissions(self, user_obj, obj=None):
        return set()

    def get_group_permissions(self, user_obj, obj=None):
        return self.get_all_permissions(user_obj, obj)

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        tenant = active_tenant_or_none()
        if tenant is None:
            return set()
        cache = user_obj.__dict__.setdefault("_tenant_perm_cache", {})
        if tenant.pk not in cache:
            cache[tenant.pk] = self._role_permissions(user_obj, tenant)
        return cache[tenant.pk]

    def _role_permissions(self, user_obj, tenant) -> set[str]:
        from people.models import Membership

        role = Membership.objects.filter(tenant=tenant, user=user_obj).values_list("role", flat=True).first()
        if role is None:
            return set()
        perms = Permission.objects.filter(group__name=group_name(role)).values_list(
            "content_type__app_label", "codename"
        )
        return {f"{app_label}.{codename}" for app_label, codename in perms}
