"""Offers: drafting rules, money and currency, the lifecycle, and the expiry schedule."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from django_q.models import Schedule, Task

from people.scheduling import declared_schedules, sync_schedules
from people.tenancy import TenantMismatch, tenant_context
from recruiting.models import Application, ApplicationStatus, ApplicationStatusChange, Offer, OfferStatus
from recruiting.services.errors import RecruitingError, TransitionNotAllowed
from recruiting.services.offers import (
    accept_offer,
    decline_offer,
    draft_offer,
    expire_overdue_offers,
    send_offer,
    withdraw_offer,
)
from tests.recruiting.factories import ApplicationFactory, OfferFactory

pytestmark = pytest.mark.django_db
O = OfferStatus  # noqa: E741
S = ApplicationStatus


@pytest.fixture
def final_application(in_tenant_a):
    return ApplicationFactory(status=S.FINAL)


def draft(application, **kwargs):
    kwargs.setdefault("salary", "72000")
    kwargs.setdefault("currency", "EUR")
    kwargs.setdefault("start_date", timezone.localdate() + timedelta(days=30))
    return draft_offer(application_id=application.pk, **kwargs)


def sent(application, **kwargs):
    return send_offer(offer_id=draft(application, **kwargs).pk)


# --- drafting -------------------------------------------------------------------------------
def test_draft_quantizes_the_salary_to_cents(final_application):
    offer = draft(final_application, salary=72000.125)
    assert offer.status == O.DRAFT and offer.salary == Decimal("72000.13")
    assert Offer.objects.get(pk=offer.pk).salary == Decimal("72000.13")
    assert draft(ApplicationFactory(status=S.ONSITE_1), salary=Decimal("5E+4")).salary == Decimal("50000.00")


@pytest.mark.parametrize("currency", ["eur", "EURO", "E1R", "", "€"])
def test_draft_refuses_anything_but_a_3_letter_uppercase_code(final_application, currency):
    with pytest.raises(RecruitingError, match="3-letter ISO code in capitals"):
        draft(final_application, currency=currency)


@pytest.mark.parametrize(
    ("salary", "message"), [("0", "more than zero"), ("-5", "more than zero"), ("lots", "not an amount")]
)
def test_draft_refuses_a_bad_salary(final_application, salary, message):
    with pytest.raises(RecruitingError, match=message):
        draft(final_application, salary=salary)


def test_draft_refuses_a_past_start_date_or_expiry(final_application):
    with pytest.raises(RecruitingError, match="start date cannot be in the past"):
        draft(final_application, start_date=timezone.localdate() - timedelta(days=1))
    with pytest.raises(RecruitingError, match="expiry must be in the future"):
        draft(final_application, expires_at=timezone.now() - timedelta(hours=1))


@pytest.mark.parametrize("status", [S.PENDING_REVIEW, S.PHONE_SCREEN, S.TECHNICAL, S.BACKGROUND_CHECK])
def test_offers_are_made_from_onsite_final_or_offer_only(in_tenant_a, status):
    with pytest.raises(
        TransitionNotAllowed, match="offers are made from In person, round 1, Final interview or Offer"
    ):
        draft(ApplicationFactory(status=status))


def test_a_closed_application_gets_no_offer(in_tenant_a):
    with pytest.raises(TransitionNotAllowed, match="closed application"):
        draft(ApplicationFactory(status=S.REJECTED))


def test_one_open_offer_per_application(final_application):
    first = draft(final_application)
    with pytest.raises(
        RecruitingError, match=rf"already has an open offer \(#{first.pk}, draft, 72000.00 EUR\)"
    ):
        draft(final_application)
    withdraw_offer(offer_id=first.pk)
    assert draft(final_application).status == O.DRAFT


# --- sending and answering ------------------------------------------------------------------
def test_send_sets_the_expiry_and_moves_the_application_to_offer(final_application, user_a):
    before = timezone.now()
    offer = send_offer(offer_id=draft(final_application).pk, by=user_a)
    assert offer.status == O.SENT and offer.sent_at >= before
    assert offer.expires_at == offer.sent_at + timedelta(days=7)
    assert Application.objects.get(pk=final_application.pk).status == S.OFFER
    change = ApplicationStatusChange.objects.filter(application=final_application).last()
    assert (change.from_status, change.to_status, change.changed_by) == (S.FINAL, S.OFFER, user_a)


def test_send_keeps_an_explicit_expiry_and_an_application_already_at_offer(in_tenant_a):
    application = ApplicationFactory(status=S.OFFER)
    expires = timezone.now() + timedelta(days=3)
    offer = sent(application, expires_at=expires)
    assert offer.expires_at == expires
    assert not ApplicationStatusChange.objects.filter(application=application).exists()


def test_send_refuses_an_expiry_that_passed_meanwhile(final_application):
    offer = draft(final_application, expires_at=timezone.now() + timedelta(hours=1))
    Offer.objects.filter(pk=offer.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    with pytest.raises(RecruitingError, match="has passed; set a later one"):
        send_offer(offer_id=offer.pk)


def test_a_sent_offer_cannot_be_sent_again_and_the_message_names_the_way_on(final_application):
    offer = sent(final_application)
    with pytest.raises(
        TransitionNotAllowed,
        match="is sent, pending response; you cannot send it. It can become: Accepted, Declined, Withdrawn or Expired",
    ):
        send_offer(offer_id=offer.pk)


def test_accept(final_application):
    offer = accept_offer(offer_id=sent(final_application).pk)
    assert offer.status == O.ACCEPTED and offer.responded_at
    with pytest.raises(
        TransitionNotAllowed, match="is accepted; you cannot decline it. It can become: nothing"
    ):
        decline_offer(offer_id=offer.pk)


def test_a_draft_cannot_be_accepted_or_declined(final_application):
    offer = draft(final_application)
    with pytest.raises(
        TransitionNotAllowed,
        match="is draft; you cannot accept it. It can become: Sent, pending response or Withdrawn",
    ):
        accept_offer(offer_id=offer.pk)
    with pytest.raises(TransitionNotAllowed):
        decline_offer(offer_id=offer.pk)


@pytest.mark.parametrize(("answer", "status"), [(decline_offer, O.DECLINED), (withdraw_offer, O.WITHDRAWN)])
def test_decline_and_withdraw_leave_the_application_where_it_is(final_application, answer, status):
    offer = answer(offer_id=sent(final_application).pk)
    assert offer.status == status
    assert Application.objects.get(pk=final_application.pk).status == S.OFFER
    assert draft(final_application).status == O.DRAFT  # a new offer can be made


# --- when it closed ---------------------------------------------------------------------------
def stamps(offer):
    offer = Offer.objects.get(pk=offer.pk)
    return {name: getattr(offer, name) for name in ("sent_at", "responded_at", "withdrawn_at", "expired_at")}


@pytest.mark.parametrize(("answer", "status"), [(accept_offer, O.ACCEPTED), (decline_offer, O.DECLINED)])
def test_the_candidate_s_answer_stamps_responded_at(final_application, answer, status):
    before = timezone.now()
    offer = answer(offer_id=sent(final_application).pk)
    moments = stamps(offer)
    assert offer.status == status and before <= moments["responded_at"] <= timezone.now()
    assert (moments["withdrawn_at"], moments["expired_at"]) == (None, None)


@pytest.mark.parametrize("send", [False, True])
def test_withdrawing_stamps_withdrawn_at_not_an_answer(final_application, send):
    offer = sent(final_application) if send else draft(final_application)
    before = timezone.now()
    moments = stamps(withdraw_offer(offer_id=offer.pk))
    assert before <= moments["withdrawn_at"] <= timezone.now()
    assert (moments["responded_at"], moments["expired_at"]) == (None, None)
    assert (moments["sent_at"] is not None) is send
    assert Offer.objects.get(pk=offer.pk).history.first().withdrawn_at == moments["withdrawn_at"]


def test_expiry_stamps_expired_at_once(in_tenant_a):
    late = overdue(ApplicationFactory(status=S.FINAL))
    before = timezone.now()
    expire_overdue_offers()
    first = stamps(late)["expired_at"]
    assert before <= first <= timezone.now() and stamps(late)["responded_at"] is None
    expire_overdue_offers()  # idempotent: the stamp is not moved
    assert stamps(late)["expired_at"] == first


def test_a_refused_step_stamps_nothing(final_application):
    accepted = accept_offer(offer_id=sent(final_application).pk)
    answered = stamps(accepted)
    with pytest.raises(TransitionNotAllowed, match="is accepted; you cannot withdraw it"):
        withdraw_offer(offer_id=accepted.pk)
    assert stamps(accepted) == answered and answered["withdrawn_at"] is None
    late = overdue(ApplicationFactory(status=S.FINAL))
    with pytest.raises(TransitionNotAllowed, match="expired on"):
        accept_offer(offer_id=late.pk)
    assert stamps(late)["responded_at"] is None


def test_accepting_after_the_expiry_is_refused(final_application):
    offer = sent(final_application)
    Offer.objects.filter(pk=offer.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    with pytest.raises(TransitionNotAllowed, match="expired on .*; draft and send a new offer"):
        accept_offer(offer_id=offer.pk)


# --- expiry ---------------------------------------------------------------------------------
def overdue(application):
    offer = sent(application)
    Offer.objects.filter(pk=offer.pk).update(expires_at=timezone.now() - timedelta(hours=1))
    return offer


def test_expire_overdue_offers_is_idempotent(in_tenant_a):
    late, on_time = overdue(ApplicationFactory(status=S.FINAL)), sent(ApplicationFactory(status=S.FINAL))
    a_draft = draft(ApplicationFactory(status=S.FINAL))
    assert expire_overdue_offers() == 1
    assert expire_overdue_offers() == 0
    statuses = dict(Offer.objects.values_list("pk", "status"))
    assert statuses == {late.pk: O.EXPIRED, on_time.pk: O.SENT, a_draft.pk: O.DRAFT}
    assert Offer.objects.get(pk=late.pk).history.first().history_change_reason == "Expired unanswered"
    with pytest.raises(TransitionNotAllowed, match="is expired"):
        accept_offer(offer_id=late.pk)


def test_expiry_stays_in_the_active_tenant(tenant_a, tenant_b):
    with tenant_context(tenant_b):
        theirs = overdue(ApplicationFactory(status=S.FINAL))
    with tenant_context(tenant_a):
        assert expire_overdue_offers() == 0
    with tenant_context(tenant_b):
        assert Offer.objects.get(pk=theirs.pk).status == O.SENT


def test_the_declared_schedule_expires_offers_in_every_tenant(tenant_a, tenant_b):
    """The real declaration, run by q2's scheduler as the cluster does (tasks run inline in tests)."""
    from django_q.scheduler import scheduler

    spec = next(s for s in declared_schedules() if s.name == "recruiting.expire_overdue_offers")
    assert spec.per_tenant and spec.schedule_type == Schedule.HOURLY
    offers = {}
    for tenant in (tenant_a, tenant_b):
        with tenant_context(tenant):
            offers[tenant.pk] = overdue(ApplicationFactory(status=S.FINAL))
    sync_schedules()
    Schedule.objects.exclude(name=spec.name).delete()
    scheduler()
    results = sorted(t.result for t in Task.objects.filter(func="people.background.run_in_tenant"))
    assert results == [1, 1]
    for tenant in (tenant_a, tenant_b):
        with tenant_context(tenant):
            assert Offer.objects.get(pk=offers[tenant.pk].pk).status == O.EXPIRED
    Schedule.objects.filter(name=spec.name).update(next_run=timezone.now() - timedelta(seconds=1))
    scheduler()  # a second run finds nothing left to expire
    results = sorted(t.result for t in Task.objects.filter(func="people.background.run_in_tenant"))
    assert results == [0, 0, 1, 1]


# --- tenant isolation -----------------------------------------------------------------------
def test_another_tenants_offers_and_applications_are_invisible(tenant_a, tenant_b):
    with tenant_context(tenant_b):
        theirs = OfferFactory(application=ApplicationFactory(status=S.FINAL))
    with tenant_context(tenant_a):
        with pytest.raises(Offer.DoesNotExist):
            send_offer(offer_id=theirs.pk)
        with pytest.raises(Application.DoesNotExist):
            draft(theirs.application)


def test_a_forged_offer_for_another_tenants_application_is_refused(tenant_a, tenant_b):
    with tenant_context(tenant_b):
        their_application = ApplicationFactory(status=S.FINAL)
    with tenant_context(tenant_a), pytest.raises(TenantMismatch):
        OfferFactory(application_id=their_application.pk, application=None)
