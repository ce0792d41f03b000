"""What the command, the schedules, the tasks and the admin run. Each is idempotent."""

from collections.abc import Callable
from datetime import timedelta

from django.utils import timezone

from catalog.models import CatalogSyncRun, SyncKind
from catalog.sync import engine
from catalog.sync.catalogs import selected
from catalog.sync.engine import SyncResult
from catalog.sync.runs import recorded
from people.models import Tenant
from people.tenancy import current_tenant, tenant_context

KEEP_RUNS_DAYS = 90


def summary(result: SyncResult) -> dict:
    """A task's result as q2 stores it: the counts and the non-zero details."""
    counts = {name: getattr(result, name) for name in ("synced", "skipped", "removed", "errors")}
    return counts | dict(+result.details)


def sync_active_tenant(scope: str = "all", *, dry_run: bool = False) -> SyncResult:
    """Sync the active tenant's entries of the catalogs in `scope` ("jobs", "providers", "all")."""
    result = SyncResult()
    for catalog in selected(scope):
        result.add(engine.sync_tenant(catalog.name, dry_run=dry_run))
    return result


def sync_tenants(
    tenants, scope: str = "all", *, dry_run: bool = False, progress: Callable | None = None
) -> SyncResult:
    """Sync every tenant given: an active one inside its context, an inactive one loses its entries.
    `progress(tenant, result)` is called after each tenant."""
    total = SyncResult()
    for tenant in tenants:
        if tenant.is_active:
            with tenant_context(tenant):
                result = sync_active_tenant(scope, dry_run=dry_run)
        else:
            result = SyncResult(removed=_count_or_remove(tenant.pk, dry_run))
        total.add(result)
        if progress:
            progress(tenant, result)
    return total


def _count_or_remove(tenant_id: int, dry_run: bool) -> int:
    if not dry_run:
        return engine.remove_tenant_entries(tenant_id)
    return sum(c.entry_model.objects.filter(tenant_id=tenant_id).count() for c in selected("all"))


def sync_all(scope: str = "all", *, tenant: Tenant | None = None, dry_run: bool = False, progress=None):
    """The command's work: one tenant, or every tenant (inactive ones lose their entries).
    A real run is recorded as a CatalogSyncRun; a dry run writes nothing at all."""
    tenants = [tenant] if tenant else Tenant.objects.order_by("pk")
    if dry_run:
        return sync_tenants(tenants, scope, dry_run=True, progress=progress)
    with recorded(SyncKind.SYNC, scope, tenant_id=tenant.pk if tenant else None) as result:
        result.add(sync_tenants(tenants, scope, progress=progress))
    return result


def sync_tenant_task(scope: str = "all") -> dict:
    """A recorded sync of the active tenant (the command's --async, a settings or tenant change)."""
    with recorded(SyncKind.SYNC, scope, tenant_id=current_tenant().pk) as result:
        result.add(sync_active_tenant(scope))
    return summary(result)


def verify_catalogs() -> dict:
    """Integrity check of both catalogs in every tenant: finds missing, stale and orphaned entries
    (entries of inactive tenants included) and repairs them. Recorded; a second run finds nothing."""
    with recorded(SyncKind.INTEGRITY) as result:
        result.details["orphaned"] += (removed := engine.remove_inactive_tenants_entries())
        result.removed += removed
        result.add(sync_tenants(Tenant.objects.filter(is_active=True).order_by("pk")))
    return summary(result)


def cleanup_closed_jobs() -> int:
    """Take jobs past their closing time off the catalog, and forget sync runs older than 90 days."""
    with recorded(SyncKind.CLEANUP, "jobs") as result:
        result.removed = engine.remove_closed_jobs()
    CatalogSyncRun.objects.filter(started_at__lt=timezone.now() - timedelta(days=KEEP_RUNS_DAYS)).delete()
    return result.removed


def resync_selected(name: str, source_ids) -> SyncResult:
    """The admin's "resync to catalog": the selected rows of the active tenant, recorded."""
    with recorded(SyncKind.RESYNC, name, tenant_id=current_tenant().pk) as result:
        result.add(engine.sync_tenant(name, only_ids=list(source_ids)))
    return result
