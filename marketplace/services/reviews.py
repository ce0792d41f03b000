"""Reviews: one per completed contract, rating 1 to 5, published or not.

Only published reviews count towards the provider's rating average and review count; leaving,
publishing and unpublishing a review refresh them (marketplace.services.stats).
"""

from __future__ import annotations

from django.db import IntegrityError, transaction

from marketplace.models import Contract, ContractStatus, Review
from marketplace.services.errors import MarketplaceError, TransitionNotAllowed
from marketplace.services.stats import locked_provider, refresh_provider_stats
from people.models import User

RATINGS = range(1, 6)


def _rating(value) -> int:
    text = "" if isinstance(value, bool) else str(value).strip()
    if not text.isdigit() or int(text) not in RATINGS:
        raise MarketplaceError({"rating": f"Rate from 1 to 5 stars (got {value!r})."})
    return int(text)


@transaction.atomic
def leave_review(
    *, contract_id: int, rating, comment: str = "", publish: bool = True, by: User | None = None
) -> Review:
    """Record the client's review of a completed contract (once per contract)."""
    rating = _rating(rating)
    contract = Contract.objects.select_related("provider").get(pk=contract_id)
    provider = locked_provider(contract.provider_id)  # its rating changes; serialises reviews
    if contract.status != ContractStatus.COMPLETED:
        raise TransitionNotAllowed(
            f"This contract is {contract.get_status_display().lower()}; a review is left once the "
            "contract is completed."
        )
    existing = Review.objects.filter(contract=contract).first()
    already = "This contract already has a review; edit or unpublish that review instead."
    if existing is not None:
        raise MarketplaceError(already)
    review = Review(
        contract=contract,
        rating=rating,
        comment=(comment or "").strip(),
        is_published=publish,
        recorded_by=by,
    )
    review._history_user = by
    try:
        with transaction.atomic():
            review.save()
    except IntegrityError as exc:  # a concurrent review of the same contract won
        raise MarketplaceError(already) from exc
    refresh_provider_stats(provider)
    return review


def _set_published(review_id: int, published: bool, by: User | None) -> Review:
    review = Review.objects.select_related("contract").get(pk=review_id)
    provider = locked_provider(review.contract.provider_id)
    review = Review.objects.select_for_update(of=("self",)).select_related("contract").get(pk=review_id)
    if review.is_published == published:
        state = "published" if published else "not published"
        raise TransitionNotAllowed(f"This review is already {state}.")
    review.is_published = published
    review._history_user = by
    review.save(update_fields=["is_published", "updated_at"])
    refresh_provider_stats(provider)
    return review


@transaction.atomic
def publish_review(*, review_id: int, by: User | None = None) -> Review:
    """Show the review; it counts towards the provider's rating."""
    return _set_published(review_id, True, by)


@transaction.atomic
def unpublish_review(*, review_id: int, by: User | None = None) -> Review:
    """Hide the review (e.g. abusive wording); it no longer counts towards the rating."""
    return _set_published(review_id, False, by)
