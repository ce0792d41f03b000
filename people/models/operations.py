"""What the maintenance schedules record: daily metric snapshots and tenant health snapshots.

Both are derived data, recomputed by schedules and written with `bulk_create(update_conflicts=True)`
on their natural key, so a second run rewrites the same rows. That write path records no history
rows: nobody edits these tables, and their history would only repeat them. They still declare
history, as every project model does (console.E001).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from people.tenancy import TenantOwned


class DailyMetric(TenantOwned):
    """One figure of one tenant on one day (the tenant's local date), e.g. people.headcount.

    Written hourly by people.analytics.refresh_daily_metrics from every app's `metrics.py`;
    dashboards read today's value instead of counting a large table on every page view.
    """

    day = models.DateField(_("day"))
    key = models.CharField(_("metric"), max_length=100, help_text=_("<app>.<name>, e.g. people.headcount."))
    value = models.DecimalField(_("value"), max_digits=20, decimal_places=4)

    class Meta:
        ordering = ["-day", "key"]
        verbose_name = _("daily metric")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "day", "key"], name="daily_metric_unique_per_tenant")
        ]

    def __str__(self):
        return f"{self.key} on {self.day}: {self.value.normalize():f}"


class TenantHealthSnapshot(models.Model):
    """A tenant's health every five minutes, for the platform page.

    Global by design: platform staff read every tenant's snapshot on one page, and one global job
    writes them all from a few cross-tenant queries (a per-tenant task every five minutes would fill
    q2's task table). It points only at the global Tenant table.
    """

    tenant = models.ForeignKey("people.Tenant", on_delete=models.CASCADE, related_name="health_snapshots")
    taken_at = models.DateTimeField(_("taken at"), help_text=_("Start of the five-minute slot."))
    record_counts = models.JSONField(_("records per app"), default=dict)
    failed_tasks_last_hour = models.PositiveIntegerField(_("failed tasks in the last hour"), default=0)
    last_runs = models.JSONField(
        _("last successful runs"),
        default=dict,
        help_text=_("Per-tenant schedule name: ISO time of its last success in this tenant, or null."),
    )
    catalog_drift = models.PositiveIntegerField(
        _("catalog drift"),
        null=True,
        blank=True,
        help_text=_("Public catalog entries that differ from the tenant's data; empty when not measured."),
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["-taken_at", "tenant"]
        verbose_name = _("tenant health snapshot")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "taken_at"], name="health_snapshot_unique_per_slot")
        ]

    def __str__(self):
        return f"{self.tenant} at {self.taken_at:%Y-%m-%d %H:%M}"
