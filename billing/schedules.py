"""Schedules of the billing app (synced by `manage.py sync_schedules`). Every one runs in each
tenant and is idempotent: keys and unique constraints make a double, concurrent or re-run after a
crash change nothing more (see each service's docstring)."""

from django_q.models import Schedule

from people.scheduling import ScheduleSpec


def _per_tenant(name: str, schedule_type: str, minutes: int | None = None) -> ScheduleSpec:
    return ScheduleSpec(
        name=f"billing.{name}",
        func=f"billing.tasks.{name}",
        schedule_type=schedule_type,
        minutes=minutes,
        per_tenant=True,
    )


SCHEDULES = [
    # Renewals are due on any day of the month; daily so a missed run catches up the next day.
    _per_tenant("generate_monthly_invoices", Schedule.DAILY),
    _per_tenant("update_subscription_status", Schedule.DAILY),
    # Dunning retries are due by the hour (1, 3 and 7 days after a failure).
    _per_tenant("retry_failed_payments", Schedule.HOURLY),
    _per_tenant("sync_gateway_payments", Schedule.HOURLY),
    _per_tenant("process_escrow_transactions", Schedule.HOURLY),
    _per_tenant("process_pending_refunds", Schedule.MINUTES, minutes=15),
    # Yesterday's report, and on the first days of a month the previous month's: once each.
    _per_tenant("generate_daily_financial_report", Schedule.DAILY),
    _per_tenant("generate_monthly_revenue_report", Schedule.DAILY),
]
