"""The dashboard's recruiting cards and charts: their numbers, who sees them, their query count."""

import zoneinfo
from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from people.roles import Role
from people.tenancy import tenant_context
from recruiting.models import Application, ApplicationStatus, InterviewStatus, JobStatus, OfferStatus
from tests.conftest import login, make_member
from tests.recruiting.factories import (
    ApplicationFactory,
    InterviewFactory,
    JobPostingFactory,
    OfferFactory,
)

pytestmark = pytest.mark.django_db

S = ApplicationStatus
ZONE = "America/New_York"
# The whole dashboard (session, user, tenant, permissions, every app's widgets, the page): a
# constant, whatever the data size. The recruiting widgets add three queries to it.
DASHBOARD_MAX_QUERIES = 24


def kpis(response):
    return {kpi["title"]: kpi["value"] for kpi in response.context["kpis"]}


def chart(response, title):
    found = next(c for c in response.context["charts"] if c["title"] == title)
    return dict(zip(found["data"]["labels"], found["data"]["datasets"][0]["data"], strict=True))


@pytest.fixture
def recruiter_client(client, tenant_a, user_a):
    return login(client, make_member(tenant_a, Role.RECRUITER, email="recruiter@tenant-a.test"), tenant_a)


def local_noon(day_offset: int):
    """Noon in the tenant's time zone, `day_offset` days from the tenant's today."""
    zone = zoneinfo.ZoneInfo(ZONE)
    today = timezone.localdate(timezone.now(), zone)
    return datetime.combine(today + timedelta(days=day_offset), time(12), tzinfo=zone)


def backdate(application, *, days):
    Application.objects.filter(pk=application.pk).update(applied_at=timezone.now() - timedelta(days=days))


def build_tenant_a_data():
    job = JobPostingFactory(title="Backend Engineer")
    JobPostingFactory(title="Designer")
    JobPostingFactory(status=JobStatus.DRAFT)
    JobPostingFactory(status=JobStatus.FILLED)
    apps = {
        "review": [ApplicationFactory(job=job) for _ in range(3)],
        "technical": [ApplicationFactory(job=job, status=S.TECHNICAL)],
        "offer": [ApplicationFactory(job=job, status=S.OFFER) for _ in range(2)],
        "background": [ApplicationFactory(job=job, status=S.BACKGROUND_CHECK)],
        "hired": [ApplicationFactory(job=job, status=S.HIRED, hired_at=timezone.now())],
        "rejected": [ApplicationFactory(job=job, status=S.REJECTED)],
    }
    zone = zoneinfo.ZoneInfo(ZONE)
    last_year = datetime(timezone.localdate(timezone.now(), zone).year - 1, 12, 15, tzinfo=zone)
    apps["hired"].append(ApplicationFactory(job=job, status=S.HIRED, hired_at=last_year))
    # 10 applications: 5 applied now, 3 ten days ago, 1 forty days ago, 1 two hundred days ago.
    for application in apps["review"][:2] + apps["technical"]:
        backdate(application, days=10)
    backdate(apps["rejected"][0], days=40)
    backdate(apps["hired"][1], days=200)

    target = apps["technical"][0]
    InterviewFactory(application=target, scheduled_start=local_noon(0))
    InterviewFactory(application=target, scheduled_start=local_noon(0), status=InterviewStatus.CONFIRMED)
    InterviewFactory(application=target, scheduled_start=local_noon(0), status=InterviewStatus.CANCELLED)
    InterviewFactory(application=target, scheduled_start=local_noon(1))
    InterviewFactory(application=target, scheduled_start=local_noon(-1), status=InterviewStatus.COMPLETED)

    OfferFactory(application=apps["offer"][0], status=OfferStatus.SENT)
    OfferFactory(application=apps["offer"][1], status=OfferStatus.SENT)
    OfferFactory(application=apps["background"][0], status=OfferStatus.ACCEPTED)
    OfferFactory(application=apps["review"][2], status=OfferStatus.DRAFT)


def build_tenant_b_noise():
    job = JobPostingFactory()
    for status in (S.PENDING_REVIEW, S.FINAL, S.OFFER, S.HIRED):
        application = ApplicationFactory(job=job, status=status, hired_at=timezone.now())
    InterviewFactory(application=application, scheduled_start=local_noon(0))
    OfferFactory(application=application, status=OfferStatus.SENT)


def test_recruiter_sees_kpis_funnel_and_weekly_applications(recruiter_client, tenant_a, tenant_b):
    tenant_a.timezone = ZONE
    tenant_a.save()
    with tenant_context(tenant_a):
        build_tenant_a_data()
    with tenant_context(tenant_b):
        build_tenant_b_noise()

    response = recruiter_client.get("/admin/")

    assert response.status_code == 200
    cards = kpis(response)
    assert cards["Open jobs"] == 2
    assert cards["New applications this week"] == 5
    assert cards["Interviews today"] == 2
    assert cards["Offers pending"] == 2

    year = local_noon(0).year
    assert chart(response, "Pipeline funnel") == {
        "Pending review": 3,
        "Phone screening": 0,
        "Technical assessment": 1,
        "In person, round 1": 0,
        "Final interview": 0,
        "Offer": 2,
        "Background check": 1,
        f"Hired in {year}": 1,
    }

    weekly = list(chart(response, "Applications per week").values())
    assert len(weekly) == 12
    assert weekly[-1] == 5  # applied now (10 days ago is always an earlier week)
    assert weekly[-3] + weekly[-2] == 3  # applied 10 days ago: last week or the one before
    assert sum(weekly) == 9  # all but the one applied 200 days ago
    content = response.content.decode()
    assert "Pipeline funnel" in content and "Applications per week" in content


def test_roles_without_recruiting_permissions_see_no_recruiting_widgets(client, tenant_a, user_a):
    with tenant_context(tenant_a):
        ApplicationFactory()
    finance = make_member(tenant_a, Role.FINANCE, email="finance@tenant-a.test")
    response = login(client, finance, tenant_a).get("/admin/")
    assert response.status_code == 200
    assert not {"Open jobs", "Interviews today", "Offers pending"} & set(kpis(response))
    titles = {c["title"] for c in response.context["charts"]}
    assert not {"Pipeline funnel", "Applications per week"} & titles


def test_hiring_manager_sees_the_recruiting_widgets(client, tenant_a, user_a):
    manager = make_member(tenant_a, Role.HIRING_MANAGER, email="manager@tenant-a.test")
    response = login(client, manager, tenant_a).get("/admin/")
    assert kpis(response)["Open jobs"] == 0
    assert chart(response, "Pipeline funnel")["Pending review"] == 0


@pytest.mark.parametrize("jobs", [1, 20])
def test_dashboard_runs_a_bounded_number_of_queries(
    recruiter_client, tenant_a, jobs, django_assert_max_num_queries
):
    with tenant_context(tenant_a):
        for _ in range(jobs):
            job = JobPostingFactory()
            application = ApplicationFactory(job=job, status=S.OFFER)
            InterviewFactory(application=application, scheduled_start=local_noon(0))
            OfferFactory(application=application, status=OfferStatus.SENT)
    with django_assert_max_num_queries(DASHBOARD_MAX_QUERIES):
        assert recruiter_client.get("/admin/").status_code == 200
