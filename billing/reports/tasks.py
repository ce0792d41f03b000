"""Scheduled entry points of the financial reports (registered in billing/schedules.py, fanned
out per tenant). They run inside a tenant: the trampoline (people.background.run_in_tenant)
enters it. Idempotent: a second run returns the stored report and sends no second e-mail."""

from __future__ import annotations

from datetime import date, timedelta

from billing.models import FinancialReport, ReportKind

CATCH_UP_DAYS = 7  # after an outage, the daily reports of at most this many missed days are made


def generate_daily_financial_report(day_iso: str | None = None) -> int:
    """The report of `day_iso` (YYYY-MM-DD), by default yesterday in the tenant's time zone, after
    the reports of the days missed since the last one (workers down: at most CATCH_UP_DAYS, oldest
    first). Returns the FinancialReport's id of that day."""
    from billing.reports.service import generate_financial_report
    from billing.selectors import tenant_today

    if day_iso:
        return generate_financial_report(kind=ReportKind.DAILY, period_start=date.fromisoformat(day_iso)).pk
    yesterday = tenant_today() - timedelta(days=1)
    for day in missed_days(yesterday):
        generate_financial_report(kind=ReportKind.DAILY, period_start=day)
    return generate_financial_report(kind=ReportKind.DAILY, period_start=yesterday).pk


def missed_days(yesterday: date) -> list[date]:
    """Days before `yesterday` without a daily report since the last one (none before the first:
    a tenant's reports start the day the schedule first ran for it)."""
    dailies = FinancialReport.objects.filter(kind=ReportKind.DAILY, period_start__lt=yesterday)
    last = dailies.order_by("-period_start").values_list("period_start", flat=True).first()
    if last is None:
        return []
    first = max(last + timedelta(days=1), yesterday - timedelta(days=CATCH_UP_DAYS))
    return [first + timedelta(days=n) for n in range((yesterday - first).days)]


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
