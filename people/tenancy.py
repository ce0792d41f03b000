"""The tenancy kernel: which tenant is active, and the base class of every tenant-owned model.

Isolation is by construction (see docs/architecture.md):
- the active tenant lives in a ContextVar, set only by `tenant_context()` and always reset;
- every tenant-owned model's default manager is scoped with django-scopes, so a query with no
  tenant active raises instead of returning every tenant's rows;
- saving fills the tenant from the context and refuses a row, or a foreign key, of another tenant.
Cross-tenant code must say so with `all_tenants(reason=...)`, which is logged.
"""

from __future__ import annotations

import contextvars
import logging
from contextlib import contextmanager
from typing import TYPE_CHECKING

from django.db import models
from django_scopes import ScopedManager, ScopeError, get_scope, scope, scopes_disabled
from django_scopes.state import state as scopes_state
from simple_history.manager import HistoryManager
from simple_history.models import HistoricalRecords

if TYPE_CHECKING:
    from people.models import Tenant

logger = logging.getLogger("people.tenancy")
audit_log = logging.getLogger("audit")

_active_tenant: contextvars.ContextVar[Tenant | None] = contextvars.ContextVar("active_tenant", default=None)


class NoActiveTenant(ScopeError):
    """Raised when tenant-owned data is touched with no tenant active."""


class TenantMismatch(ValueError):
    """Raised when a row, or a row it points at, belongs to another tenant than the active one."""


@contextmanager
def tenant_context(tenant: Tenant):
    """Run the block inside `tenant`: scoped queries see only its rows, saves land in it."""
    if tenant is None or getattr(tenant, "pk", None) is None:
        # django-scopes reads tenant=None as "no filter": never let that happen.
        raise NoActiveTenant(f"tenant_context() needs a saved Tenant, got {tenant!r}.")
    token = _active_tenant.set(tenant)
    try:
        with scope(tenant=tenant.pk):
            yield tenant
    finally:
        _active_tenant.reset(token)


@contextmanager
def all_tenants(*, reason: str):
    """Explicitly cross-tenant code (platform jobs, fan-out, migrations). Logged, greppable."""
    audit_log.info("cross-tenant access", extra={"reason": reason})
    token = _active_tenant.set(None)
    try:
        with scopes_disabled():
            yield
    finally:
        _active_tenant.reset(token)


def run_detached(func, *args, **kwargs):
    """Run `func` as a worker would: no tenant and no scope active, whatever the caller has.

    Runs in a copy of the current context (so Django's per-context database connection stays the
    same) in which the tenant and django-scopes state are cleared; the caller's are untouched.
    """

    def run():
        _clear_tenant_state()
        return func(*args, **kwargs)

    return contextvars.copy_context().run(run)


def clear_leaked_tenant() -> None:
    """Forget a tenant some code entered and never left. Only the task trampolines call this,
    after reporting the leak, so one buggy task cannot break every later task of its worker."""
    _clear_tenant_state()


def _clear_tenant_state() -> None:
    _active_tenant.set(None)
    scopes_state.set(None)


def current_tenant() -> Tenant:
    """The active tenant, or NoActiveTenant."""
    tenant = _active_tenant.get()
    if tenant is None:
        raise NoActiveTenant("No tenant is active: wrap the code in tenant_context(tenant).")
    return tenant


def active_tenant_or_none() -> Tenant | None:
    return _active_tenant.get()


def in_all_tenants_mode() -> bool:
    return get_scope().get("_enabled") is False


def is_tenant_owned(model) -> bool:
    return isinstance(model, type) and issubclass(model, TenantOwned)


class TenantOwnedManager(models.Manager):
    """Manager behaviour for tenant-owned rows; wrapped by django-scopes in `TenantOwned.objects`."""

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        for obj in objs:
            obj.assign_tenant()
            obj.check_related_tenants()
        return super().bulk_create(objs, *args, **kwargs)


class TenantHistoryManager(HistoryManager):
    """`Model.history` of a tenant-owned model: the active tenant's history rows only."""

    def get_queryset(self):
        qs = super().get_queryset()
        if in_all_tenants_mode():
            return qs
        return qs.filter(tenant_id=current_tenant().pk)


class TenantOwned(models.Model):
    """Abstract base of every tenant-owned model: tenant FK, timestamps, history, scoped manager."""

    tenant = models.ForeignKey(
        "people.Tenant",
        on_delete=models.PROTECT,
        editable=False,
        related_name="%(app_label)s_%(class)s_set",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager(tenant="tenant", _manager_class=TenantOwnedManager)
    history = HistoricalRecords(inherit=True, history_manager=TenantHistoryManager)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self.assign_tenant()
        self.check_related_tenants()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        self.assign_tenant(action="delete")
        return super().delete(*args, **kwargs)

    def assign_tenant(self, action: str = "save") -> None:
        """Fill the tenant from the context (on save); refuse a row of another tenant."""
        active = _active_tenant.get()
        if active is None:
            if in_all_tenants_mode() and self.tenant_id is not None:
                return  # explicit cross-tenant code that named the tenant itself
            raise NoActiveTenant(
                f"Cannot {action} {self._meta.label} with no tenant active: use tenant_context(tenant)."
            )
        if self.tenant_id is None and action == "save":
            self.tenant = active
        elif self.tenant_id != active.pk:
            raise TenantMismatch(
                f"{self._meta.label} #{self.pk} belongs to tenant {self.tenant_id}, "
                f"not to the active tenant {active.pk}."
            )

    def check_related_tenants(self) -> None:
        """Refuse a foreign key to another tenant's row.

        Django validates FKs with the unscoped base manager, so a forged id would pass the model
        layer; this compares tenants (from the cached object when there is one, else one query).
        """
        for field in self._meta.concrete_fields:
            if not field.is_relation or field.name == "tenant" or not is_tenant_owned(field.related_model):
                continue
            value = getattr(self, field.attname)
            if value is None:
                continue
            if field.is_cached(self):
                related_tenant_id = getattr(field.get_cached_value(self), "tenant_id", None)
            else:
                related_tenant_id = (
                    field.related_model._base_manager.filter(**{field.target_field.attname: value})
                    .values_list("tenant_id", flat=True)
                    .first()
                )
            if related_tenant_id is not None and related_tenant_id != self.tenant_id:
                raise TenantMismatch(
                    f"{self._meta.label}.{field.name} points at a {field.related_model._meta.label} "
                    f"of another tenant."
                )
