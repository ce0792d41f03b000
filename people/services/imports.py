"""Background imports of large files: start (store the file, queue validation), confirm (queue the
import) and the two task bodies (validate: a dry run; import: the real one).

Every admin that inherits TenantOwnedAdmin sends a file past `settings.IMPORT_BACKGROUND_ROWS` rows
here instead of previewing it in the request. The same rules as the synchronous import hold: the
resource is built for the job's tenant (never from the file), and a file with any bad row writes
nothing (the import runs in one transaction with rollback on validation errors).

Idempotent tasks: each task claims its job with `select_for_update()` and a status check, so a second
delivery of the same task, or a rerun, finds the job already claimed and does nothing. A job left
"validating"/"importing" by a worker that died is claimed again by the redelivered task once the
task timeout has passed (the import's transaction died with the worker, so nothing was written).

Progress: the import runs inside one transaction, so progress written to the job row would show
only at commit. It is published through the cache instead (`progress_key(job_id)`; Redis in
production, shared by the workers and the web processes) and the final figures go to the row.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.module_loading import import_string
from import_export.formats.base_formats import CSV, XLSX
from import_export.resources import modelresource_factory
from import_export.results import RowResult
from import_export.signals import post_import

from people.background import enqueue
from people.models import ImportFormat, ImportJob, ImportStatus, User
from people.models.imports import MAX_STORED_ERRORS, RUNNING_STATUSES
from people.resources import TenantResource
from people.tenancy import current_tenant

logger = logging.getLogger("people.imports")

#: Largest file accepted for a background import.
MAX_IMPORT_BYTES = 100 * 1024 * 1024
#: How long progress stays in the cache: longer than any task may run.
PROGRESS_TTL = 6 * 60 * 60
#: Files and jobs older than this are deleted by the people.delete_old_imports schedule.
KEEP_IMPORTS = timedelta(days=30)
CSV_ENCODING = "utf-8-sig"  # as the admin's synchronous import reads CSV (ImportMixin.from_encoding)

FORMAT_CLASSES = {ImportFormat.CSV: CSV, ImportFormat.XLSX: XLSX}


class ImportNotAllowed(ValidationError):
    """The import cannot be started or confirmed; the message says why and what to do."""


# --- the resource class, stored as a dotted path -------------------------------------------------
def resource_path(resource_class) -> str:
    """The dotted path the task rebuilds `resource_class` from.

    A resource made by `modelresource_factory()` (admins without resource_classes) is not importable:
    its first importable base is stored and the task rebuilds the class for the job's model.
    """
    for cls in resource_class.__mro__:
        path = f"{cls.__module__}.{cls.__qualname__}"
        try:
            if import_string(path) is cls:
                return path
        except ImportError:
            continue
    raise ImportNotAllowed(f"{resource_class.__name__} cannot be loaded by a background task.")


def load_resource_class(job: ImportJob):
    cls = import_string(job.resource)
    if not (isinstance(cls, type) and issubclass(cls, TenantResource)):
        raise TypeError(f"{job.resource} is not a TenantResource.")
    model = apps.get_model(job.model_label)
    if cls._meta.model is None:  # a base class: the admin built the model's resource from it
        cls = modelresource_factory(model, resource_class=cls)
    return cls


def build_resource(job: ImportJob) -> TenantResource:
    return load_resource_class(job)(tenant=job.tenant, large_file=True)


def read_dataset(job: ImportJob):
    input_format = FORMAT_CLASSES[ImportFormat(job.input_format)]()
    if not input_format.is_binary():
        input_format.encoding = CSV_ENCODING
    with job.file.open("rb") as stored:
        data = stored.read()
    return input_format.create_dataset(data)


# --- progress (cache) -----------------------------------------------------------------------------
def progress_key(job_id: int) -> str:
    return f"import-job:{job_id}:progress"


def publish_progress(job_id: int, *, status: str, processed: int, total: int) -> None:
    cache.set(
        progress_key(job_id),
        {"status": status, "processed": processed, "total": total},
        timeout=PROGRESS_TTL,
    )


def job_progress(job: ImportJob) -> dict:
    """{processed, total, percent} of a job: from the cache while a task runs, else from the row."""
    processed, total = job.processed_rows, job.total_rows
    if job.is_running:
        live = cache.get(progress_key(job.pk))
        if live and live.get("status") == job.status:
            processed, total = live["processed"], live["total"] or total
        else:
            processed = 0
    percent = int(processed * 100 / total) if total else (100 if job.is_finished else 0)
    return {"processed": processed, "total": total, "percent": min(percent, 100)}


# --- starting and confirming (admin, tests) ------------------------------------------------------
def start_import(
    *, admin_model_label: str, resource_class, uploaded_file, input_format: str, user, total_rows: int = 0
) -> ImportJob:
    """Store `uploaded_file` and queue its validation (a dry run in the background).

    The job row and the task are written in one transaction: with the ORM broker the task exists
    exactly when the job does.
    """
    try:
        input_format = ImportFormat(input_format)
    except ValueError:
        raise ImportNotAllowed(
            f"{input_format!r} files cannot be imported in the background; use CSV or XLSX."
        ) from None
    if not (isinstance(resource_class, type) and issubclass(resource_class, TenantResource)):
        raise ImportNotAllowed(f"{resource_class!r} is not a tenant resource.")
    try:
        apps.get_model(admin_model_label)
    except (LookupError, ValueError):
        raise ImportNotAllowed(f"There is no model {admin_model_label!r}.") from None
    if uploaded_file.size > MAX_IMPORT_BYTES:
        raise ImportNotAllowed(
            f"The file is {filesizeformat(uploaded_file.size)}; the limit is "
            f"{filesizeformat(MAX_IMPORT_BYTES)}. Split it into several files."
        )
    path = resource_path(resource_class)
    job = ImportJob(
        tenant=current_tenant(),
        resource=path,
        model_label=admin_model_label.lower(),
        original_name=uploaded_file.name[:255],
        input_format=input_format,
        total_rows=total_rows,
        created_by=user,
    )
    job.file.save(uploaded_file.name, uploaded_file, save=False)  # through Django storage
    try:
        with transaction.atomic():
            job._history_user = user
            job.save()
            enqueue(
                "people.tasks.validate_import_file",
                job.pk,
                task_name=f"validate import {job.pk}",
                group="imports",
            )
    except BaseException:
        job.file.delete(save=False)  # the row is gone with the transaction: so is its file
        raise
    job.refresh_from_db()  # in sync mode (tests) the validation has already run
    return job


REFUSALS = {
    ImportStatus.QUEUED_FOR_VALIDATION: "The file is still waiting for validation; confirm it once it is validated.",
    ImportStatus.VALIDATING: "The file is still being validated; confirm it once it is validated.",
    ImportStatus.VALIDATION_FAILED: (
        "The file has errors, so nothing can be imported from it. Fix the rows listed below "
        "and upload the file again."
    ),
    ImportStatus.QUEUED_FOR_IMPORT: "This import is already confirmed and waiting to run.",
    ImportStatus.IMPORTING: "This import is already confirmed and running.",
    ImportStatus.IMPORTED: "This file has already been imported.",
    ImportStatus.FAILED: "This import failed; upload the file again.",
}


def confirm_import(*, job: ImportJob, user) -> ImportJob:
    """Queue the real import of a validated file without errors."""
    with transaction.atomic():
        locked = ImportJob.objects.select_for_update().get(pk=job.pk)
        if locked.status != ImportStatus.VALIDATED:
            raise ImportNotAllowed(REFUSALS.get(locked.status, "This import cannot be confirmed."))
        if locked.error_count or locked.invalid_count:
            raise ImportNotAllowed(REFUSALS[ImportStatus.VALIDATION_FAILED])
        locked.status = ImportStatus.QUEUED_FOR_IMPORT
        locked.confirmed_by = user
        locked._history_user = user
        locked.save(update_fields=["status", "confirmed_by", "updated_at"])
        enqueue("people.tasks.import_file", locked.pk, task_name=f"import {locked.pk}", group="imports")
    locked.refresh_from_db()
    return locked


# --- the task bodies ------------------------------------------------------------------------------
def _task_timeout() -> timedelta:
    return timedelta(seconds=settings.Q_CLUSTER.get("timeout") or 300)


def _claim(job_id: int, *, waiting: str, running: str) -> ImportJob | None:
    """Move the job from `waiting` to `running` and commit, or return None if another delivery
    already did (or the job is gone). A job stuck in `running` past the task timeout belonged to
    a worker that died: it is claimed again."""
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None:
            logger.warning("import job is gone", extra={"job_id": job_id})
            return None
        abandoned = (
            job.status == running
            and job.started_at is not None
            and job.started_at < timezone.now() - _task_timeout()
        )
        if job.status != waiting and not abandoned:
            logger.info(
                "import job already handled",
                extra={"job_id": job_id, "status": job.status, "wanted": waiting},
            )
            return None
        job.status = running
        job.started_at = timezone.now()
        job.finished_at = None
        job.processed_rows = 0
        job._history_user = _acting_user(job, running)
        job.save(update_fields=["status", "started_at", "finished_at", "processed_rows", "updated_at"])
    publish_progress(job.pk, status=running, processed=0, total=job.total_rows)
    return job


def _acting_user(job: ImportJob, phase: str) -> User | None:
    return job.confirmed_by if phase == ImportStatus.IMPORTING else job.created_by


def validate_job(job_id: int) -> str | None:
    """Task body: a dry run of the whole file; records errors by row and column."""
    return _run(job_id, dry_run=True)


def import_job(job_id: int) -> str | None:
    """Task body: the real import of a validated, confirmed file. All or nothing."""
    return _run(job_id, dry_run=False)


def _run(job_id: int, *, dry_run: bool) -> str | None:
    waiting, running = (
        (ImportStatus.QUEUED_FOR_VALIDATION, ImportStatus.VALIDATING)
        if dry_run
        else (ImportStatus.QUEUED_FOR_IMPORT, ImportStatus.IMPORTING)
    )
    job = _claim(job_id, waiting=waiting, running=running)
    if job is None:
        return None
    try:
        dataset = read_dataset(job)
        resource = build_resource(job)
        total = len(dataset)
        resource.on_progress = lambda processed, total: publish_progress(
            job.pk, status=running, processed=processed, total=total
        )
        publish_progress(job.pk, status=running, processed=0, total=total)
        with transaction.atomic():  # the data and the job's final state commit together
            result = resource.import_data(
                dataset,
                dry_run=dry_run,
                raise_errors=False,
                use_transactions=True,
                rollback_on_validation_errors=True,
                file_name=job.original_name,
                user=_acting_user(job, running),
            )
            _record_result(job, result, total=total, dry_run=dry_run)
    except Exception as exc:  # recorded on the job; retrying a broken file cannot help
        logger.exception("import job failed", extra={"job_id": job_id})
        _record_failure(job_id, running, exc)
        return ImportStatus.FAILED
    finally:
        cache.delete(progress_key(job_id))
    if job.status == ImportStatus.IMPORTED:
        post_import.send(sender=None, model=apps.get_model(job.model_label))
    return job.status


def collect_errors(result) -> tuple[list[dict], int]:
    """The result's errors as [{row, column, message}] (the first MAX_STORED_ERRORS) and their count."""
    errors: list[dict] = []
    count = 0

    def add(row, column, message):
        nonlocal count
        count += 1
        if len(errors) < MAX_STORED_ERRORS:
            errors.append({"row": row, "column": column, "message": str(message)})

    for error in result.base_errors:
        add(None, "", error.error)
    for number, row_errors in result.row_errors():
        for error in row_errors:
            add(number, "", error.error)
    for invalid in result.invalid_rows:
        for key, messages in invalid.error_dict.items():
            column = "" if key == NON_FIELD_ERRORS else key
            for message in messages:
                add(invalid.number, column, message)
    errors.sort(key=lambda e: (e["row"] is not None, e["row"] or 0))
    return errors, count


def _record_result(job: ImportJob, result, *, total: int, dry_run: bool) -> None:
    totals = result.totals
    errors, error_count = collect_errors(result)
    failed = result.has_errors() or result.has_validation_errors()
    job.total_rows = total
    job.processed_rows = total
    job.new_count = totals.get(RowResult.IMPORT_TYPE_NEW, 0)
    job.updated_count = totals.get(RowResult.IMPORT_TYPE_UPDATE, 0)
    job.skipped_count = totals.get(RowResult.IMPORT_TYPE_SKIP, 0)
    job.invalid_count = len(result.invalid_rows) + len(result.row_errors())
    job.errors = errors
    job.error_count = error_count
    job.finished_at = timezone.now()
    if failed:
        job.status = ImportStatus.VALIDATION_FAILED
        job.failure_message = (
            "The file has errors: nothing was imported."
            if dry_run
            else "Rows that passed validation failed on import (the data changed since): nothing was imported."
        )
    else:
        job.status = ImportStatus.VALIDATED if dry_run else ImportStatus.IMPORTED
        job.failure_message = ""
    job._history_user = _acting_user(job, ImportStatus.IMPORTING if not dry_run else ImportStatus.VALIDATING)
    job.save()


def _record_failure(job_id: int, running: str, exc: Exception) -> None:
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job_id)
        if job.status != running:
            return
        job.status = ImportStatus.FAILED
        job.failure_message = f"{type(exc).__name__}: {exc}"[:2000]
        job.finished_at = timezone.now()
        job._history_user = _acting_user(job, running)
        job.save(update_fields=["status", "failure_message", "finished_at", "updated_at"])


# --- clean-up (schedules) ---------------------------------------------------------------------------
STALLED_MESSAGE = (
    "The background worker stopped before this task finished (it ran past the task time limit, or "
    "the worker was shut down). Nothing was written. Upload the file again, or split it into smaller files."
)


def stalled_after() -> timedelta:
    """A task still 'running' this long after it started is dead: q2 kills a task past its timeout
    without retrying it, and a task lost with its worker is redelivered (and reclaimed) after retry."""
    return _task_timeout() + timedelta(seconds=settings.Q_CLUSTER.get("retry") or 600)


def fail_stalled_imports(*, now=None) -> int:
    """Mark the active tenant's jobs stuck in validating/importing as failed. Idempotent."""
    cutoff = (now or timezone.now()) - stalled_after()
    failed = 0
    stalled = ImportJob.objects.filter(status__in=[s.value for s in RUNNING_STATUSES], started_at__lt=cutoff)
    for job_id in stalled.values_list("pk", flat=True):
        with transaction.atomic():
            job = ImportJob.objects.select_for_update().get(pk=job_id)
            if job.status not in RUNNING_STATUSES or job.started_at >= cutoff:
                continue
            job._history_user = None  # the system
            job.status = ImportStatus.FAILED
            job.failure_message = STALLED_MESSAGE
            job.finished_at = timezone.now()
            job.save(update_fields=["status", "failure_message", "finished_at", "updated_at"])
            failed += 1
        cache.delete(progress_key(job_id))
    return failed


def delete_old_imports(*, now=None) -> int:
    """Delete the active tenant's import jobs older than 30 days, and their files. Idempotent."""
    cutoff = (now or timezone.now()) - KEEP_IMPORTS
    deleted = 0
    for job in ImportJob.objects.filter(created_at__lt=cutoff).order_by("pk").iterator():
        if job.file:
            job.file.delete(save=False)
        job.delete()
        deleted += 1
    return deleted
