"""Download views of the people reports (XLSX).

Plain views: the URLs are wired by the project (see the lead's urlconf). Each view checks the
role permission in the active tenant (403 otherwise), validates its parameter (400 with a message
otherwise), builds the report inside the request's tenant and writes an audit line like admin
exports do.
"""

import logging
import zoneinfo
from datetime import date, datetime
from io import BytesIO

from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpResponseBadRequest
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from people import reports

audit_log = logging.getLogger("audit")

MIN_YEAR, MAX_YEAR = 1900, 2999


def _require_permission(request, permission: str) -> None:
    if getattr(request, "tenant", None) is None or not request.user.has_perm(permission):
        raise PermissionDenied("You may not download this report in this company.")


def _tenant_today(tenant) -> date:
    return timezone.now().astimezone(zoneinfo.ZoneInfo(tenant.timezone)).date()


def _bad_request(message: str) -> HttpResponseBadRequest:
    # Plain text: the message never echoes the raw parameter into HTML.
    return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")


def _download(request, report: reports.Report, *, name: str, filename: str) -> FileResponse:
    audit_log.info(
        "admin export",
        extra={
            "user_id": request.user.pk,
            "tenant_id": request.tenant.pk,
            "report": name,
            "rows": report.rows,
        },
    )
    return FileResponse(
        BytesIO(report.content),
        as_attachment=True,
        filename=filename,
        content_type=reports.XLSX_CONTENT_TYPE,
    )


@require_GET
@never_cache
def headcount_report_view(request):
    """GET ?as_of=YYYY-MM-DD (default: today in the tenant's time zone)."""
    _require_permission(request, "people.view_employee")
    raw = request.GET.get("as_of", "").strip()
    if raw:
        try:
            as_of = datetime.strptime(raw, "%Y-%m-%d").date()
        except ValueError:
            return _bad_request("as_of must be a date written YYYY-MM-DD, for example 2026-11-22.")
    else:
        as_of = _tenant_today(request.tenant)
    report = reports.build_headcount_report(as_of)
    return _download(request, report, name="people.headcount", filename=f"headcount-{as_of:%Y-%m-%d}.xlsx")


@require_GET
@never_cache
def time_off_usage_report_view(request):
    """GET ?year=YYYY (default: the tenant's current year)."""
    _require_permission(request, "people.view_timeoffledgerentry")
    raw = request.GET.get("year", "").strip()
    if raw:
        if not (raw.isascii() and raw.isdigit() and MIN_YEAR <= int(raw) <= MAX_YEAR):
            return _bad_request(f"year must be a year between {MIN_YEAR} and {MAX_YEAR}, for example 2026.")
        year = int(raw)
    else:
        year = _tenant_today(request.tenant).year
    report = reports.build_time_off_usage_report(year)
    return _download(request, report, name="people.time_off_usage", filename=f"time-off-usage-{year}.xlsx")
