"""Excel reports of the recruiting app: funnel per job, time-to-hire and source effectiveness.

Same pattern as `people.reports` (whose sheet writer and formula escaping they reuse): a fixed
number of grouped queries whatever the number of jobs or applications, streamed into an openpyxl
write-only workbook, text that a spreadsheet would run as a formula written as text.

A period is two dates, both included, read in the active tenant's time zone. Which rows it picks:
- funnel and sources: the applications received (`applied_at`) in the period, followed to
  wherever they are now (a cohort);
- time-to-hire: the hires made in the period (the status change to Hired).
"""

from __future__ import annotations

import statistics
import zoneinfo
from collections import defaultdict
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Q, Sum
from openpyxl import Workbook

from people.reports import ITERATOR_CHUNK, XLSX_CONTENT_TYPE, Report, _save, _Sheet
from people.tenancy import current_tenant
from recruiting.models import (
    Application,
    ApplicationStatus,
    ApplicationStatusChange,
    InterviewStatus,
    JobStatus,
    OfferStatus,
    Source,
)
from recruiting.selectors import funnel_reached

__all__ = [
    "FUNNEL_STAGES",
    "XLSX_CONTENT_TYPE",
    "Report",
    "build_funnel_report",
    "build_source_effectiveness_report",
    "build_time_to_hire_report",
    "funnel_report",
    "source_effectiveness_report",
    "time_to_hire_report",
]

S = ApplicationStatus
# The stages after Pending review, in pipeline order (every application starts in Pending review,
# so the "Applications" column is the funnel's first stage).
FUNNEL_STAGES = (S.PHONE_SCREEN, S.TECHNICAL, S.ONSITE_1, S.FINAL, S.OFFER, S.BACKGROUND_CHECK, S.HIRED)
# The stages a hire passes through before Hired, for the time spent in each.
HIRING_STAGES = (S.PENDING_REVIEW, *FUNNEL_STAGES[:-1])
# Offers that reached the candidate: sent, or answered / expired after being sent.
OFFER_MADE = Q(offers__sent_at__isnull=False) | Q(
    offers__status__in=(OfferStatus.SENT, OfferStatus.ACCEPTED, OfferStatus.DECLINED, OfferStatus.EXPIRED)
)
DAY_SECONDS = 86400


def _period(since: date, until: date) -> tuple[datetime, datetime]:
    """[start, end) as aware datetimes: `since` 00:00 to the day after `until`, tenant time."""
    zone = zoneinfo.ZoneInfo(current_tenant().timezone)
    start = datetime.combine(since, time.min, tzinfo=zone)
    end = datetime.combine(until + timedelta(days=1), time.min, tzinfo=zone)
    return start, end


def _heading(title: str, since: date, until: date) -> str:
    return f"{title}, {since:%Y-%m-%d} to {until:%Y-%m-%d}"


def _percent(part: int, whole: int) -> float | None:
    """part / whole in percent, one decimal; empty when there is nothing to divide by."""
    return round(100 * part / whole, 1) if whole else None


def _days(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / DAY_SECONDS, 1)


def _label(choices, value: str) -> str:
    return str(choices(value).label) if value in choices.values else value


# --- funnel -------------------------------------------------------------------------------------
def _funnel_figures(received: int, reached: list[int]) -> list:
    """Applications, then per stage: how many reached it and % of the previous column."""
    figures, previous = [received], received
    for count in reached:
        figures += [count, _percent(count, previous)]
        previous = count
    return figures


def build_funnel_report(*, since: date, until: date) -> Report:
    """Per job (with applications received in the period): the applications, and for each stage
    after Pending review how many of them reached it or a later stage, with the conversion from
    the previous column; then a totals row. One grouped query.

    Counts are cumulative (`recruiting.selectors.funnel_reached`): an application that skipped a
    stage (Pending review straight to Technical assessment) counts for it too, and a rejected or
    withdrawn one counts up to the furthest stage it reached, so no conversion exceeds 100 %.
    """
    start, end = _period(since, until)
    reached = funnel_reached(FUNNEL_STAGES)
    rows = (
        Application.objects.filter(applied_at__gte=start, applied_at__lt=end)
        .order_by()
        .values_list("job_id", "job__reference_code", "job__title", "job__status")
        .annotate(received=Count("pk", distinct=True), **reached)
        .order_by("job__reference_code", "job_id")
    )
    columns = [("Reference", 14), ("Job", 36), ("Job status", 24), ("Applications", 13)]
    for stage in FUNNEL_STAGES:
        columns += [(str(stage.label), 14), ("% of previous", 13)]
    workbook = Workbook(write_only=True)
    sheet = _Sheet(
        workbook, "Funnel", _heading("Funnel per job: applications received", since, until), columns
    )
    totals = [0] * (1 + len(FUNNEL_STAGES))
    for _job_id, reference, title, status, received, *counts in rows.iterator(chunk_size=ITERATOR_CHUNK):
        sheet.append([reference, title, _label(JobStatus, status), *_funnel_figures(received, counts)])
        totals = [a + b for a, b in zip(totals, [received, *counts], strict=True)]
    sheet.append(["Total", "", "", *_funnel_figures(totals[0], totals[1:])], total=True)
    return Report(content=_save(workbook), rows=sheet.rows)


def funnel_report(*, since: date, until: date) -> bytes:
    return build_funnel_report(since=since, until=until).content


# --- time to hire -------------------------------------------------------------------------------
def _hire_figures(durations: list[float], stage_time: dict[str, list[int]]) -> list:
    """Hires, average and median days to hire, then the average days in each stage."""
    average = round(statistics.fmean(durations), 1) if durations else None
    median = round(statistics.median(durations), 1) if durations else None
    in_stage = []
    for stage in HIRING_STAGES:
        seconds, passes = stage_time.get(stage, (0, 0))
        in_stage.append(_days(seconds / passes) if passes else None)
    return [len(durations), average, median, *in_stage]


def build_time_to_hire_report(*, since: date, until: date) -> Report:
    """Per job with hires in the period (the status change to Hired), then all jobs: the hires,
    the average and median days from application to hire, and the average days those hires spent
    in each stage they went through (`seconds_in_previous_status` of their status changes, by the
    status left). Two queries: the hires, and their stage times grouped by job and stage."""
    start, end = _period(since, until)
    hires = ApplicationStatusChange.objects.filter(
        to_status=S.HIRED, changed_at__gte=start, changed_at__lt=end
    )
    durations: dict[int, list[float]] = defaultdict(list)
    jobs: dict[int, tuple[str, str]] = {}
    listing = hires.order_by().values_list(
        "application__job_id",
        "application__job__reference_code",
        "application__job__title",
        "application__applied_at",
        "changed_at",
    )
    for job_id, reference, title, applied_at, hired_at in listing.iterator(chunk_size=ITERATOR_CHUNK):
        jobs[job_id] = (reference, title)
        durations[job_id].append(max(0.0, (hired_at - applied_at).total_seconds()) / DAY_SECONDS)

    stage_time: dict[int, dict[str, tuple[int, int]]] = defaultdict(dict)
    overall_stage: dict[str, tuple[int, int]] = {}
    stage_rows = (
        ApplicationStatusChange.objects.filter(
            application_id__in=hires.values("application_id"), from_status__in=HIRING_STAGES
        )
        .order_by()
        .values_list("application__job_id", "from_status")
        .annotate(seconds=Sum("seconds_in_previous_status"), passes=Count("pk"))
    )
    for job_id, stage, seconds, passes in stage_rows:
        stage_time[job_id][stage] = (seconds, passes)
        before = overall_stage.get(stage, (0, 0))
        overall_stage[stage] = (before[0] + seconds, before[1] + passes)

    columns = [("Reference", 14), ("Job", 36), ("Hires", 8), ("Average days to hire", 20)]
    columns += [("Median days to hire", 19)]
    columns += [(f"Average days in {stage.label}", 18) for stage in HIRING_STAGES]
    workbook = Workbook(write_only=True)
    sheet = _Sheet(workbook, "Time to hire", _heading("Time to hire: hires made", since, until), columns)
    for job_id in sorted(jobs, key=lambda pk: (jobs[pk][0], pk)):
        reference, title = jobs[job_id]
        sheet.append([reference, title, *_hire_figures(durations[job_id], stage_time[job_id])])
    everyone = [days for job_days in durations.values() for days in job_days]
    sheet.append(["All jobs", "", *_hire_figures(everyone, overall_stage)], total=True)
    return Report(content=_save(workbook), rows=sheet.rows)


def time_to_hire_report(*, since: date, until: date) -> bytes:
    return build_time_to_hire_report(since=since, until=until).content


# --- source effectiveness -----------------------------------------------------------------------
def _source_figures(applications: int, interviews: int, offers: int, hires: int) -> list:
    return [
        applications,
        interviews,
        offers,
        hires,
        _percent(offers, applications),
        _percent(hires, applications),
        _percent(hires, offers),
    ]


def build_source_effectiveness_report(*, since: date, until: date) -> Report:
    """Per application source (each source in the list, even without applications), for the
    applications received in the period: how many, the interviews held (completed) and the offers
    made (sent, whatever the answer) for them, the hires among them, and the rates. One grouped
    query."""
    start, end = _period(since, until)
    counts = {
        source: (applications, interviews, offers, hires)
        for source, applications, interviews, offers, hires in Application.objects.filter(
            applied_at__gte=start, applied_at__lt=end
        )
        .order_by()
        .values_list("source")
        .annotate(
            applications=Count("pk", distinct=True),
            interviews=Count(
                "interviews", distinct=True, filter=Q(interviews__status=InterviewStatus.COMPLETED)
            ),
            offers=Count("offers", distinct=True, filter=OFFER_MADE),
            hires=Count("pk", distinct=True, filter=Q(status=S.HIRED)),
        )
    }
    columns = [
        ("Source", 24),
        ("Applications", 13),
        ("Interviews held", 15),
        ("Offers made", 12),
        ("Hires", 8),
        ("Offers per 100 applications", 17),
        ("Hires per 100 applications", 17),
        ("Hires per 100 offers", 15),
    ]
    workbook = Workbook(write_only=True)
    heading = _heading("Source effectiveness: applications received", since, until)
    sheet = _Sheet(workbook, "Sources", heading, columns)
    # Known sources in their list order, then any value the old system left behind.
    order = list(Source.values) + sorted(set(counts) - set(Source.values))
    totals = [0, 0, 0, 0]
    for source in order:
        figures = counts.get(source, (0, 0, 0, 0))
        sheet.append([_label(Source, source), *_source_figures(*figures)])
        totals = [a + b for a, b in zip(totals, figures, strict=True)]
    sheet.append(["Total", *_source_figures(*totals)], total=True)
    return Report(content=_save(workbook), rows=sheet.rows)


def source_effectiveness_report(*, since: date, until: date) -> bytes:
    return build_source_effectiveness_report(since=since, until=until).content
