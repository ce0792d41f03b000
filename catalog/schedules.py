"""Schedules of the catalog app (synced by `manage.py sync_schedules`).

Both are global jobs: they read the global catalogs and the global Tenant table, and enter each
active tenant themselves (catalog.sync.operations), so orphans of inactive tenants are found too.
"""

from django_q.models import Schedule

from people.scheduling import ScheduleSpec

SCHEDULES = [
    # Daily: compares every entry with its source (missing, stale, orphaned), repairs what differs
    # and records a CatalogSyncRun. It catches what change tasks cannot see (queryset.update(),
    # imports written in bulk, the Redis broker losing a task); a second run finds nothing.
    ScheduleSpec(
        name="catalog.verify_catalogs",
        func="catalog.tasks.verify_catalogs",
        schedule_type=Schedule.DAILY,
    ),
    # Hourly: a job leaves the catalog at most an hour after its closing time (no change to the
    # job tells us); deleting what is already closed is a no-op the second time.
    ScheduleSpec(
        name="catalog.cleanup_closed_jobs",
        func="catalog.tasks.cleanup_closed_jobs",
        schedule_type=Schedule.HOURLY,
    ),
]
