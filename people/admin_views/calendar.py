"""The time-off calendar: a month grid of who is off, from three flat queries."""

from __future__ import annotations

import calendar
import re
import zoneinfo
from datetime import date, timedelta
from decimal import Decimal
from urllib.parse import urlencode

from django.contrib import messages
from django.utils import timezone

from people import selectors
from people.admin_views.common import (
    _department_choices,
    _department_nodes,
    _render,
    _selected_department,
    _subtree_ids,
)
from people.models import (
    Holiday,
    RequestStatus,
    TimeOffRequest,
)
from people.services.timeoff import (
    days_text,
)

# --- 2. time-off calendar -------------------------------------------------------------------
MONTH_PATTERN = re.compile(r"^(\d{4})-(\d{2})$")
FIRST_YEAR, LAST_YEAR = 1900, 2999


def tenant_today(tenant) -> date:
    return timezone.now().astimezone(zoneinfo.ZoneInfo(tenant.timezone)).date()


def parse_month(value: str) -> date | None:
    """'2026-05' -> date(2026, 5, 1); None for anything else."""
    match = MONTH_PATTERN.match(value or "")
    if not match:
        return None
    year, month = int(match[1]), int(match[2])
    if not (FIRST_YEAR <= year <= LAST_YEAR and 1 <= month <= 12):
        return None
    return date(year, month, 1)


def _day_portion(time_off: TimeOffRequest, day: date) -> tuple[Decimal, str]:
    """How much of a working day the request takes, and which half ('am', 'pm' or '')."""
    morning = not (day == time_off.start_date and time_off.half_day_start)  # starts at midday
    afternoon = not (day == time_off.end_date and time_off.half_day_end)  # ends at midday
    if morning and afternoon:
        return Decimal("1"), ""
    if morning:
        return Decimal("0.5"), "am"
    if afternoon:
        return Decimal("0.5"), "pm"
    return Decimal("0"), ""


def _cell(cell: dict, day: dict) -> dict:
    """A grid cell with its CSS classes worked out here (cheaper than template conditionals on
    every one of the month's cells)."""
    classes = ["po-weekend" if day["weekend"] else "po-holiday" if day["holiday"] else ""]
    if cell:
        classes += ["po-off", f"po-{cell['status']}", f"po-half-{cell['half']}" if cell["half"] else ""]
    return {**cell, "css": " ".join(c for c in classes if c), "holiday": day["holiday"]}


def time_off_calendar(request, site):
    """A month of approved and pending time off: three queries (departments, holidays, requests)."""
    today = tenant_today(request.tenant)
    raw_month = request.GET.get("month", "").strip()
    first = parse_month(raw_month) if raw_month else None
    if raw_month and first is None:
        messages.warning(
            request,
            f"“{raw_month[:20]}” is not a month: use YYYY-MM (for example {today:%Y-%m}). "
            "Showing the current month.",
        )
    first = first or today.replace(day=1)
    last = first.replace(day=calendar.monthrange(first.year, first.month)[1])

    departments = _department_nodes()
    department_id = _selected_department(request, departments)
    holidays = dict(Holiday.objects.filter(date__range=(first, last)).values_list("date", "name"))
    requests = selectors.requests_overlapping(
        first, last, statuses=(RequestStatus.APPROVED, RequestStatus.PENDING)
    )
    if department_id is not None:
        requests = requests.filter(employee__department_id__in=_subtree_ids(departments, department_id))

    days = []
    for offset in range((last - first).days + 1):
        day = first + timedelta(days=offset)
        days.append(
            {
                "date": day,
                "weekend": day.weekday() >= 5,
                "holiday": holidays.get(day, ""),
                "today": day == today,
            }
        )
    working = [not d["weekend"] and not d["holiday"] for d in days]

    rows: dict[int, dict] = {}
    for time_off in requests:
        employee = time_off.employee
        row = rows.get(employee.pk)
        if row is None:
            row = rows[employee.pk] = {
                "employee": employee,
                "cells": [{} for _ in days],
                "approved": Decimal("0"),
                "pending": Decimal("0"),
            }
        pending = time_off.status == RequestStatus.PENDING
        span_start, span_end = max(time_off.start_date, first), min(time_off.end_date, last)
        for offset in range((span_start - first).days, (span_end - first).days + 1):
            if not working[offset]:
                continue  # weekends and holidays are free: not taken, only shaded
            portion, half = _day_portion(time_off, days[offset]["date"])
            if not portion:
                continue
            row["pending" if pending else "approved"] += portion
            row["cells"][offset] = {
                "status": time_off.status,
                "half": half,
                "label": "½" if half else "",
                "title": (
                    f"{employee.full_name}: {time_off.time_off_type.name}"
                    f"{' (morning)' if half == 'am' else ' (afternoon)' if half == 'pm' else ''}"
                    f"{' — pending approval' if pending else ''}"
                ),
            }
    for row in rows.values():
        row["approved_text"] = days_text(row["approved"])
        row["pending_text"] = f"+{days_text(row['pending'])} pending" if row["pending"] else ""
        row["cells"] = [_cell(cell, day) for cell, day in zip(row["cells"], days, strict=True)]

    previous_month = (first - timedelta(days=1)).replace(day=1)
    next_month = last + timedelta(days=1)

    def month_link(month: date) -> str | None:
        if not FIRST_YEAR <= month.year <= LAST_YEAR:
            return None
        params = {"month": f"{month:%Y-%m}"}
        if department_id is not None:
            params["department"] = department_id
        return f"?{urlencode(params)}"

    return _render(
        request,
        site,
        "time_off_calendar.html",
        "Time-off calendar",
        {
            "month": first,
            "days": days,
            "rows": list(rows.values()),
            "holidays": sorted(holidays.items()),
            "department_choices": _department_choices(departments),
            "department_id": department_id,
            "previous_link": month_link(previous_month),
            "next_link": month_link(next_month),
            "this_month_link": month_link(today.replace(day=1)),
            "is_this_month": first == today.replace(day=1),
        },
    )
