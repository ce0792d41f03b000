"""Bookings: requested → confirmed → completed, or cancelled / no-show.

A provider cannot hold two confirmed bookings that overlap ([start, end) intervals: back-to-back
bookings are fine). Confirming locks the provider's row before looking for a clash, so two
confirmations for one provider run one after the other and the second sees the first. On
PostgreSQL an exclusion constraint (migration 0002) refuses an overlap in the database as well;
its violation becomes the same refusal. On SQLite the check here is the only guard (SQLite
serialises writes anyway).
"""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from marketplace import selectors
from marketplace.models import OVERLAP_CONSTRAINT, Booking, BookingStatus, Service
from marketplace.services.common import labels, local_time
from marketplace.services.errors import MarketplaceError, TransitionNotAllowed
from marketplace.services.stats import locked_provider
from people.models import User

B = BookingStatus
ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    B.REQUESTED: frozenset({B.CONFIRMED, B.CANCELLED}),
    B.CONFIRMED: frozenset({B.COMPLETED, B.CANCELLED, B.NO_SHOW}),
    B.COMPLETED: frozenset(),
    B.CANCELLED: frozenset(),
    B.NO_SHOW: frozenset(),
}
ACTIONS = {
    B.CONFIRMED: "confirm it",
    B.COMPLETED: "complete it",
    B.CANCELLED: "cancel it",
    B.NO_SHOW: "mark it as a no-show",
}


def _locked_booking(booking_id: int) -> Booking:
    return (
        Booking.objects.select_for_update(of=("self",))
        .select_related("service", "provider")
        .get(pk=booking_id)
    )


def _move(booking: Booking, to_status: str, *, by: User | None, reason: str = "", **fields) -> Booking:
    allowed = ALLOWED_TRANSITIONS[booking.status]
    if to_status not in allowed:
        raise TransitionNotAllowed(
            f"This booking is {booking.get_status_display().lower()}; you cannot {ACTIONS[to_status]}. "
            f"It can become: {labels(B, allowed)}."
        )
    booking.status = to_status
    for name, value in fields.items():
        setattr(booking, name, value)
    booking._history_user = by
    if reason:
        booking._change_reason = reason[:100]
    booking.save(update_fields=["status", *fields, "updated_at"])
    return booking


def _clash_message(provider, clash: Booking) -> str:
    return (
        f"{provider} already has a confirmed booking at that time: {clash.service.title} for "
        f"{clash.client_name}, {local_time(clash.start_at)}–{local_time(clash.end_at)[-5:]}. "
        "Move or cancel one of them first."
    )


@transaction.atomic
def request_booking(
    *,
    service_id: int,
    client_name: str,
    client_email: str,
    start: datetime,
    end: datetime | None = None,
    notes: str = "",
    by: User | None = None,
) -> Booking:
    """A client asks for an appointment; `end` defaults to the service's duration after `start`."""
    service = Service.objects.select_related("provider").get(pk=service_id)
    provider = service.provider
    if not (client_name or "").strip():
        raise MarketplaceError({"client_name": "Give the client's name."})
    try:
        validate_email((client_email or "").strip())
    except ValidationError:
        raise MarketplaceError({"client_email": f"{client_email!r} is not an e-mail address."}) from None
    if start is None:
        raise MarketplaceError({"start_at": "Give the booking a start time."})
    end = end or start + service.duration
    if end <= start:
        raise MarketplaceError({"end_at": "The booking must end after it starts."})
    if not service.is_active:
        raise MarketplaceError(
            f"{service.title} is no longer offered; activate it or choose another service."
        )
    if not provider.is_active:
        raise MarketplaceError(f"{provider} is inactive; bookings cannot be made with them.")
    booking = Booking(
        service=service,
        client_name=client_name.strip(),
        client_email=client_email.strip().lower(),
        start_at=start,
        end_at=end,
        notes=notes,
    )
    booking._history_user = by
    booking.save()
    return booking


@transaction.atomic
def confirm_booking(*, booking_id: int, by: User | None = None) -> Booking:
    """Confirm a requested booking unless the provider is already booked (confirmed) at that time."""
    booking = _locked_booking(booking_id)
    if booking.status != B.REQUESTED:
        _move(booking, B.CONFIRMED, by=by)  # raises, naming what the booking can still become
    provider = locked_provider(booking.provider_id)  # serialises confirmations of one provider
    if not provider.is_active:
        raise MarketplaceError(f"{provider} is inactive; reactivate them or cancel this booking.")
    clash = selectors.overlapping_confirmed_booking(
        provider_id=provider.pk, start=booking.start_at, end=booking.end_at, exclude_id=booking.pk
    )
    if clash is not None:
        raise MarketplaceError(_clash_message(provider, clash))
    try:
        with transaction.atomic():
            return _move(booking, B.CONFIRMED, by=by, confirmed_at=timezone.now())
    except IntegrityError as exc:  # the exclusion constraint: a concurrent confirmation won
        if OVERLAP_CONSTRAINT not in str(exc):
            raise
        clash = selectors.overlapping_confirmed_booking(
            provider_id=provider.pk, start=booking.start_at, end=booking.end_at, exclude_id=booking.pk
        )
        if clash is None:
            raise MarketplaceError(
                f"{provider} already has a confirmed booking at that time. Move or cancel one of them first."
            ) from exc
        raise MarketplaceError(_clash_message(provider, clash)) from exc


def _ensure_started(booking: Booking, what: str) -> None:
    if booking.start_at > timezone.now():
        raise TransitionNotAllowed(
            f"This booking starts on {local_time(booking.start_at)}; it can be marked {what} once it has "
            "started. Cancel it instead if it will not happen."
        )


@transaction.atomic
def complete_booking(*, booking_id: int, by: User | None = None) -> Booking:
    """The appointment took place."""
    booking = _locked_booking(booking_id)
    if booking.status == B.CONFIRMED:
        _ensure_started(booking, "completed")
    return _move(booking, B.COMPLETED, by=by)


@transaction.atomic
def mark_no_show(*, booking_id: int, by: User | None = None) -> Booking:
    """The client did not come."""
    booking = _locked_booking(booking_id)
    if booking.status == B.CONFIRMED:
        _ensure_started(booking, "a no-show")
    return _move(booking, B.NO_SHOW, by=by)


@transaction.atomic
def cancel_booking(*, booking_id: int, by: User | None = None, reason: str = "") -> Booking:
    """Cancel a requested or confirmed booking; the provider is free at that time again."""
    booking = _locked_booking(booking_id)
    reason = (reason or "").strip()
    return _move(
        booking,
        B.CANCELLED,
        by=by,
        reason=f"Cancelled: {reason}" if reason else "Cancelled",
        cancelled_at=timezone.now(),
        cancellation_reason=reason,
    )
