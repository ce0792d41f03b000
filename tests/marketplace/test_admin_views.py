"""The booking calendar: a week grid per provider, in the tenant's time zone, one grid query."""

import zoneinfo
from datetime import date, datetime, time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from marketplace.admin_views import parse_week
from marketplace.models import BookingStatus
from people.tenancy import tenant_context
from tests.marketplace.factories import BookingFactory, ServiceFactory, ServiceProviderFactory

pytestmark = pytest.mark.django_db

URL = "/admin/marketplace/booking-calendar/"
ZONE = zoneinfo.ZoneInfo("Europe/Berlin")
MONDAY = date(2026, 3, 2)  # ISO week 2026-W10


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=ZONE)


def book(service, day, hour, status=BookingStatus.CONFIRMED, hours=1, **kwargs):
    return BookingFactory(
        service=service,
        start_at=at(day, hour),
        end_at=at(day, hour) + timedelta(hours=hours),
        status=status,
        **kwargs,
    )


@pytest.fixture
def berlin(tenant_a):
    tenant_a.timezone = "Europe/Berlin"
    tenant_a.save()
    return tenant_a


def grid(response):
    """{provider name: [[client, ...] per day]}"""
    return {
        row["provider"].display_name: [[slot["client"] for slot in cell] for cell in row["cells"]]
        for row in response.context["rows"]
    }


def test_parse_week():
    assert parse_week("2026-W10") == MONDAY
    assert parse_week("2026-W54") is None and parse_week("2026-10") is None and parse_week("0001-W01") is None


def test_the_week_grid_per_provider(ops_client, berlin, tenant_b):
    with tenant_context(berlin):
        ada = ServiceFactory(provider=ServiceProviderFactory(display_name="Ada"))
        bob = ServiceFactory(provider=ServiceProviderFactory(display_name="Bob"))
        ServiceProviderFactory(display_name="Idle")  # no bookings: no row
        book(ada, MONDAY, 9, client_name="Mon morning")
        book(ada, MONDAY + timedelta(days=6), 23, hours=2, client_name="Sunday night")  # runs into next week
        book(bob, MONDAY + timedelta(days=2), 0, client_name="Wed midnight")
        book(bob, MONDAY + timedelta(days=2), 14, status=BookingStatus.CANCELLED, client_name="Cancelled one")
        book(bob, MONDAY - timedelta(days=1), 23, client_name="Last Sunday")
        book(bob, MONDAY + timedelta(days=7), 0, client_name="Next Monday")
    with tenant_context(tenant_b):
        book(ServiceFactory(provider=ServiceProviderFactory(display_name="Other company")), MONDAY, 9)
    response = ops_client.get(URL, {"week": "2026-W10"})
    assert response.status_code == 200
    assert grid(response) == {
        "Ada": [["Mon morning"], [], [], [], [], [], ["Sunday night"]],
        "Bob": [[], [], ["Wed midnight"], [], [], [], []],
    }
    page = response.content.decode()
    assert "2026-W09" in page and "2026-W11" in page  # previous / next links
    with_cancelled = grid(ops_client.get(URL, {"week": "2026-W10", "cancelled": "1"}))
    assert with_cancelled["Bob"][2] == ["Wed midnight", "Cancelled one"]


def test_a_bad_week_falls_back_to_this_week_with_a_message(ops_client, berlin):
    response = ops_client.get(URL, {"week": "next"}, follow=True)
    assert response.status_code == 200 and "is not a week" in response.content.decode()


def test_roles_without_the_marketplace_get_403(client, tenant_a, user_a):
    from people.roles import Role
    from tests.conftest import login, make_member

    recruiter = make_member(tenant_a, Role.RECRUITER, email="recruiter@tenant-a.test")
    assert login(client, recruiter, tenant_a).get(URL).status_code == 403


def test_the_calendar_runs_a_constant_number_of_queries(ops_client, berlin):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert ops_client.get(URL, {"week": "2026-W10"}).status_code == 200
        return len(captured)

    with tenant_context(berlin):
        book(ServiceFactory(), MONDAY, 9)
    few = queries()
    with tenant_context(berlin):
        for index in range(12):
            book(ServiceFactory(), MONDAY + timedelta(days=index % 7), 8 + index % 5)
    assert queries() == few
