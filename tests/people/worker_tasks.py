"""Task functions the background tests run: inline (sync mode) and in the real django-q2 worker of
tests/people/test_worker.py.

They live in an importable module (not in the test module) because the worker process imports them
by dotted path. They return plain data (pickled into q2's Task.result), never model instances.
"""

import os

from people.models import Membership, Tenant
from people.tenancy import active_tenant_or_none, current_tenant, tenant_context

# Context managers deliberately entered and never exited. Keeping a reference matters: a dropped
# generator-based context manager is closed by the garbage collector, which runs its `finally`
# and would quietly undo the leak these tasks simulate.
_never_exited = []


def _enter_and_never_exit(tenant: Tenant) -> None:
    context = tenant_context(tenant)
    context.__enter__()
    _never_exited.append(context)


def describe_tenant() -> dict:
    """What the task sees: the active tenant and the Membership rows the scoped manager returns."""
    tenant = current_tenant()
    return {
        "pid": os.getpid(),
        "tenant_id": tenant.pk,
        "slug": tenant.slug,
        "memberships": Membership.objects.count(),
        "emails": sorted(Membership.objects.values_list("user__email", flat=True)),
        "membership_tenant_ids": sorted(set(Membership.objects.values_list("tenant_id", flat=True))),
    }


def leave_tenant_open() -> dict:
    """A buggy task: enters its tenant again and never leaves. The trampoline must still clean up."""
    tenant = current_tenant()
    _enter_and_never_exit(tenant)
    return {"pid": os.getpid(), "slug": tenant.slug}


def leak_tenant_outside_trampoline(tenant_id: int) -> dict:
    """Run with q2's raw async_task (no trampoline): leaves a tenant active in the worker process,
    as a buggy hook or hand-rolled task could. The next tenant task must refuse to start."""
    tenant = Tenant.objects.get(pk=tenant_id)
    _enter_and_never_exit(tenant)
    active = active_tenant_or_none()
    return {"pid": os.getpid(), "slug": active.slug if active else None}
