"""Offers: draft → sent → accepted / declined / withdrawn / expired.

Each step stamps its moment: `sent_at`, `responded_at` (the candidate accepted or declined),
`withdrawn_at` (the company withdrew) and `expired_at` (the schedule expired it unanswered).

An application has at most one open (draft or sent) offer. Sending moves the application to the
Offer stage; declining or withdrawing leaves it where it is (a new offer can be drafted).
`expire_overdue_offers()` runs hourly in every tenant (recruiting/schedules.py) and is idempotent.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone

from people.models import User
from recruiting.models import ApplicationStatus, Offer, OfferStatus
from recruiting.services import pipeline
from recruiting.services.errors import RecruitingError, TransitionNotAllowed
from recruiting.services.interviews import local_time

O = OfferStatus  # noqa: E741
OPEN_OFFER_STATUSES = (O.DRAFT, O.SENT)
OFFER_TRANSITIONS: dict[str, frozenset[str]] = {
    O.DRAFT: frozenset({O.SENT, O.WITHDRAWN}),
    O.SENT: frozenset({O.ACCEPTED, O.DECLINED, O.WITHDRAWN, O.EXPIRED}),
    O.ACCEPTED: frozenset(),
    O.DECLINED: frozenset(),
    O.WITHDRAWN: frozenset(),
    O.EXPIRED: frozenset(),
}
# Offers are made once the candidate reached the on-site round or later.
OFFER_STAGES = (ApplicationStatus.ONSITE_1, ApplicationStatus.FINAL, ApplicationStatus.OFFER)
DEFAULT_VALIDITY = timedelta(days=7)
CENTS = Decimal("0.01")
CURRENCY = re.compile(r"^[A-Z]{3}$")
# The actions people click, by target status, for refusal messages.
ACTIONS = {
    O.SENT: "send",
    O.ACCEPTED: "accept",
    O.DECLINED: "decline",
    O.WITHDRAWN: "withdraw",
    O.EXPIRED: "expire",
}


def money(value) -> Decimal:
    """A positive amount quantized to 2 places (cents); never a float's binary noise."""
    try:
        amount = Decimal(str(value)).quantize(CENTS, rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError, TypeError):
        raise RecruitingError(
            {"salary": f"{value!r} is not an amount; write it like 65000 or 65000.50."}
        ) from None
    if not amount.is_finite() or amount <= 0:
        raise RecruitingError({"salary": "The salary must be more than zero."})
    if amount >= Decimal("1e12"):
        raise RecruitingError({"salary": "The salary is too large; check the amount."})
    return amount


def currency_code(value: str) -> str:
    code = (value or "").strip()
    if not CURRENCY.match(code):
        raise RecruitingError(
            {
                "currency": f"{value!r} is not a currency code; use the 3-letter ISO code in capitals, like EUR."
            }
        )
    return code


def _labels(statuses) -> str:
    names = [str(choice.label) for choice in O if choice in statuses]
    if not names:
        return "nothing (it is final)"
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


def _locked_offer(offer_id: int) -> Offer:
    return (
        Offer.objects.select_for_update(of=("self",))
        .select_related("application__candidate", "application__job")
        .get(pk=offer_id)
    )


def _move(offer: Offer, to_status: str, **fields) -> Offer:
    allowed = OFFER_TRANSITIONS[offer.status]
    if to_status not in allowed:
        raise TransitionNotAllowed(
            f"This offer is {offer.get_status_display().lower()}; you cannot {ACTIONS[to_status]} it. "
            f"It can become: {_labels(allowed)}."
        )
    offer.status = to_status
    for name, value in fields.items():
        setattr(offer, name, value)
    offer.save(update_fields=["status", *fields, "updated_at"])
    return offer


@transaction.atomic
def draft_offer(
    *,
    application_id: int,
    salary,
    currency: str,
    start_date: date,
    expires_at: datetime | None = None,
    by: User | None = None,
) -> Offer:
    """Draft an offer for an application at the on-site, final or offer stage."""
    salary, currency = money(salary), currency_code(currency)
    application = pipeline.locked_application(application_id)  # serialises "one open offer"
    pipeline.ensure_open(application, "make an offer")
    if application.status not in OFFER_STAGES:
        raise TransitionNotAllowed(
            f"The application is at {pipeline.status_label(application.status)}; offers are made from "
            f"{pipeline.labels(OFFER_STAGES)}. Move the application forward first."
        )
    existing = Offer.objects.filter(application=application, status__in=OPEN_OFFER_STATUSES).first()
    if existing is not None:
        raise RecruitingError(
            f"This application already has an open offer (#{existing.pk}, {existing.get_status_display().lower()}, "
            f"{existing.salary} {existing.currency}); withdraw it before drafting another."
        )
    if start_date is None or start_date < timezone.localdate():
        raise RecruitingError({"start_date": "The start date cannot be in the past."})
    if expires_at is not None and expires_at <= timezone.now():
        raise RecruitingError({"expires_at": "The expiry must be in the future, or leave it empty (7 days)."})
    return Offer.objects.create(
        application=application,
        salary=salary,
        currency=currency,
        start_date=start_date,
        expires_at=expires_at,
    )


@transaction.atomic
def send_offer(*, offer_id: int, by: User | None = None) -> Offer:
    """Send a draft: it expires after `expires_at` (default 7 days from now), and the application
    moves to the Offer stage when it is not already there."""
    offer = _locked_offer(offer_id)
    if offer.status != O.DRAFT:
        _move(offer, O.SENT)  # raises, naming what the offer can still become
    pipeline.ensure_open(offer.application, "send an offer")
    now = timezone.now()
    if offer.expires_at is not None and offer.expires_at <= now:
        raise RecruitingError(
            {
                "expires_at": f"The expiry ({local_time(offer.expires_at)}) has passed; set a later one or clear it."
            }
        )
    status = offer.application.status
    if status != ApplicationStatus.OFFER and ApplicationStatus.OFFER in pipeline.ALLOWED_TRANSITIONS[status]:
        pipeline.move_application(
            application_id=offer.application_id, to_status=ApplicationStatus.OFFER, by=by, note="Offer sent"
        )
    return _move(offer, O.SENT, sent_at=now, expires_at=offer.expires_at or now + DEFAULT_VALIDITY)


@transaction.atomic
def accept_offer(*, offer_id: int, by: User | None = None) -> Offer:
    """The candidate accepted. Hiring is the next step (the Hire action)."""
    offer = _locked_offer(offer_id)
    now = timezone.now()
    if offer.status == O.SENT and offer.expires_at is not None and offer.expires_at <= now:
        raise TransitionNotAllowed(
            f"This offer expired on {local_time(offer.expires_at)}; draft and send a new offer instead."
        )
    return _move(offer, O.ACCEPTED, responded_at=now)


@transaction.atomic
def decline_offer(*, offer_id: int, by: User | None = None) -> Offer:
    """The candidate declined; the application stays where it is."""
    return _move(_locked_offer(offer_id), O.DECLINED, responded_at=timezone.now())


@transaction.atomic
def withdraw_offer(*, offer_id: int, by: User | None = None) -> Offer:
    """The company withdraws a draft or sent offer; the application stays where it is.
    `withdrawn_at` records when (`responded_at` stays empty: the candidate did not answer)."""
    return _move(_locked_offer(offer_id), O.WITHDRAWN, withdrawn_at=timezone.now())


@transaction.atomic
def expire_overdue_offers() -> int:
    """Expire the active tenant's sent offers whose expiry has passed. Returns how many.

    Idempotent: an expired offer is no longer sent, so a second run finds nothing. Rows another
    transaction is deciding right now (locked) are skipped and expire on the next run.
    """
    now = timezone.now()
    overdue = Offer.objects.select_for_update(skip_locked=True).filter(status=O.SENT, expires_at__lte=now)
    count = 0
    for offer in overdue.order_by("pk"):
        offer.status, offer.expired_at = O.EXPIRED, now
        offer._change_reason = "Expired unanswered"
        offer.save(update_fields=["status", "expired_at", "updated_at"])
        count += 1
    return count
