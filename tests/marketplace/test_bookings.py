"""Bookings: request, confirm (no overlapping confirmed bookings of a provider), complete, cancel,
no-show; allowed and refused paths; the PostgreSQL exclusion constraint behind the rule."""

import datetime
import threading

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from marketplace.models import Booking, BookingStatus
from marketplace.services import bookings
from marketplace.services.errors import MarketplaceError, TransitionNotAllowed
from people.tenancy import tenant_context
from tests.marketplace.factories import BookingFactory, ServiceFactory, ServiceProviderFactory

pytestmark = pytest.mark.django_db

B = BookingStatus
HOUR = datetime.timedelta(hours=1)


def at(days: int, hour: int, minute: int = 0) -> datetime.datetime:
    day = timezone.localdate() + datetime.timedelta(days=days)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def request(service, start, end=None, **kwargs):
    return bookings.request_booking(
        service_id=service.pk,
        client_name=kwargs.pop("client_name", "Grace Hopper"),
        client_email=kwargs.pop("client_email", "Grace@Mail.example"),
        start=start,
        end=end,
        **kwargs,
    )


def test_request_defaults_the_end_to_the_services_duration(in_tenant_a, user_a):
    service = ServiceFactory(duration_minutes=90)
    booking = request(service, at(1, 10), by=user_a)
    assert booking.status == B.REQUESTED and booking.end_at == at(1, 11, 30)
    assert booking.provider == service.provider and booking.client_email == "grace@mail.example"


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"client_name": " "}, "client_name"),
        ({"client_email": "not-an-address"}, "client_email"),
        ({"end": "before"}, "end_at"),
    ],
)
def test_request_refuses_bad_input_on_its_field(in_tenant_a, kwargs, field):
    service = ServiceFactory()
    if kwargs.get("end") == "before":
        kwargs["end"] = at(1, 9)
    with pytest.raises(MarketplaceError) as caught:
        request(service, at(1, 10), **kwargs)
    assert field in caught.value.message_dict
    assert not Booking.objects.exists()


def test_request_refuses_an_inactive_service_or_provider(in_tenant_a):
    with pytest.raises(MarketplaceError, match="no longer offered"):
        request(ServiceFactory(is_active=False), at(1, 10))
    with pytest.raises(MarketplaceError, match="inactive"):
        request(ServiceFactory(provider=ServiceProviderFactory(is_active=False)), at(1, 10))


def test_confirm_refuses_an_overlap_with_a_confirmed_booking_of_the_same_provider(in_tenant_a, user_a):
    service = ServiceFactory()
    first = request(service, at(1, 10), at(1, 11))
    bookings.confirm_booking(booking_id=first.pk, by=user_a)
    clashing = request(service, at(1, 10, 30), at(1, 11, 30))
    with pytest.raises(MarketplaceError, match="already has a confirmed booking at that time"):
        bookings.confirm_booking(booking_id=clashing.pk, by=user_a)
    clashing.refresh_from_db()
    assert clashing.status == B.REQUESTED
    # Back to back is fine; another provider at the same time is fine; a requested one never blocks.
    back_to_back = request(service, at(1, 11), at(1, 12))
    assert bookings.confirm_booking(booking_id=back_to_back.pk).status == B.CONFIRMED
    other = request(ServiceFactory(), at(1, 10), at(1, 11))
    assert bookings.confirm_booking(booking_id=other.pk).status == B.CONFIRMED


def test_a_cancelled_booking_frees_the_time(in_tenant_a, user_a):
    service = ServiceFactory()
    first = request(service, at(1, 10))
    bookings.confirm_booking(booking_id=first.pk)
    bookings.cancel_booking(booking_id=first.pk, reason="Client ill", by=user_a)
    first.refresh_from_db()
    assert (first.status, first.cancellation_reason) == (B.CANCELLED, "Client ill") and first.cancelled_at
    second = request(service, at(1, 10))
    assert bookings.confirm_booking(booking_id=second.pk).status == B.CONFIRMED


def test_transitions_outside_the_allowed_ones_are_refused_naming_the_allowed_ones(in_tenant_a):
    booking = BookingFactory()
    with pytest.raises(
        TransitionNotAllowed, match="requested; you cannot complete it. It can become: Confirmed or Cancelled"
    ):
        bookings.complete_booking(booking_id=booking.pk)
    with pytest.raises(TransitionNotAllowed, match="cannot mark it as a no-show"):
        bookings.mark_no_show(booking_id=booking.pk)
    bookings.cancel_booking(booking_id=booking.pk)
    with pytest.raises(
        TransitionNotAllowed,
        match=r"cancelled; you cannot confirm it. It can become: nothing \(it is final\)",
    ):
        bookings.confirm_booking(booking_id=booking.pk)


def test_complete_and_no_show_only_once_the_booking_started(in_tenant_a):
    future = BookingFactory()
    bookings.confirm_booking(booking_id=future.pk)
    with pytest.raises(TransitionNotAllowed, match="once it has started"):
        bookings.complete_booking(booking_id=future.pk)
    with pytest.raises(TransitionNotAllowed, match="once it has started"):
        bookings.mark_no_show(booking_id=future.pk)
    past = BookingFactory(start_at=at(-1, 10), end_at=at(-1, 11))
    bookings.confirm_booking(booking_id=past.pk)
    assert bookings.complete_booking(booking_id=past.pk).status == B.COMPLETED
    other = BookingFactory(start_at=at(-2, 10), end_at=at(-2, 11))
    bookings.confirm_booking(booking_id=other.pk)
    assert bookings.mark_no_show(booking_id=other.pk).status == B.NO_SHOW


def test_another_tenants_booking_is_not_found(tenant_a, tenant_b):
    with tenant_context(tenant_b):
        foreign = BookingFactory()
    with tenant_context(tenant_a), pytest.raises(Booking.DoesNotExist):
        bookings.confirm_booking(booking_id=foreign.pk)


# --- PostgreSQL: the database refuses overlaps, even from two confirmations at once -----------
postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="exclusion constraints need PostgreSQL"
)


@postgresql_only
def test_the_database_refuses_overlapping_confirmed_bookings(in_tenant_a):
    first = BookingFactory(status=B.CONFIRMED)
    BookingFactory(service=first.service, status=B.REQUESTED)  # requested ones may overlap
    with pytest.raises(IntegrityError), transaction.atomic():
        BookingFactory(service=first.service, status=B.CONFIRMED, start_at=first.start_at + HOUR / 2)
    BookingFactory(service=first.service, status=B.CONFIRMED, start_at=first.end_at)  # back to back


@postgresql_only
def test_the_constraints_violation_becomes_the_services_refusal(in_tenant_a, monkeypatch):
    """Even when the application's check misses the clash (as a concurrent confirmation would)."""
    first = BookingFactory(status=B.CONFIRMED)
    second = BookingFactory(service=first.service)
    monkeypatch.setattr(bookings.selectors, "overlapping_confirmed_booking", lambda **kwargs: None)
    with pytest.raises(MarketplaceError, match="already has a confirmed booking at that time"):
        bookings.confirm_booking(booking_id=second.pk)
    second.refresh_from_db()
    assert second.status == B.REQUESTED


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_overlapping_confirmations_cannot_both_pass(tenant_a):
    with tenant_context(tenant_a):
        service = ServiceFactory()
        pending = [BookingFactory(service=service, start_at=at(1, 10, 15 * i)) for i in range(2)]
    barrier, outcomes = threading.Barrier(2), []

    def attempt(booking_id):
        try:
            with tenant_context(tenant_a):
                barrier.wait(timeout=10)
                bookings.confirm_booking(booking_id=booking_id)
            outcomes.append("ok")
        except MarketplaceError as exc:
            outcomes.append(" ".join(exc.messages))
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(b.pk,)) for b in pending]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes)[1] == "ok" and "already has a confirmed booking" in sorted(outcomes)[0]
    with tenant_context(tenant_a):
        assert Booking.objects.filter(status=B.CONFIRMED).count() == 1
