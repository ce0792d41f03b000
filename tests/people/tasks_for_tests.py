"""Task functions the background tests enqueue (importable by the worker by dotted path)."""

from people.models import Membership
from people.tenancy import current_tenant


def tenant_snapshot(label: str = "") -> dict:
    return {"tenant": current_tenant().slug, "memberships": Membership.objects.count(), "label": label}


def leave_tenant_active(tenant_id: int) -> None:
    """A buggy task: enters a tenant and never leaves it."""
    from people.models import Tenant
    from people.tenancy import tenant_context

    tenant_context(Tenant.objects.get(pk=tenant_id)).__enter__()
