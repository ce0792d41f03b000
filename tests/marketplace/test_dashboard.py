"""The dashboard's marketplace cards and chart: their numbers, who sees them, their query count."""

import zoneinfo
from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from marketplace.models import BookingStatus, ContractStatus
from people.roles import Role
from people.tenancy import tenant_context
from tests.conftest import login, make_member
from tests.marketplace.factories import BookingFactory, ContractFactory, ReviewFactory, ServiceProviderFactory

pytestmark = pytest.mark.django_db

ZONE = "Pacific/Auckland"
C = ContractStatus


def kpis(response):
    return {kpi["title"]: kpi["value"] for kpi in response.context["kpis"]}


def chart(response, title):
    found = next(c for c in response.context["charts"] if c["title"] == title)
    return dict(zip(found["data"]["labels"], found["data"]["datasets"][0]["data"], strict=True))


def local(day_offset_from_monday: int, hour: int):
    zone = zoneinfo.ZoneInfo(ZONE)
    today = timezone.localdate(timezone.now(), zone)
    monday = today - timedelta(days=today.weekday())
    return datetime.combine(monday + timedelta(days=day_offset_from_monday), time(hour), tzinfo=zone)


def build(n_extra=0):
    listed = ServiceProviderFactory(marketplace_enabled=True)
    ServiceProviderFactory(marketplace_enabled=True, is_active=True)
    ServiceProviderFactory()  # not listed
    for offset, status in [
        (0, BookingStatus.CONFIRMED),
        (6, BookingStatus.REQUESTED),
        (3, BookingStatus.CANCELLED),
    ]:
        start = local(offset, 23)
        BookingFactory(
            service__provider=listed, start_at=start, end_at=start + timedelta(minutes=30), status=status
        )
    BookingFactory(start_at=local(7, 0), end_at=local(7, 1))  # next Monday, tenant time
    BookingFactory(start_at=local(-1, 23), end_at=local(0, 0))  # last Sunday
    for status in [C.DRAFT, C.ACTIVE, C.ACTIVE, C.DELIVERED, C.DISPUTED, C.CANCELLED]:
        ContractFactory(provider=listed, status=status)
    ReviewFactory(rating=5)
    ReviewFactory(rating=4)
    ReviewFactory(rating=4)
    ReviewFactory(rating=1, is_published=False)
    for _ in range(n_extra):
        ReviewFactory(rating=3, is_published=False, contract__provider=listed)


def test_marketplace_cards_and_chart(client, tenant_a, user_a):
    tenant_a.timezone = ZONE
    tenant_a.save()
    with tenant_context(tenant_a):
        build()
    ops = make_member(tenant_a, Role.OPS, email="ops@tenant-a.test")
    response = login(client, ops, tenant_a).get("/admin/")
    figures = kpis(response)
    assert [
        figures[t] for t in ("Active providers", "Bookings this week", "Open contracts", "Average rating")
    ] == [
        2,
        2,
        4,
        "4.33 ★",
    ]
    assert chart(response, "Contracts by status") == {
        "Draft": 1,
        "Active": 2,
        "Delivered": 1,
        "Completed": 4,  # the reviewed contracts
        "Disputed": 1,
        "Cancelled": 1,
    }


def test_roles_without_the_marketplace_do_not_see_it(client, tenant_a, user_a):
    recruiter = make_member(tenant_a, Role.RECRUITER, email="recruiter@tenant-a.test")
    response = login(client, recruiter, tenant_a).get("/admin/")
    assert "Active providers" not in kpis(response)
    assert all(c["title"] != "Contracts by status" for c in response.context["charts"])


def test_an_empty_tenant_shows_zeros(client_a):
    figures = kpis(client_a.get("/admin/"))
    assert (figures["Active providers"], figures["Bookings this week"], figures["Average rating"]) == (
        0,
        0,
        "–",
    )


@pytest.mark.parametrize("extra", [0, 15])
def test_the_marketplace_widgets_run_two_queries_whatever_the_data(
    client, tenant_a, user_a, extra, django_assert_num_queries
):
    from django.test import RequestFactory

    from marketplace.dashboard import WIDGETS

    with tenant_context(tenant_a):
        build(extra)
        request = RequestFactory().get("/admin/")
        request.user, request.tenant = make_member(tenant_a, Role.OPS, email="ops@tenant-a.test"), tenant_a
        request.user.has_perm("marketplace.view_serviceprovider")  # warm the permission cache
        with django_assert_num_queries(2):
            for widget in WIDGETS:
                widget(request)
