"""Small helpers the billing services share: the tenant's today, status labels, row locks."""

from __future__ import annotations

import zoneinfo
from datetime import date, datetime, time

from django.utils import timezone

from people.tenancy import current_tenant


def tenant_zone() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(current_tenant().timezone or "UTC")


def tenant_today() -> date:
    """Today in the active tenant's timezone (invoice dates, due dates and report days use it)."""
    return timezone.now().astimezone(tenant_zone()).date()


def start_of_tenant_day(day: date) -> datetime:
    """Midnight that begins `day` in the active tenant's timezone (a date finance typed in)."""
    return datetime.combine(day, time.min, tenant_zone())


def labels(choices, statuses) -> str:
    """Human labels in the choices' order: "Open or Uncollectible"."""
    names = [str(choice.label) for choice in choices if choice in statuses]
    if not names:
        return "nothing (it is final)"
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


def add_months(day: date, months: int) -> date:
    """The same day `months` later, clamped to the month's end (31 Jan + 1 month = 28/29 Feb)."""
    import calendar

    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
