from django_q.models import Schedule

from people.scheduling import ScheduleSpec

SCHEDULES = [
    ScheduleSpec(
        name="people.clear_expired_sessions",
        func="people.tasks.clear_expired_sessions",
        schedule_type=Schedule.DAILY,
    ),
    # Both time-off jobs run daily although their work is monthly and yearly: each run posts only
    # what is missing for the current month or the year just closed, so the first run of a month
    # (or of January) does the work, later runs post nothing, and a missed day catches up by itself.
    ScheduleSpec(
        name="people.post_monthly_accruals",
        func="people.tasks.post_monthly_accruals",
        schedule_type=Schedule.DAILY,
        per_tenant=True,
    ),
    ScheduleSpec(
        name="people.close_time_off_year",
        func="people.tasks.close_time_off_year",
        schedule_type=Schedule.DAILY,
        per_tenant=True,
    ),
    # Large import files (people.services.imports) and their jobs are kept 30 days.
    ScheduleSpec(
        name="people.delete_old_imports",
        func="people.tasks.delete_old_imports",
        schedule_type=Schedule.DAILY,
        per_tenant=True,
    ),
    # A task q2 stopped at its timeout is not retried: its job would say "importing" for ever.
    ScheduleSpec(
        name="people.fail_stalled_imports",
        func="people.tasks.fail_stalled_imports",
        schedule_type=Schedule.MINUTES,
        minutes=10,
    ),
    # Maintenance (people.maintenance): q2 keeps every successful task record (save_limit 0, as its
    # count cap locks the whole table on each save), so old ones are deleted by age instead.
    ScheduleSpec(
        name="people.purge_old_task_records",
        func="people.maintenance.purge_old_task_records",
        schedule_type=Schedule.DAILY,
    ),
    # Each tenant keeps change history for its own period (Tenant.history_retention_days).
    ScheduleSpec(
        name="people.purge_old_history",
        func="people.maintenance.purge_old_history",
        schedule_type=Schedule.DAILY,
        per_tenant=True,
    ),
    # Global, not per tenant: one task computes every tenant from a few queries (a fan-out every
    # five minutes would add a task record per tenant each time).
    ScheduleSpec(
        name="people.check_tenant_health",
        func="people.tenant_health.check_tenant_health",
        schedule_type=Schedule.MINUTES,
        minutes=5,
    ),
    # Today's metric snapshots (people.analytics), which the dashboards read.
    ScheduleSpec(
        name="people.refresh_daily_metrics",
        func="people.analytics.refresh_daily_metrics",
        schedule_type=Schedule.HOURLY,
        per_tenant=True,
    ),
]
