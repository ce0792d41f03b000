"""Scheduled entry points of the financial reports (registered in billing/schedules.py, fanned
out per tenant). They run inside a tenant: the trampoline (people.background.run_in_tenant)
enters it. Idempotent: a second run returns the stored report and sends no second e-mail."""

from __future__ import annotations

import logging
from datetime import date, timedelta

from billing.models import FinancialReport, ReportKind

logger = logging.getLogger("billing.reports")

CATCH_UP_DAYS = 7  # after an outage, the daily reports of at most this many missed days are made


def generate_daily_financial_report(day_iso: str | None = None) -> int:
    """The report of `day_iso` (YYYY-MM-DD), by default yesterday in the tenant's time zone and
    then those of the days missed in the week before (workers down). Returns the FinancialReport's
    id of that day."""
    from billing.reports.service import generate_financial_report
    from billing.selectors import tenant_today

    if day_iso:
        return generate_financial_report(kind=ReportKind.DAILY, period_start=date.fromisoformat(day_iso)).pk
    yesterday = tenant_today() - timedelta(days=1)
    missed = missed_days(yesterday)  # before yesterday's report is stored, which ends the gap
    report = generate_financial_report(kind=ReportKind.DAILY, period_start=yesterday)
    for day in missed:
        try:
            generate_financial_report(kind=ReportKind.DAILY, period_start=day)
        except Exception:
            # One day that cannot be built must not hold up the others; the next run tries it
            # again while it is within CATCH_UP_DAYS.
            logger.exception("missed daily report not generated", extra={"day": day.isoformat()})
    return report.pk


def missed_days(yesterday: date) -> list[date]:
    """The last CATCH_UP_DAYS days before `yesterday` that have no daily report, from the tenant's
    first report on (a tenant's reports start the day the schedule first ran for it)."""
    dailies = FinancialReport.objects.filter(kind=ReportKind.DAILY)
    first = dailies.order_by("period_start").values_list("period_start", flat=True).first()
    if first is None:
        return []
    start = max(first, yesterday - timedelta(days=CATCH_UP_DAYS))
    made = set(dailies.filter(period_start__gte=start).values_list("period_start", flat=True))
    days = (start + timedelta(days=n) for n in range((yesterday - start).days))
    return [day for day in days if day not in made]


def generate_monthly_revenue_report(month_iso: str | None = None) -> int:
    """The report of `month_iso` (YYYY-MM or a date in the month), by default the previous month
    in the tenant's time zone. Returns the FinancialReport's id."""
    from billing.reports.service import generate_financial_report
    from billing.selectors import tenant_today

    if month_iso:
        month = date.fromisoformat(f"{month_iso}-01" if len(month_iso) == 7 else month_iso)
    else:
        month = tenant_today().replace(day=1) - timedelta(days=1)
    return generate_financial_report(kind=ReportKind.MONTHLY, period_start=month.replace(day=1)).pk
