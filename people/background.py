"""Background work that never relies on ambient state.

`enqueue()` records the active tenant id with the task; in the worker, `run_in_tenant()` (the one
trampoline every tenant task goes through) validates the tenant, enters it, runs the task and
always resets it. With the ORM broker the task row is written in the caller's transaction, so the
task exists exactly when the data it refers to was committed; with the Redis broker the enqueue
waits for the commit instead.
"""

import logging
from collections.abc import Callable

from django.conf import settings
from django.db import models, transaction
from django.utils.module_loading import import_string
from django_q.conf import Conf
from django_q.tasks import async_task

from people.tenancy import (
    active_tenant_or_none,
    clear_leaked_tenant,
    current_tenant,
    in_all_tenants_mode,
    run_detached,
    tenant_context,
)

logger = logging.getLogger("people.background")

TRAMPOLINE = "people.background.run_in_tenant"


class TenantLeak(RuntimeError):
    """A task started while a tenant (or a cross-tenant scope) was still active in the worker."""


def _dotted_path(func: Callable | str) -> str:
    path = func if isinstance(func, str) else f"{func.__module__}.{func.__qualname__}"
    import_string(path)  # fail at enqueue time, in the caller, on a typo
    return path


def _refuse_model_instances(args, kwargs) -> None:
    for value in (*args, *kwargs.values()):
        if isinstance(value, models.Model):
            raise TypeError(
                f"Pass ids to background tasks, not {type(value).__name__} instances "
                "(an instance pickled now is stale when the task runs)."
            )


def _send(func_path: str, args, kwargs, q_options) -> str | None:
    def send():
        return async_task(func_path, *args, q_options=q_options, **kwargs)

    if Conf.SYNC:
        # Sync mode (tests) runs the task inline: detach it from the caller's tenant, as a
        # worker process is, so the caller's tenant cannot leak into it.
        return run_detached(send)
    if settings.Q_BROKER == "orm":
        return send()  # a row in the caller's transaction: committed with the data, or not at all
    transaction.on_commit(send)
    return None


def enqueue(func: Callable | str, *args, task_name: str | None = None, group: str | None = None, **kwargs):
    """Run `func(*args, **kwargs)` in the background inside the active tenant.

    Returns the task id (ORM broker) or None (Redis broker: sent after the commit).
    """
    tenant = current_tenant()
    func_path = _dotted_path(func)
    _refuse_model_instances(args, kwargs)
    q_options = {"task_name": task_name or func_path.rsplit(".", 1)[-1], "group": group}
    q_options = {key: value for key, value in q_options.items() if value}
    return _send(TRAMPOLINE, (tenant.pk, func_path, *args), kwargs, q_options)


def enqueue_global(func: Callable | str, *args, task_name: str | None = None, **kwargs):
    """Run a platform-wide task (no tenant). The task must use all_tenants() to touch tenant data."""
    func_path = _dotted_path(func)
    _refuse_model_instances(args, kwargs)
    q_options = {"task_name": task_name or func_path.rsplit(".", 1)[-1]}
    return _send("people.background.run_global", (func_path, *args), kwargs, q_options)


def send_again(func_path: str, args, kwargs, *, task_name: str, group: str | None = None):
    """Send a failed task again exactly as it was stored: a tenant task keeps its trampoline and
    tenant id, so it re-enters its tenant. Used by the platform page's retry."""
    q_options = {key: value for key, value in {"task_name": task_name, "group": group}.items() if value}
    return _send(func_path, tuple(args or ()), dict(kwargs or {}), q_options)


def _refuse_leaked_tenant(func_path: str) -> None:
    leaked = active_tenant_or_none()
    if leaked is not None or in_all_tenants_mode():
        clear_leaked_tenant()  # this task fails loudly; the worker's next task starts clean
        raise TenantLeak(
            f"Task {func_path} started with tenant {getattr(leaked, 'pk', 'ALL')} still active in this "
            "worker: a previous task or hook did not reset its tenant context."
        )


def run_in_tenant(tenant_id: int, func_path: str, *args, **kwargs):
    """The trampoline: validate the tenant, enter it, run the task, always reset."""
    from people.models import Tenant

    _refuse_leaked_tenant(func_path)
    tenant = Tenant.objects.filter(pk=tenant_id).first()
    if tenant is None or not tenant.is_active:
        # Retrying cannot help: log and finish instead of failing again and again.
        logger.error(
            "skipped task for missing or inactive tenant", extra={"tenant_id": tenant_id, "task": func_path}
        )
        return None
    func = import_string(func_path)
    with tenant_context(tenant):
        return func(*args, **kwargs)


def run_global(func_path: str, *args, **kwargs):
    """Trampoline of platform-wide tasks: refuses a leaked tenant, runs with none active."""
    _refuse_leaked_tenant(func_path)
    return import_string(func_path)(*args, **kwargs)


def fan_out(func_path: str, *args, **kwargs) -> int:
    """Global schedule entry point: enqueue `func_path` once per active tenant. Returns the count."""
    from people.models import Tenant

    _refuse_leaked_tenant(func_path)
    count = 0
    for tenant in Tenant.objects.filter(is_active=True).order_by("pk"):
        with tenant_context(tenant):
            enqueue(func_path, *args, **kwargs)
        count += 1
    logger.info("fanned out task to tenants", extra={"task": func_path, "tenants": count})
    return count
