"""Maintenance jobs: forget old successful task records and old change history.

Deletes run in batches, each its own short statement, so a large backlog never holds one long
lock, and a run cut off half-way leaves the rest to the next run. Running a job twice deletes
nothing the second time.
"""

import logging
from datetime import timedelta

from django.apps import apps
from django.conf import settings
from django.utils import timezone
from django_q.models import Success

from people.tenancy import TenantOwned, current_tenant

logger = logging.getLogger("people.maintenance")

BATCH = 1000


def delete_in_batches(queryset, batch: int | None = None) -> int:
    """Delete the rows of `queryset`, `batch` (default BATCH) primary keys at a time. Returns the count."""
    model, deleted, batch = queryset.model, 0, batch or BATCH
    while ids := list(queryset.order_by().values_list("pk", flat=True)[:batch]):
        deleted += model._base_manager.filter(pk__in=ids).delete()[0]
    return deleted


def purge_old_task_records() -> int:
    """Global (daily): delete successful q2 task records older than Q_SUCCESS_KEEP_DAYS.

    Failed tasks stay: the platform page lists them until someone retries them.
    """
    cutoff = timezone.now() - timedelta(days=settings.Q_SUCCESS_KEEP_DAYS)
    deleted = delete_in_batches(Success.objects.filter(stopped__lt=cutoff))
    logger.info("purged old task records", extra={"deleted": deleted})
    return deleted


def tenant_owned_models() -> list:
    return [
        model
        for model in apps.get_models()
        if issubclass(model, TenantOwned) and not model.__name__.startswith("Historical")
    ]


def tenant_history_models() -> list:
    """The history model of every tenant-owned model (their rows carry tenant_id)."""
    return [model.history.model for model in tenant_owned_models()]


def purge_old_history() -> int:
    """Per tenant (daily): delete the tenant's history rows older than its retention period
    (Tenant.history_retention_days), in every tenant-owned model's history table.

    simple-history's `clean_old_history` does the same for one cut-off across every tenant; here
    each tenant keeps its own period, so each table is filtered by tenant_id and history_date.
    """
    tenant = current_tenant()
    cutoff = timezone.now() - timedelta(days=tenant.history_retention_days)
    deleted = 0
    for history_model in tenant_history_models():
        old = history_model._base_manager.filter(tenant_id=tenant.pk, history_date__lt=cutoff)
        deleted += delete_in_batches(old)
    logger.info(
        "purged old history",
        extra={"tenant_id": tenant.pk, "deleted": deleted, "keep_days": tenant.history_retention_days},
    )
    return deleted
