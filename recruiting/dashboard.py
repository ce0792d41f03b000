"""Dashboard widgets of the recruiting app (collected through people.registry, see config/dashboard.py).

For users who may view applications (recruiters, hiring managers, HR, ops, viewers, owners):
- four KPI cards (open jobs, new applications this week, interviews today, offers pending) from
  one query: four scalar sub-selects on a one-row select of the tenant;
- a pipeline funnel bar chart (open applications per stage in pipeline order, plus hired this
  year) from one conditional-aggregate query. It is a snapshot of where applications are now,
  not a conversion funnel: each open application is in exactly one bar, so no bar is a share of
  another (the cumulative funnel with conversions is the funnel report, `recruiting.reports`);
- an applications-per-week line chart (last 12 weeks) from one grouped query (TruncWeek).
Three queries in all, whatever the number of jobs or applications. "Today", "this year" and the
weeks are the tenant's (its time zone), not the server's.
"""

from __future__ import annotations

import zoneinfo
from datetime import date, datetime, time, timedelta

from django.db.models import Count, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce, TruncWeek
from django.utils import timezone

from people.models import Tenant
from recruiting.models import (
    ACTIVE_INTERVIEW_STATUSES,
    Application,
    ApplicationStatus,
    Interview,
    JobPosting,
    JobStatus,
    Offer,
    OfferStatus,
)

S = ApplicationStatus
# The open stages, in pipeline order (the funnel's bars before "Hired").
FUNNEL_STAGES = (
    S.PENDING_REVIEW,
    S.PHONE_SCREEN,
    S.TECHNICAL,
    S.ONSITE_1,
    S.FINAL,
    S.OFFER,
    S.BACKGROUND_CHECK,
)
WEEKS = 12
NEW_APPLICATION_DAYS = 7


def _sees_recruiting(request) -> bool:
    return request.user.has_perm("recruiting.view_application")


def _tenant_zone(request) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(request.tenant.timezone or "UTC")


def _local_midnight(day: date, zone: zoneinfo.ZoneInfo) -> datetime:
    """The moment `day` starts in `zone` (combine each day: a DST day is not 24 hours long)."""
    return datetime.combine(day, time.min, tzinfo=zone)


def _count(queryset) -> Coalesce:
    """A scalar sub-select counting `queryset`'s rows of the outer tenant (0 when there are none).

    The scoped manager already limits the rows to the active tenant; correlating on the outer
    tenant's id as well keeps the sub-select a plain per-tenant count."""
    counted = (
        queryset.filter(tenant=OuterRef("pk"))
        .order_by()
        .values("tenant")
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def recruiting_kpis(request):
    """Open jobs, new applications this week, interviews today, offers pending: one query."""
    if not _sees_recruiting(request):
        return None
    zone = _tenant_zone(request)
    now = timezone.now()
    today = timezone.localdate(now, zone)
    day_start, day_end = _local_midnight(today, zone), _local_midnight(today + timedelta(days=1), zone)
    counts = (
        Tenant.objects.filter(pk=request.tenant.pk)
        .annotate(
            open_jobs=_count(JobPosting.objects.filter(status=JobStatus.PUBLISHED)),
            new_applications=_count(
                Application.objects.filter(applied_at__gte=now - timedelta(days=NEW_APPLICATION_DAYS))
            ),
            interviews_today=_count(
                Interview.objects.filter(
                    status__in=ACTIVE_INTERVIEW_STATUSES,
                    scheduled_start__gte=day_start,
                    scheduled_start__lt=day_end,
                )
            ),
            offers_pending=_count(Offer.objects.filter(status=OfferStatus.SENT)),
        )
        .values("open_jobs", "new_applications", "interviews_today", "offers_pending")
        .get()
    )
    return [
        {"kind": "kpi", "title": "Open jobs", "value": counts["open_jobs"], "footer": "published"},
        {
            "kind": "kpi",
            "title": "New applications this week",
            "value": counts["new_applications"],
            "footer": f"last {NEW_APPLICATION_DAYS} days",
        },
        {
            "kind": "kpi",
            "title": "Interviews today",
            "value": counts["interviews_today"],
            "footer": f"{today:%A %d %B}",
        },
        {
            "kind": "kpi",
            "title": "Offers pending",
            "value": counts["offers_pending"],
            "footer": "sent, waiting for the candidate",
        },
    ]


def pipeline_funnel_chart(request):
    """Open applications per stage in pipeline order, then hired this year: one query."""
    if not _sees_recruiting(request):
        return None
    zone = _tenant_zone(request)
    year_start = _local_midnight(timezone.localdate(timezone.now(), zone).replace(month=1, day=1), zone)
    aggregates = {
        f"stage_{index}": Count("pk", filter=Q(status=stage)) for index, stage in enumerate(FUNNEL_STAGES)
    }
    aggregates["hired"] = Count("pk", filter=Q(status=S.HIRED, hired_at__gte=year_start))
    counts = Application.objects.aggregate(**aggregates)
    return {
        "kind": "chart",
        "chart": "bar",
        "title": "Pipeline funnel",
        "data": {
            "labels": [str(stage.label) for stage in FUNNEL_STAGES] + [f"Hired in {year_start.year}"],
            "datasets": [
                {
                    "label": "Applications",
                    "data": [counts[f"stage_{index}"] for index in range(len(FUNNEL_STAGES))]
                    + [counts["hired"]],
                }
            ],
        },
    }


def applications_per_week_chart(request):
    """Applications received per week (Monday to Sunday, tenant time) over the last 12 weeks,
    empty weeks included: one grouped query."""
    if not _sees_recruiting(request):
        return None
    zone = _tenant_zone(request)
    today = timezone.localdate(timezone.now(), zone)
    first_monday = today - timedelta(days=today.weekday(), weeks=WEEKS - 1)
    rows = (
        Application.objects.filter(applied_at__gte=_local_midnight(first_monday, zone))
        .annotate(week=TruncWeek("applied_at", tzinfo=zone))
        .order_by()
        .values("week")
        .annotate(n=Count("pk"))
        .values_list("week", "n")
    )
    per_week = {}
    for week, n in rows:
        monday = week.date() if isinstance(week, datetime) else week
        per_week[monday] = per_week.get(monday, 0) + n
    mondays = [first_monday + timedelta(weeks=offset) for offset in range(WEEKS)]
    return {
        "kind": "chart",
        "chart": "line",
        "title": "Applications per week",
        "data": {
            "labels": [f"{monday:%d %b}" for monday in mondays],
            "datasets": [{"label": "Applications", "data": [per_week.get(monday, 0) for monday in mondays]}],
        },
    }


WIDGETS = [recruiting_kpis, pipeline_funnel_chart, applications_per_week_chart]
