"""Admin pages of the recruiting app that are not a model's changelist: the Excel reports.

`config.admin_site` mounts `admin_urls(site)` under /admin/ and `config.navigation` lists
`NAVIGATION` in the sidebar. Each download checks the role permission in the active tenant (403
otherwise), reads `?since=YYYY-MM-DD&until=YYYY-MM-DD` (default: the last 90 days up to today in
the tenant's time zone; 400 in plain text otherwise), builds the report inside the request's tenant
and writes an audit line like the people reports.
"""

import logging
from datetime import date, datetime, timedelta
from functools import partial
from io import BytesIO

from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpResponseBadRequest
from django.urls import path
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from people.admin_views import tenant_today
from recruiting import reports

audit_log = logging.getLogger("audit")

PERMISSION = "recruiting.view_application"
DEFAULT_DAYS = 90
MIN_YEAR, MAX_YEAR = 1900, 2999
DATE_HINT = "since and until must be dates written YYYY-MM-DD between 1900 and 2999, for example 2026-11-22."

# slug in the URL and file name -> (url name, report builder, name in the audit line)
REPORTS = {
    "funnel": ("recruiting_funnel_report", reports.build_funnel_report, "recruiting.funnel"),
    "time-to-hire": (
        "recruiting_time_to_hire_report",
        reports.build_time_to_hire_report,
        "recruiting.time_to_hire",
    ),
    "sources": (
        "recruiting_source_effectiveness_report",
        reports.build_source_effectiveness_report,
        "recruiting.source_effectiveness",
    ),
}

NAVIGATION = [
    {
        "title": "Funnel report (Excel)",
        "icon": "download",
        "url_name": "admin:recruiting_funnel_report",
        "permission": PERMISSION,
    },
    {
        "title": "Time-to-hire report (Excel)",
        "icon": "download",
        "url_name": "admin:recruiting_time_to_hire_report",
        "permission": PERMISSION,
    },
    {
        "title": "Source effectiveness (Excel)",
        "icon": "download",
        "url_name": "admin:recruiting_source_effectiveness_report",
        "permission": PERMISSION,
    },
]


def _bad_request(message: str) -> HttpResponseBadRequest:
    # Plain text, and never the raw parameter: nothing of the request is echoed back.
    return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")


def _parse_date(raw: str) -> date | None:
    try:
        day = datetime.strptime(raw, "%Y-%m-%d").date()
    except ValueError:
        return None
    return day if MIN_YEAR <= day.year <= MAX_YEAR else None


def _period(request) -> tuple[date, date] | HttpResponseBadRequest:
    until_raw = request.GET.get("until", "").strip()
    since_raw = request.GET.get("since", "").strip()
    until = _parse_date(until_raw) if until_raw else tenant_today(request.tenant)
    if until is None:
        return _bad_request(DATE_HINT)
    since = _parse_date(since_raw) if since_raw else until - timedelta(days=DEFAULT_DAYS - 1)
    if since is None:
        return _bad_request(DATE_HINT)
    if since > until:
        return _bad_request("since must be on or before until.")
    return since, until


@require_GET
@never_cache
def report_view(request, *, slug: str):
    """GET ?since=YYYY-MM-DD&until=YYYY-MM-DD, both optional and both included."""
    if getattr(request, "tenant", None) is None or not request.user.has_perm(PERMISSION):
        raise PermissionDenied("You may not download this report in this company.")
    period = _period(request)
    if isinstance(period, HttpResponseBadRequest):
        return period
    since, until = period
    _url_name, build, audit_name = REPORTS[slug]
    report = build(since=since, until=until)
    audit_log.info(
        "admin export",
        extra={
            "user_id": request.user.pk,
            "tenant_id": request.tenant.pk,
            "report": audit_name,
            "rows": report.rows,
        },
    )
    return FileResponse(
        BytesIO(report.content),
        as_attachment=True,
        filename=f"recruiting-{slug}-{since:%Y-%m-%d}-to-{until:%Y-%m-%d}.xlsx",
        content_type=reports.XLSX_CONTENT_TYPE,
    )


def admin_urls(site):
    return [
        path(f"recruiting/reports/{slug}/", site.admin_view(partial(report_view, slug=slug)), name=url_name)
        for slug, (url_name, _build, _audit) in REPORTS.items()
    ]
