"""Sync runs: what each catalog sync, integrity check or cleanup did. Global: a run may cover
every tenant (the schedules), and platform staff read them in the admin."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

ERROR_SAMPLES = 20  # enough to see what is wrong; the log has every error


class SyncKind(models.TextChoices):
    SYNC = "sync", _("Sync")
    RESYNC = "resync", _("Resync of selected rows")
    INTEGRITY = "integrity", _("Integrity check")
    CLEANUP = "cleanup", _("Cleanup of closed jobs")


class SyncScope(models.TextChoices):
    JOBS = "jobs", _("Jobs")
    PROVIDERS = "providers", _("Providers")
    ALL = "all", _("Jobs and providers")


class CatalogSyncRun(models.Model):
    kind = models.CharField(max_length=20, choices=SyncKind.choices)
    catalog = models.CharField(max_length=20, choices=SyncScope.choices, default=SyncScope.ALL)
    tenant = models.ForeignKey(
        "people.Tenant",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty when the run covered every tenant."),
    )
    started_at = models.DateTimeField(_("started"))
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    synced = models.PositiveIntegerField(default=0, help_text=_("Entries written (new or changed)."))
    skipped = models.PositiveIntegerField(default=0, help_text=_("Entries already up to date."))
    removed = models.PositiveIntegerField(default=0, help_text=_("Entries taken off the catalog."))
    errors = models.PositiveIntegerField(default=0, help_text=_("Source rows that could not be copied."))
    error_samples = models.JSONField(default=list, blank=True, help_text=_("The first errors."))
    details = models.JSONField(default=dict, blank=True, help_text=_("E.g. missing, stale, orphaned."))

    history = HistoricalRecords()

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("catalog sync run")
        indexes = [models.Index(fields=["-started_at"], name="catalog_run_started")]

    def __str__(self):
        return f"{self.get_kind_display()} of {self.get_catalog_display().lower()} at {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def status(self) -> str:
        if self.finished_at is None:
            return "running"
        return "with errors" if self.errors else "ok"
