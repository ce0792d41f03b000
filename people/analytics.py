"""Daily metric snapshots, so dashboards of large tenants read one row instead of counting.

How an app adds a metric: define `METRICS` in `<app>/metrics.py`, a dict of
`"<app>.<name>": measure`, where `measure()` runs inside the tenant (scoped queries) and returns a
number, or None when it does not apply. The hourly schedule `people.refresh_daily_metrics` runs
every measure in every active tenant and upserts today's `DailyMetric` row (tenant, day, key), so
a second run in the same hour changes nothing and the last run of a day is that day's value.
A dashboard widget reads `metric_today(key)` and falls back to its live query when it is None.
"""

import zoneinfo
from collections.abc import Callable
from datetime import date
from decimal import Decimal

from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from people.models import DailyMetric
from people.registry import collect
from people.tenancy import current_tenant


def declared_metrics() -> dict[str, Callable]:
    metrics = {}
    for app_label, declared in collect("metrics", "METRICS"):
        for key, measure in declared.items():
            if not key.startswith(f"{app_label}."):
                raise ImproperlyConfigured(
                    f"Metric {key!r} of app {app_label} must be named '{app_label}.…'."
                )
            metrics[key] = measure
    return metrics


def tenant_today() -> date:
    """Today in the active tenant's time zone: the day a snapshot belongs to."""
    return timezone.now().astimezone(zoneinfo.ZoneInfo(current_tenant().timezone)).date()


def refresh_daily_metrics() -> int:
    """Per tenant (hourly): measure every declared metric and upsert today's rows. Idempotent."""
    day = tenant_today()
    rows = []
    for key, measure in declared_metrics().items():
        value = measure()
        if value is not None:
            rows.append(DailyMetric(day=day, key=key, value=Decimal(value)))
    DailyMetric.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["tenant", "day", "key"],
        update_fields=["value", "updated_at"],
    )
    return len(rows)


def metric_today(key: str) -> DailyMetric | None:
    """Today's snapshot of `key` in the active tenant, or None before the first refresh of the day."""
    return DailyMetric.objects.filter(day=tenant_today(), key=key).first()
