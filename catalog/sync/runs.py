"""Recording what a sync did: a CatalogSyncRun row, created when the work starts (a run that
never finishes stays visible as running) and completed with the counts."""

from contextlib import contextmanager

from django.utils import timezone

from catalog.models import CatalogSyncRun
from catalog.sync.engine import SyncResult


@contextmanager
def recorded(kind: str, catalog: str = "all", *, tenant_id: int | None = None):
    """with recorded(SyncKind.SYNC, "jobs") as result: result.add(...) — saved when the block ends."""
    run = CatalogSyncRun.objects.create(
        kind=kind, catalog=catalog, tenant_id=tenant_id, started_at=timezone.now()
    )
    result = SyncResult()
    try:
        yield result
    except Exception as exc:
        result.details["aborted"] += 1
        result.error_samples = [*result.error_samples, {"error": f"run aborted: {exc!r}"}]
        raise
    finally:
        # Saved even when the block fails: the counts so far, and the error as a sample.
        run.finished_at = timezone.now()
        for name in ("synced", "skipped", "removed", "errors"):
            setattr(run, name, getattr(result, name))
        run.error_samples = result.error_samples
        run.details = {key: value for key, value in sorted(result.details.items()) if value}
        run.save()
