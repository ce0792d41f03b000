"""Background tasks of the catalog. Task functions take ids, never model instances; tenant tasks
run through the trampoline (people.background.run_in_tenant), which enters the tenant first and
skips a deactivated one. Every task is idempotent: running it twice leaves the same catalog."""


def sync_job(job_id: int) -> str:
    """Per tenant: bring one job's catalog entry in line with the job (after a change)."""
    from catalog.sync.engine import sync_row

    return sync_row("jobs", job_id)


def sync_provider(provider_id: int) -> str:
    """Per tenant: bring one provider's catalog entry in line with the provider (after a change)."""
    from catalog.sync.engine import sync_row

    return sync_row("providers", provider_id)


def sync_tenant_catalogs(scope: str = "all") -> dict:
    """Per tenant: sync its whole catalog(s), recorded as a CatalogSyncRun."""
    from catalog.sync.operations import sync_tenant_task

    return sync_tenant_task(scope)


def verify_catalogs() -> dict:
    """Global (schedule): integrity check and repair of both catalogs in every tenant."""
    from catalog.sync.operations import verify_catalogs as verify

    return verify()


def cleanup_closed_jobs() -> int:
    """Global (schedule): remove jobs past their closing time from the catalog."""
    from catalog.sync.operations import cleanup_closed_jobs as cleanup

    return cleanup()


def remove_inactive_tenants_entries() -> int:
    """Global: remove the entries of every inactive tenant (the command's --async)."""
    from catalog.sync.engine import remove_inactive_tenants_entries as remove

    return remove()
