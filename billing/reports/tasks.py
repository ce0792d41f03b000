"""Scheduled entry points of the financial reports (registered in billing/schedules.py, fanned
out per tenant). They run inside a tenant: the trampoline (people.background.run_in_tenant)
enters it. Idempotent: a second run returns the stored report and sends no second e-mail."""

from __future__ import annotations

from datetime import date, timedelta

from billing.models import ReportKind


def generate_daily_financial_report(day_iso: str | None = None) -> int:
    """The report of `day_iso` (YYYY-MM-DD), by default yesterday in the tenant's time zone.
    Returns the FinancialReport's id."""
    from billing.reports.service import generate_financial_report
    from billing.selectors import tenant_today

    day = date.fromisoformat(day_iso) if day_iso else tenant_today() - timedelta(days=1)
    return generate_financial_report(kind=ReportKind.DAILY, period_start=day).pk


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
