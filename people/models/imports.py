"""Background imports of large files: one `ImportJob` per uploaded file.

A file past `settings.IMPORT_BACKGROUND_ROWS` rows is not previewed in the request: it is stored
through Django storage (a per-tenant folder under imports/), validated by a task (a dry run), then,
once someone confirms, imported by another task. The job records the status, the counts and the
errors by row and column; progress while a task runs lives in the cache (see
people.services.imports), because the import's own transaction hides the job row's changes.
"""

import uuid
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from people.tenancy import TenantOwned

#: Errors kept on the job; the total is kept in `error_count`.
MAX_STORED_ERRORS = 200


def import_file_path(job, filename: str) -> str:
    """imports/tenant-<id>/<random>/<name>: per tenant, and never guessable from a job id."""
    return f"imports/tenant-{job.tenant_id}/{uuid.uuid4().hex}/{PurePath(filename).name}"


class ImportStatus(models.TextChoices):
    QUEUED_FOR_VALIDATION = "queued_for_validation", _("Queued for validation")
    VALIDATING = "validating", _("Validating")
    VALIDATED = "validated", _("Validated: waiting for confirmation")
    VALIDATION_FAILED = "validation_failed", _("Validation failed")
    QUEUED_FOR_IMPORT = "queued_for_import", _("Queued for import")
    IMPORTING = "importing", _("Importing")
    IMPORTED = "imported", _("Imported")
    FAILED = "failed", _("Failed")


RUNNING_STATUSES = (ImportStatus.VALIDATING, ImportStatus.IMPORTING)
WAITING_STATUSES = (ImportStatus.QUEUED_FOR_VALIDATION, ImportStatus.QUEUED_FOR_IMPORT)
FINISHED_STATUSES = (
    ImportStatus.VALIDATED,
    ImportStatus.VALIDATION_FAILED,
    ImportStatus.IMPORTED,
    ImportStatus.FAILED,
)


class ImportFormat(models.TextChoices):
    CSV = "csv", "CSV"
    XLSX = "xlsx", "XLSX"


class ImportJob(TenantOwned):
    """One large file imported in the background: validated first, imported once confirmed."""

    resource = models.CharField(
        _("resource"), max_length=255, help_text=_("Dotted path of the import-export resource class.")
    )
    model_label = models.CharField(
        _("model"), max_length=100, help_text=_("app_label.model_name of the imported model.")
    )
    original_name = models.CharField(_("file name"), max_length=255)
    file = models.FileField(_("file"), upload_to=import_file_path, max_length=500)
    input_format = models.CharField(_("format"), max_length=10, choices=ImportFormat.choices)
    status = models.CharField(
        _("status"),
        max_length=30,
        choices=ImportStatus.choices,
        default=ImportStatus.QUEUED_FOR_VALIDATION,
    )
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    processed_rows = models.PositiveIntegerField(_("processed rows"), default=0)
    new_count = models.PositiveIntegerField(_("new"), default=0)
    updated_count = models.PositiveIntegerField(_("updated"), default=0)
    skipped_count = models.PositiveIntegerField(_("skipped"), default=0)
    invalid_count = models.PositiveIntegerField(_("invalid rows"), default=0)
    error_count = models.PositiveIntegerField(_("errors"), default=0)
    errors = models.JSONField(
        _("errors"),
        default=list,
        blank=True,
        help_text=_("The first errors, each {row, column, message}; error_count has the total."),
    )
    failure_message = models.TextField(_("failure"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("confirmed by"),
    )
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("import job")
        indexes = [
            models.Index(fields=["tenant", "status"], name="importjob_tenant_status"),
            models.Index(fields=["tenant", "created_at"], name="importjob_tenant_created"),
        ]

    def __str__(self):
        return f"Import #{self.pk} {self.original_name}"

    @property
    def is_running(self) -> bool:
        return self.status in RUNNING_STATUSES

    @property
    def is_waiting(self) -> bool:
        return self.status in WAITING_STATUSES

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED_STATUSES

    @property
    def more_errors(self) -> int:
        """Errors counted but not stored on the job."""
        return max(self.error_count - len(self.errors or []), 0)
