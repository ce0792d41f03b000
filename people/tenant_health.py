"""Tenant health every five minutes, for the platform page (schedule people.check_tenant_health).

Per active tenant: records per app, failed tasks in the last hour, the last successful run of each
per-tenant schedule in that tenant, and catalog drift. One global job computes every tenant from a
few cross-tenant queries and upserts one TenantHealthSnapshot per tenant and five-minute slot, so a
second run in the same slot rewrites the same rows.

Tasks are matched to tenants through the trampoline's arguments: every tenant task is stored by q2
as run_in_tenant(tenant_id, func_path, ...) (people.background).
"""

from collections import Counter, defaultdict
from datetime import datetime, timedelta

from django.db.models import Count, OuterRef, Subquery
from django.utils import timezone
from django_q.models import Failure, Success

from people.background import TRAMPOLINE
from people.maintenance import tenant_owned_models
from people.models import Tenant, TenantHealthSnapshot
from people.registry import collect
from people.scheduling import declared_schedules
from people.tenancy import all_tenants, tenant_context

SLOT_MINUTES = 5
KEEP_DAYS = 7
# q2 saves a task a moment after it stopped: successes are re-read this far behind the last snapshot.
OVERLAP = timedelta(minutes=15)


def slot_of(moment: datetime) -> datetime:
    return moment.replace(minute=moment.minute - moment.minute % SLOT_MINUTES, second=0, microsecond=0)


def latest_snapshots():
    """The newest snapshot of each tenant (one query; the platform page reads it too)."""
    newest = TenantHealthSnapshot.objects.filter(tenant=OuterRef("tenant")).order_by("-taken_at")
    return TenantHealthSnapshot.objects.filter(taken_at=Subquery(newest.values("taken_at")[:1]))


def record_counts() -> dict[int, dict[str, int]]:
    """{tenant id: {app label: rows of its tenant-owned models}}: one grouped query per model."""
    counts = defaultdict(Counter)
    with all_tenants(reason="tenant health check: records per tenant"):
        for model in tenant_owned_models():
            label = model._meta.app_label
            for tenant_id, n in model.objects.order_by().values_list("tenant_id").annotate(n=Count("pk")):
                counts[tenant_id][label] += n
    return counts


def failed_tasks_since(moment: datetime) -> Counter:
    """{tenant id: failed tenant tasks that stopped after `moment`}."""
    args = Failure.objects.filter(func=TRAMPOLINE, stopped__gte=moment).values_list("args", flat=True)
    return Counter(a[0] for a in args if a)


def last_successful_runs(tenant_ids, previous: dict[int, dict], since: datetime | None) -> dict[int, dict]:
    """{tenant id: {per-tenant schedule name: ISO time of its last success there, or None}}.

    Starts from the previous snapshots and reads only the successes since then (all of them when
    a tenant has no snapshot yet), so the job stays cheap however many task records are kept.
    """
    names = {spec.func: spec.name for spec in declared_schedules() if spec.per_tenant}
    runs = {tid: {name: (previous.get(tid) or {}).get(name) for name in names.values()} for tid in tenant_ids}
    successes = Success.objects.filter(func=TRAMPOLINE)
    if since is not None:
        successes = successes.filter(stopped__gte=since)
    for args, stopped in successes.values_list("args", "stopped").iterator():
        if not args or len(args) < 2 or args[0] not in runs or args[1] not in names:
            continue
        tenant_runs, name = runs[args[0]], names[args[1]]
        known = tenant_runs.get(name)
        if known is None or datetime.fromisoformat(known) < stopped:
            tenant_runs[name] = stopped.isoformat()
    return runs


def catalog_drift(tenant: Tenant) -> int | None:
    """Hook: `CATALOG_DRIFT` in `<app>/health.py`, called inside the tenant, returns how many public
    catalog entries are missing or orphaned (catalog/health.py: a few counting queries); None, shown
    as "not measured", when no app defines it."""
    for _app, measure in collect("health", "CATALOG_DRIFT"):
        with tenant_context(tenant):
            return measure()
    return None


def check_tenant_health(now: datetime | None = None) -> int:
    """Global (every 5 minutes): snapshot every active tenant's health. Returns the tenant count."""
    now = now or timezone.now()
    tenants = list(Tenant.objects.filter(is_active=True).order_by("pk"))
    ids = [tenant.pk for tenant in tenants]
    previous = {s.tenant_id: s for s in latest_snapshots().filter(tenant_id__in=ids)}
    since = None  # a tenant without a snapshot yet: read every kept success once
    if previous and len(previous) == len(ids):
        since = min(s.taken_at for s in previous.values()) - OVERLAP
    counts, failed = record_counts(), failed_tasks_since(now - timedelta(hours=1))
    runs = last_successful_runs(ids, {tid: s.last_runs for tid, s in previous.items()}, since)
    apps_with_data = sorted({model._meta.app_label for model in tenant_owned_models()})
    snapshots = [
        TenantHealthSnapshot(
            tenant=tenant,
            taken_at=slot_of(now),
            record_counts={label: counts[tenant.pk][label] for label in apps_with_data},
            failed_tasks_last_hour=failed[tenant.pk],
            last_runs=runs[tenant.pk],
            catalog_drift=catalog_drift(tenant),
        )
        for tenant in tenants
    ]
    TenantHealthSnapshot.objects.bulk_create(
        snapshots,
        update_conflicts=True,
        unique_fields=["tenant", "taken_at"],
        update_fields=["record_counts", "failed_tasks_last_hour", "last_runs", "catalog_drift"],
    )
    # A raw DELETE: Model.delete() would write a history row for each forgotten snapshot.
    expired = TenantHealthSnapshot.objects.filter(taken_at__lt=now - timedelta(days=KEEP_DAYS))
    expired._raw_delete(expired.db)
    return len(snapshots)
