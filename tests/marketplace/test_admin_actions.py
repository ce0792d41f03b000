"""The marketplace workflow actions in the admin: each step's allowed and refused paths through the
confirmation pages, GET-safe pages, bulk actions, role checks, another tenant's ids (404) and
forged step form posts."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from marketplace.models import Booking, BookingStatus, Contract, ContractStatus, Review
from people.tenancy import tenant_context
from tests.marketplace.conftest import in_tenant, refreshed
from tests.marketplace.factories import (
    BookingFactory,
    ContractFactory,
    ReviewFactory,
    ServiceFactory,
    ServiceProviderFactory,
)

pytestmark = pytest.mark.django_db

PROVIDERS = "/admin/marketplace/serviceprovider/"
SERVICES = "/admin/marketplace/service/"
BOOKINGS = "/admin/marketplace/booking/"
CONTRACTS = "/admin/marketplace/contract/"
REVIEWS = "/admin/marketplace/review/"
C = ContractStatus
B = BookingStatus


def text(response):
    return response.content.decode()


def at(days, hour):
    day = timezone.localdate() + datetime.timedelta(days=days)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


# --- providers -----------------------------------------------------------------------------------
def test_verify_page_is_get_safe_then_verifies(ops_client, tenant_a, ops):
    provider = in_tenant(tenant_a, ServiceProviderFactory)
    page = ops_client.get(f"{PROVIDERS}{provider.pk}/verify/")
    assert page.status_code == 200 and "Mark this provider as verified" in text(page)
    assert not refreshed(tenant_a, provider).is_verified
    response = ops_client.post(f"{PROVIDERS}{provider.pk}/verify/", follow=True)
    assert "verified." in text(response)
    provider = refreshed(tenant_a, provider)
    assert provider.is_verified and provider.verified_by == ops
    # Verified: the page offers Unverify, not Verify; a forged second verify is refused with the reason.
    change = text(ops_client.get(f"{PROVIDERS}{provider.pk}/change/"))
    assert (
        f"{PROVIDERS}{provider.pk}/unverify/" in change and f"{PROVIDERS}{provider.pk}/verify/" not in change
    )
    response = ops_client.post(f"{PROVIDERS}{provider.pk}/verify/", follow=True)
    assert "is already verified" in text(response)


def test_unverify_needs_a_reason(ops_client, tenant_a, ops):
    with tenant_context(tenant_a):
        provider = ServiceProviderFactory(is_verified=True, verified_at=timezone.now(), verified_by=ops)
    response = ops_client.post(f"{PROVIDERS}{provider.pk}/unverify/", {"reason": " "})
    assert response.status_code == 200 and "reason" in response.context["form"].errors
    assert refreshed(tenant_a, provider).is_verified
    ops_client.post(f"{PROVIDERS}{provider.pk}/unverify/", {"reason": "Insurance lapsed"})
    assert not refreshed(tenant_a, provider).is_verified


def test_listing_refused_without_an_active_service_then_allowed(ops_client, tenant_a):
    provider = in_tenant(tenant_a, ServiceProviderFactory)
    response = ops_client.post(f"{PROVIDERS}{provider.pk}/enable/", follow=True)
    assert "has no active service" in text(response)
    assert not refreshed(tenant_a, provider).marketplace_enabled
    in_tenant(tenant_a, ServiceFactory, provider=provider)
    ops_client.post(f"{PROVIDERS}{provider.pk}/enable/")
    assert refreshed(tenant_a, provider).marketplace_enabled
    ops_client.post(f"{PROVIDERS}{provider.pk}/disable/", {"reason": "Paused"})
    assert not refreshed(tenant_a, provider).marketplace_enabled


def test_bulk_verify_reports_each_refusal(ops_client, tenant_a):
    with tenant_context(tenant_a):
        fresh = ServiceProviderFactory(display_name="Fresh")
        done = ServiceProviderFactory(display_name="Done", is_verified=True, verified_at=timezone.now())
    response = ops_client.post(
        PROVIDERS, {"action": "verify_selected", "_selected_action": [fresh.pk, done.pk]}, follow=True
    )
    assert "Done is already verified" in text(response) and "done for 1 service provider" in text(response)
    assert refreshed(tenant_a, fresh).is_verified


def test_new_contract_from_a_provider(ops_client, tenant_a):
    provider = in_tenant(tenant_a, ServiceProviderFactory)
    url = f"{PROVIDERS}{provider.pk}/new-contract/"
    data = {
        "title": "Audit",
        "client_name": "Ann",
        "client_email": "ann@mail.example",
        "amount": "1200",
        "currency": "usd",
    }
    response = ops_client.post(url, data)
    assert response.status_code == 200 and "not a currency code" in str(
        response.context["form"].errors["currency"]
    )
    ops_client.post(url, {**data, "currency": "USD", "start_date": "2026-03-10", "end_date": "2026-03-01"})
    with tenant_context(tenant_a):
        assert not Contract.objects.exists()
    response = ops_client.post(url, {**data, "currency": "USD"}, follow=True)
    assert "Drafted:" in text(response)
    with tenant_context(tenant_a):
        contract = Contract.objects.get()
    assert (contract.provider_id, contract.amount, contract.currency) == (provider.pk, Decimal("1200"), "USD")


# --- services and bookings -----------------------------------------------------------------------
def test_book_a_service_then_confirm_and_a_clash_is_refused(ops_client, tenant_a):
    service = in_tenant(tenant_a, ServiceFactory, duration_minutes=60)
    day = (timezone.localdate() + datetime.timedelta(days=2)).isoformat()
    data = {"client_name": "Grace", "client_email": "grace@mail.example", "start_0": day, "start_1": "10:00"}
    assert "Requested:" in text(ops_client.post(f"{SERVICES}{service.pk}/book/", data, follow=True))
    ops_client.post(f"{SERVICES}{service.pk}/book/", {**data, "start_1": "10:30", "client_name": "Linus"})
    with tenant_context(tenant_a):
        first, second = Booking.objects.order_by("start_at")
    assert text(ops_client.post(f"{BOOKINGS}{first.pk}/confirm/", follow=True)).count("confirmed.") == 1
    response = ops_client.post(f"{BOOKINGS}{second.pk}/confirm/", follow=True)
    assert "already has a confirmed booking at that time" in text(response)
    assert refreshed(tenant_a, second).status == B.REQUESTED


def test_a_booking_refusal_on_the_book_form_lands_on_its_field(ops_client, tenant_a):
    service = in_tenant(tenant_a, ServiceFactory)
    day = (timezone.localdate() + datetime.timedelta(days=2)).isoformat()
    response = ops_client.post(
        f"{SERVICES}{service.pk}/book/",
        {
            "client_name": "G",
            "client_email": "g@mail.example",
            "start_0": day,
            "start_1": "10:00",
            "end_0": day,
            "end_1": "09:00",
        },
    )
    assert response.status_code == 200 and "must end after it starts" in str(
        response.context["form"].errors["end"]
    )


def test_booking_steps_follow_the_status(ops_client, tenant_a):
    with tenant_context(tenant_a):
        past = BookingFactory(start_at=at(-1, 10), end_at=at(-1, 11), status=B.CONFIRMED)
        missed = BookingFactory(start_at=at(-1, 14), end_at=at(-1, 15), status=B.CONFIRMED)
        future = BookingFactory(status=B.CONFIRMED)
    ops_client.post(f"{BOOKINGS}{past.pk}/complete/")
    ops_client.post(f"{BOOKINGS}{missed.pk}/no-show/")
    response = ops_client.post(f"{BOOKINGS}{future.pk}/complete/", follow=True)
    assert "once it has started" in text(response)
    ops_client.post(f"{BOOKINGS}{future.pk}/cancel/", {"reason": "Client moved"})
    statuses = [refreshed(tenant_a, b).status for b in (past, missed, future)]
    assert statuses == [B.COMPLETED, B.NO_SHOW, B.CANCELLED]
    assert refreshed(tenant_a, future).cancellation_reason == "Client moved"
    page = text(ops_client.get(f"{BOOKINGS}{past.pk}/change/"))
    assert f"{BOOKINGS}{past.pk}/cancel/" not in page  # completed: no step left


def test_bulk_cancel_asks_for_the_reason_once(ops_client, tenant_a):
    with tenant_context(tenant_a):
        first, second = BookingFactory(), BookingFactory(start_at=at(2, 10), end_at=at(2, 11))
    data = {"action": "cancel_selected", "_selected_action": [first.pk, second.pk]}
    response = ops_client.post(BOOKINGS, data)
    assert response.status_code == 200 and "reason" in response.context["form"].fields
    assert refreshed(tenant_a, first).status == B.REQUESTED
    ops_client.post(BOOKINGS, {**data, "post": "yes", "reason": "Venue closed"})
    assert {refreshed(tenant_a, b).status for b in (first, second)} == {B.CANCELLED}


# --- contracts and reviews -----------------------------------------------------------------------
def test_the_contract_lifecycle_through_the_admin(ops_client, tenant_a):
    contract = in_tenant(tenant_a, ContractFactory)
    url = f"{CONTRACTS}{contract.pk}/"
    assert f"{url}deliver/" not in text(ops_client.get(f"{url}change/"))  # a draft offers activate/cancel
    ops_client.post(f"{url}activate/")
    ops_client.post(f"{url}dispute/", {"reason": "Late"})
    assert refreshed(tenant_a, contract).status == C.DISPUTED
    ops_client.post(f"{url}resume/")
    ops_client.post(f"{url}deliver/")
    ops_client.post(f"{url}complete/")
    contract = refreshed(tenant_a, contract)
    assert contract.status == C.COMPLETED
    assert refreshed(tenant_a, contract.provider).completed_contracts_count == 1
    response = ops_client.post(
        f"{url}review/", {"rating": "4", "comment": "Good", "publish": "on"}, follow=True
    )
    assert "Review recorded" in text(response)
    provider = refreshed(tenant_a, contract.provider)
    assert (provider.rating_average, provider.review_count) == (Decimal("4.00"), 1)
    assert f"{url}review/" not in text(ops_client.get(f"{url}change/"))  # one review per contract
    response = ops_client.post(f"{url}review/", {"rating": "5"}, follow=True)
    assert "already has a review" in text(response)


def test_refused_contract_moves_show_the_allowed_ones(ops_client, tenant_a):
    contract = in_tenant(tenant_a, ContractFactory)
    response = ops_client.post(f"{CONTRACTS}{contract.pk}/complete/", follow=True)
    assert "It can become: Active or Cancelled" in text(response)
    response = ops_client.post(f"{CONTRACTS}{contract.pk}/review/", {"rating": "5"}, follow=True)
    assert "a review is left once the contract is completed" in text(response)
    active = in_tenant(tenant_a, ContractFactory, status=C.ACTIVE)
    response = ops_client.post(f"{CONTRACTS}{active.pk}/cancel/", {"reason": ""})
    assert "reason" in response.context["form"].errors
    assert refreshed(tenant_a, active).status == C.ACTIVE


def test_publish_and_unpublish_a_review(ops_client, tenant_a):
    review = in_tenant(tenant_a, ReviewFactory, is_published=False, rating=2)
    ops_client.post(f"{REVIEWS}{review.pk}/publish/")
    assert refreshed(tenant_a, review).is_published
    assert refreshed(tenant_a, review.contract.provider).rating_average == Decimal("2.00")
    ops_client.post(f"{REVIEWS}{review.pk}/unpublish/")
    response = ops_client.post(f"{REVIEWS}{review.pk}/unpublish/", follow=True)
    assert "already not published" in text(response)
    assert refreshed(tenant_a, review.contract.provider).rating_average is None


# --- roles and tenants ---------------------------------------------------------------------------
def test_a_viewer_cannot_run_steps(viewer_client, tenant_a):
    provider = in_tenant(tenant_a, ServiceProviderFactory)
    assert viewer_client.get(f"{PROVIDERS}{provider.pk}/verify/").status_code == 403
    assert viewer_client.post(f"{PROVIDERS}{provider.pk}/verify/").status_code == 403
    assert not refreshed(tenant_a, provider).is_verified
    page = viewer_client.get(f"{PROVIDERS}{provider.pk}/change/")
    assert page.status_code == 200 and f"{PROVIDERS}{provider.pk}/verify/" not in text(page)


FOREIGN_STEPS = [
    (ServiceProviderFactory, PROVIDERS, ["verify", "unverify", "enable", "disable", "new-contract"]),
    (ServiceFactory, SERVICES, ["book"]),
    (BookingFactory, BOOKINGS, ["confirm", "complete", "no-show", "cancel"]),
    (
        ContractFactory,
        CONTRACTS,
        ["activate", "deliver", "complete", "dispute", "resume", "cancel", "review"],
    ),
    (ReviewFactory, REVIEWS, ["publish", "unpublish"]),
]


@pytest.mark.parametrize(
    "factory, base, path",
    [(factory, base, path) for factory, base, paths in FOREIGN_STEPS for path in paths],
    ids=lambda value: value if isinstance(value, str) else getattr(value, "__name__", None),
)
def test_another_tenants_record_answers_404_on_every_step(ops_client, tenant_b, factory, base, path):
    foreign = in_tenant(tenant_b, factory)
    before = in_tenant(tenant_b, lambda: type(foreign).history.count())
    assert ops_client.get(f"{base}{foreign.pk}/{path}/").status_code == 404
    assert ops_client.post(f"{base}{foreign.pk}/{path}/", {"reason": "x", "rating": "5"}).status_code == 404
    assert in_tenant(tenant_b, lambda: type(foreign).history.count()) == before


def test_a_bulk_action_with_another_tenants_id_touches_nothing(ops_client, tenant_a, tenant_b):
    foreign = in_tenant(tenant_b, BookingFactory)
    ops_client.post(BOOKINGS, {"action": "confirm_selected", "_selected_action": [foreign.pk]})
    assert refreshed(tenant_b, foreign).status == B.REQUESTED


def test_a_forged_review_post_for_another_tenants_contract_writes_nothing(ops_client, tenant_a, tenant_b):
    foreign = in_tenant(tenant_b, ContractFactory, status=C.COMPLETED)
    response = ops_client.post(f"{CONTRACTS}{foreign.pk}/review/", {"rating": "5", "publish": "on"})
    assert response.status_code == 404
    with tenant_context(tenant_b):
        assert not Review.objects.exists()
