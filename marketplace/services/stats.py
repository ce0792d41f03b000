"""The provider's bookkeeping figures: rating average and review count (published reviews) and
completed contracts count.

Services that change them (completing a contract, leaving, publishing or unpublishing a review)
lock the provider row first, make their change, then call `refresh_provider_stats()` in the same
transaction: two such changes for one provider run one after the other, and the second recomputes
from what the first committed. Recomputing (two small aggregates over one provider's rows) rather
than adding and subtracting means a refresh also repairs any earlier drift.
`manage.py repair_provider_stats` recomputes every provider with `marketplace.selectors.provider_stats`.
"""

from __future__ import annotations

from marketplace import selectors
from marketplace.models import ServiceProvider

STAT_FIELDS = ("rating_average", "review_count", "completed_contracts_count")


def locked_provider(provider_id: int) -> ServiceProvider:
    """The provider, locked for the rest of the transaction (callers run in one)."""
    return ServiceProvider.objects.select_for_update().get(pk=provider_id)


def apply_stats(provider: ServiceProvider, stats: selectors.ProviderStats, *, reason: str = "") -> bool:
    """Store `stats` on `provider` if they differ; True when it changed (one history row)."""
    current = selectors.ProviderStats(
        provider.rating_average, provider.review_count, provider.completed_contracts_count
    )
    if current == stats:
        return False
    provider.rating_average, provider.review_count, provider.completed_contracts_count = stats
    if reason:
        provider._change_reason = reason[:100]
    provider.save(update_fields=[*STAT_FIELDS, "updated_at"])
    return True


def refresh_provider_stats(provider: ServiceProvider) -> ServiceProvider:
    """Recompute one provider's figures from its reviews and contracts (two queries) and store them."""
    apply_stats(provider, selectors.provider_stats([provider.pk]).get(provider.pk, selectors.NO_STATS))
    return provider
