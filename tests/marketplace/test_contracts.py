"""Contracts and reviews: the lifecycle's allowed and refused transitions, one review per completed
contract, and the provider's figures (rating, reviews, completed contracts) kept by the services."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from marketplace.models import ContractStatus, Review
from marketplace.services import contracts, reviews
from marketplace.services.errors import MarketplaceError, TransitionNotAllowed
from people.tenancy import tenant_context
from tests.marketplace.factories import ContractFactory, ReviewFactory, ServiceProviderFactory

pytestmark = pytest.mark.django_db

C = ContractStatus


def draft(provider=None, **kwargs):
    provider = provider or ServiceProviderFactory()
    values = {
        "provider_id": provider.pk,
        "client_name": "Ada Lovelace",
        "client_email": "Ada@Analytical.example",
        "client_company": "Analytical Engines Ltd",
        "title": "Data pipeline",
        "amount": "4800.5",
        "currency": "EUR",
        **kwargs,
    }
    return contracts.create_contract(**values)


def completed(provider=None):
    contract = draft(provider)
    for step in (contracts.activate_contract, contracts.deliver_contract, contracts.complete_contract):
        contract = step(contract_id=contract.pk)
    return contract


def test_create_quantizes_the_amount_and_defaults_the_currency(in_tenant_a, user_a):
    contract = draft(currency="", by=user_a)
    assert contract.status == C.DRAFT and contract.amount == Decimal("4800.50")
    assert (
        contract.currency == in_tenant_a.default_currency
        and contract.client_email == "ada@analytical.example"
    )
    assert contract.history.first().history_user == user_a


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"amount": "abc"}, "amount"),
        ({"amount": "0"}, "amount"),
        ({"amount": "-5"}, "amount"),
        ({"currency": "euro"}, "currency"),
        ({"client_email": "nope"}, "client_email"),
        ({"title": " "}, "title"),
    ],
)
def test_create_refuses_bad_input_on_its_field(in_tenant_a, kwargs, field):
    with pytest.raises(MarketplaceError) as caught:
        draft(**kwargs)
    assert field in caught.value.message_dict


def test_create_refuses_a_provider_not_accepting_projects_or_inactive(in_tenant_a):
    with pytest.raises(MarketplaceError, match="not accepting projects"):
        draft(ServiceProviderFactory(accepting_projects=False))
    with pytest.raises(MarketplaceError, match="inactive"):
        draft(ServiceProviderFactory(is_active=False))


def test_the_happy_path_records_each_moment(in_tenant_a, user_a):
    contract = draft()
    contract = contracts.activate_contract(contract_id=contract.pk, by=user_a)
    assert contract.status == C.ACTIVE and contract.activated_at and contract.start_date
    contract = contracts.deliver_contract(contract_id=contract.pk, by=user_a)
    assert contract.status == C.DELIVERED and contract.delivered_at
    contract = contracts.complete_contract(contract_id=contract.pk, by=user_a)
    assert contract.status == C.COMPLETED and contract.completed_at
    contract.provider.refresh_from_db()
    assert contract.provider.completed_contracts_count == 1


@pytest.mark.parametrize(
    "status, step, message",
    [
        (
            C.DRAFT,
            contracts.deliver_contract,
            "draft; you cannot mark it as delivered. It can become: Active or Cancelled",
        ),
        (C.DRAFT, contracts.complete_contract, "you cannot complete it"),
        (C.ACTIVE, contracts.activate_contract, "active; you cannot resume it"),
        (C.ACTIVE, contracts.complete_contract, "It can become: Delivered, Disputed or Cancelled"),
        (
            C.DELIVERED,
            contracts.cancel_contract,
            "delivered; you cannot cancel it. It can become: Completed or Disputed",
        ),
        (C.COMPLETED, contracts.deliver_contract, r"It can become: nothing \(it is final\)"),
        (C.CANCELLED, contracts.activate_contract, "cancelled; you cannot resume it"),
        (C.ACTIVE, contracts.resume_contract, "only a disputed contract can resume"),
    ],
)
def test_moves_outside_the_allowed_transitions_are_refused(in_tenant_a, status, step, message):
    contract = ContractFactory(status=status)
    with pytest.raises(TransitionNotAllowed, match=message):
        step(contract_id=contract.pk)
    contract.refresh_from_db()
    assert contract.status == status


def test_activation_needs_an_amount_and_an_active_provider(in_tenant_a):
    free = ContractFactory(amount=Decimal("0"))
    with pytest.raises(MarketplaceError) as caught:
        contracts.activate_contract(contract_id=free.pk)
    assert "amount" in caught.value.message_dict
    gone = ContractFactory(provider=ServiceProviderFactory(is_active=False))
    with pytest.raises(MarketplaceError, match="inactive"):
        contracts.activate_contract(contract_id=gone.pk)


def test_disputes_need_a_reason_and_can_resume_complete_or_cancel(in_tenant_a, user_a):
    contract = ContractFactory(status=C.ACTIVE)
    with pytest.raises(MarketplaceError) as caught:
        contracts.dispute_contract(contract_id=contract.pk, reason=" ")
    assert "reason" in caught.value.message_dict
    contract = contracts.dispute_contract(contract_id=contract.pk, reason="Late delivery", by=user_a)
    assert (contract.status, contract.dispute_reason) == (C.DISPUTED, "Late delivery")
    assert contracts.resume_contract(contract_id=contract.pk).status == C.ACTIVE
    contracts.dispute_contract(contract_id=contract.pk, reason="Still late")
    with pytest.raises(MarketplaceError) as caught:
        contracts.cancel_contract(contract_id=contract.pk, reason="")
    assert "reason" in caught.value.message_dict
    contract = contracts.cancel_contract(contract_id=contract.pk, reason="Refund agreed")
    assert (contract.status, contract.cancellation_reason) == (C.CANCELLED, "Refund agreed")
    settled = ContractFactory(status=C.DISPUTED)
    assert contracts.complete_contract(contract_id=settled.pk).status == C.COMPLETED


def test_a_draft_is_cancelled_without_a_reason(in_tenant_a):
    assert contracts.cancel_contract(contract_id=ContractFactory().pk).status == C.CANCELLED


# --- reviews ------------------------------------------------------------------------------------
def test_a_review_only_after_completion_and_only_once(in_tenant_a, user_a):
    contract = ContractFactory(status=C.DELIVERED)
    with pytest.raises(
        TransitionNotAllowed, match="delivered; a review is left once the contract is completed"
    ):
        reviews.leave_review(contract_id=contract.pk, rating=5)
    contract = completed()
    review = reviews.leave_review(contract_id=contract.pk, rating="4", comment=" Good ", by=user_a)
    assert (review.rating, review.comment, review.is_published, review.recorded_by) == (
        4,
        "Good",
        True,
        user_a,
    )
    with pytest.raises(MarketplaceError, match="already has a review"):
        reviews.leave_review(contract_id=contract.pk, rating=5)
    with pytest.raises(IntegrityError), transaction.atomic():
        Review.objects.create(contract=contract, rating=3)


@pytest.mark.parametrize("rating", [0, 6, "five", None, True, "4.5"])
def test_a_rating_is_one_to_five_stars(in_tenant_a, rating):
    contract = completed()
    with pytest.raises(MarketplaceError) as caught:
        reviews.leave_review(contract_id=contract.pk, rating=rating)
    assert "rating" in caught.value.message_dict
    assert not Review.objects.exists()


def test_the_providers_figures_follow_reviews_and_completions(in_tenant_a):
    provider = ServiceProviderFactory()
    first, second, third = completed(provider), completed(provider), completed(provider)
    reviews.leave_review(contract_id=first.pk, rating=5)
    reviews.leave_review(contract_id=second.pk, rating=4)
    hidden = reviews.leave_review(contract_id=third.pk, rating=1, publish=False)
    provider.refresh_from_db()
    assert (provider.rating_average, provider.review_count, provider.completed_contracts_count) == (
        Decimal("4.50"),
        2,
        3,
    )
    reviews.publish_review(review_id=hidden.pk)
    provider.refresh_from_db()
    assert (provider.rating_average, provider.review_count) == (Decimal("3.33"), 3)
    with pytest.raises(TransitionNotAllowed, match="already published"):
        reviews.publish_review(review_id=hidden.pk)
    reviews.unpublish_review(review_id=hidden.pk)
    with pytest.raises(TransitionNotAllowed, match="already not published"):
        reviews.unpublish_review(review_id=hidden.pk)
    provider.refresh_from_db()
    assert (provider.rating_average, provider.review_count) == (Decimal("4.50"), 2)


def test_a_review_counts_for_its_own_tenants_provider_only(tenant_a, tenant_b):
    with tenant_context(tenant_b):
        foreign = ReviewFactory()
    with tenant_context(tenant_a), pytest.raises(Review.DoesNotExist):
        reviews.unpublish_review(review_id=foreign.pk)
