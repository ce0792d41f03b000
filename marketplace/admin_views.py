"""Admin pages of the marketplace app that are not a model's changelist: the booking calendar.

`config.admin_site` mounts `admin_urls(site)` under /admin/ and `config.navigation` lists
`NAVIGATION` in the sidebar. The calendar checks the role's permission (403 without it), reads
through the scoped managers only, and runs one query for its grid whatever the number of
providers or bookings: the week's bookings with their service and provider, grouped in Python.
"""

from __future__ import annotations

import re
import zoneinfo
from datetime import date, datetime, time, timedelta
from functools import wraps
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from marketplace import selectors
from marketplace.models import BookingStatus

PERMISSION = "marketplace.view_booking"
WEEK_PATTERN = re.compile(r"^(\d{4})-W(\d{2})$")
FIRST_YEAR, LAST_YEAR = 1900, 2999
STATUS_CSS = {
    BookingStatus.REQUESTED: "mk-requested",
    BookingStatus.CONFIRMED: "mk-confirmed",
    BookingStatus.COMPLETED: "mk-completed",
    BookingStatus.CANCELLED: "mk-cancelled",
    BookingStatus.NO_SHOW: "mk-no-show",
}

NAVIGATION = [
    {
        "title": "Booking calendar",
        "icon": "calendar_month",
        "url_name": "admin:marketplace_booking_calendar",
        "permission": PERMISSION,
    },
]


def parse_week(value: str) -> date | None:
    """'2026-W05' -> the Monday of that ISO week; None for anything else."""
    match = WEEK_PATTERN.match(value or "")
    if not match:
        return None
    year, week = int(match[1]), int(match[2])
    if not FIRST_YEAR <= year <= LAST_YEAR:
        return None
    try:
        return date.fromisocalendar(year, week, 1)
    except ValueError:
        return None


def week_label(monday: date) -> str:
    year, week, _day = monday.isocalendar()
    return f"{year}-W{week:02d}"


def _change_url_builder():
    try:
        sample = reverse("admin:marketplace_booking_change", args=[0])
    except NoReverseMatch:
        return lambda pk: None
    head, tail = sample.rsplit("/0/", 1)
    return lambda pk: f"{head}/{pk}/{tail}"


def booking_calendar(request, site):
    """A week (Monday to Sunday, tenant time): one row per provider with bookings, one column a day."""
    zone = zoneinfo.ZoneInfo(request.tenant.timezone or "UTC")
    today = timezone.localdate(timezone.now(), zone)
    raw = request.GET.get("week", "").strip()
    monday = parse_week(raw) if raw else None
    if raw and monday is None:
        messages.warning(
            request,
            f"“{raw[:20]}” is not a week: use YYYY-Www (for example {week_label(today)}). Showing this week.",
        )
    monday = monday or today - timedelta(days=today.weekday())
    show_cancelled = request.GET.get("cancelled") == "1"
    days = [monday + timedelta(days=offset) for offset in range(7)]
    start = datetime.combine(monday, time.min, tzinfo=zone)
    end = datetime.combine(monday + timedelta(days=7), time.min, tzinfo=zone)

    bookings = selectors.bookings_between(start, end)
    if not show_cancelled:
        bookings = bookings.exclude(status=BookingStatus.CANCELLED)
    change_url = _change_url_builder()
    rows: dict[int, dict] = {}
    for booking in bookings:
        row = rows.get(booking.provider_id)
        if row is None:
            row = rows[booking.provider_id] = {
                "provider": booking.provider,
                "cells": [[] for _ in days],
                "count": 0,
            }
        local_start, local_end = booking.start_at.astimezone(zone), booking.end_at.astimezone(zone)
        row["count"] += 1
        first = max((local_start.date() - monday).days, 0)
        last = min(((local_end - timedelta(microseconds=1)).date() - monday).days, 6)
        for offset in range(first, last + 1):
            row["cells"][offset].append(
                {
                    "pk": booking.pk,
                    "time": f"{local_start:%H:%M}–{local_end:%H:%M}",
                    "client": booking.client_name,
                    "service": booking.service.title,
                    "status": booking.status,
                    "status_label": booking.get_status_display(),
                    "css": STATUS_CSS.get(booking.status, ""),
                    "url": change_url(booking.pk),
                }
            )

    def week_link(day: date) -> str | None:
        if not FIRST_YEAR <= day.year <= LAST_YEAR:
            return None
        params = {"week": week_label(day)}
        if show_cancelled:
            params["cancelled"] = "1"
        return f"?{urlencode(params)}"

    this_monday = today - timedelta(days=today.weekday())
    context = {
        **site.each_context(request),
        "title": "Booking calendar",
        "days": [{"date": day, "today": day == today, "weekend": day.weekday() >= 5} for day in days],
        "rows": list(rows.values()),
        "monday": monday,
        "sunday": days[-1],
        "week": week_label(monday),
        "show_cancelled": show_cancelled,
        "previous_link": week_link(monday - timedelta(days=7)),
        "next_link": week_link(monday + timedelta(days=7)),
        "this_week_link": week_link(this_monday),
        "is_this_week": monday == this_monday,
        "toggle_cancelled_link": "?"
        + urlencode({"week": week_label(monday), **({} if show_cancelled else {"cancelled": "1"})}),
        "legend": [(status.label, STATUS_CSS[status]) for status in BookingStatus],
    }
    return TemplateResponse(request, "marketplace/admin/booking_calendar.html", context)


def admin_urls(site):
    def page(view, permission):
        @wraps(view)
        def guarded(request, *args, **kwargs):
            if not request.user.has_perm(permission):
                raise PermissionDenied(f"Your role does not include {permission}.")
            if getattr(request, "tenant", None) is None:  # platform staff before any tenant exists
                messages.info(request, "Pick a tenant in the header first.")
                return HttpResponseRedirect(reverse("admin:index"))
            return view(request, site, *args, **kwargs)

        return site.admin_view(require_GET(guarded))

    return [
        path(
            "marketplace/booking-calendar/",
            page(booking_calendar, PERMISSION),
            name="marketplace_booking_calendar",
        ),
    ]
