"""Background tasks of the people app. Task functions take ids, never model instances."""

from django.core.management import call_command


def clear_expired_sessions() -> None:
    """Global job: delete expired login sessions (Django's clearsessions)."""
    call_command("clearsessions")


def post_monthly_accruals(period: str | None = None) -> int:
    """Per tenant: this month's accruals (idempotent per employee, type and month)."""
    from people.services.timeoff import post_monthly_accruals as post

    return post(period)


def close_time_off_year(year: int | None = None) -> dict[str, int]:
    """Per tenant: last year's expiry and carry-over, this year's upfront allowances (idempotent)."""
    from people.services.timeoff import close_year

    return close_year(year)


def validate_import_file(job_id: int) -> str | None:
    """Per tenant: validate (dry-run) a large import file; idempotent (the job is claimed once)."""
    from people.services.imports import validate_job

    return validate_job(job_id)


def import_file(job_id: int) -> str | None:
    """Per tenant: import a validated and confirmed file, all or nothing; idempotent."""
    from people.services.imports import import_job

    return import_job(job_id)


def delete_old_imports() -> int:
    """Per tenant: delete import jobs and their files older than 30 days (idempotent)."""
    from people.services.imports import delete_old_imports as delete

    return delete()


def fail_stalled_imports() -> int:
    """Global job: mark import jobs whose task died (past the q2 timeout) as failed, tenant by tenant."""
    from people.models import ImportJob, Tenant
    from people.models.imports import RUNNING_STATUSES
    from people.services.imports import fail_stalled_imports as fail
    from people.tenancy import all_tenants, tenant_context

    with all_tenants(reason="find import jobs whose background task died"):
        tenant_ids = set(
            ImportJob.objects.filter(status__in=RUNNING_STATUSES).values_list("tenant_id", flat=True)
        )
    failed = 0
    for tenant in Tenant.objects.filter(pk__in=tenant_ids).order_by("pk"):
        with tenant_context(tenant):
            failed += fail()
    return failed
