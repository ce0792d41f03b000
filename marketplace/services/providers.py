"""Providers: verify / unverify, list on the marketplace / take off it.

Verification records when and by whom; taking it back needs a reason (kept in the provider's
history). Only an active provider with at least one active service can be listed on the
marketplace (a listing must have something to book).
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from marketplace.models import ServiceProvider
from marketplace.services.common import local_time
from marketplace.services.errors import MarketplaceError, TransitionNotAllowed
from marketplace.services.stats import locked_provider
from people.models import User


def _person(user: User | None) -> str:
    return (user.get_full_name() or user.email) if user is not None else "the system"


def _save(
    provider: ServiceProvider, fields: list[str], *, by: User | None, reason: str = ""
) -> ServiceProvider:
    provider._history_user = by  # simple-history records the acting user (None: the system)
    if reason:
        provider._change_reason = reason[:100]
    provider.save(update_fields=[*fields, "updated_at"])
    return provider


@transaction.atomic
def verify_provider(*, provider_id: int, by: User | None) -> ServiceProvider:
    """Mark the provider's identity and credentials as checked, now, by `by`."""
    provider = locked_provider(provider_id)
    if provider.is_verified:
        who = _person(provider.verified_by) if provider.verified_by_id else "someone"
        raise TransitionNotAllowed(
            f"{provider} is already verified (on {local_time(provider.verified_at)} by {who}). "
            "Unverify it first if the verification must be redone."
        )
    if not provider.is_active:
        raise MarketplaceError(f"{provider} is inactive; reactivate it before verifying it.")
    provider.is_verified, provider.verified_at, provider.verified_by = True, timezone.now(), by
    return _save(provider, ["is_verified", "verified_at", "verified_by"], by=by, reason="Verified")


@transaction.atomic
def unverify_provider(*, provider_id: int, reason: str, by: User | None) -> ServiceProvider:
    """Take the verification back (documents expired, a complaint...); the reason is kept."""
    if not (reason or "").strip():
        raise MarketplaceError({"reason": "Say why the verification is taken back; the reason is kept."})
    provider = locked_provider(provider_id)
    if not provider.is_verified:
        raise TransitionNotAllowed(f"{provider} is not verified; there is nothing to take back.")
    provider.is_verified, provider.verified_at, provider.verified_by = False, None, None
    return _save(
        provider, ["is_verified", "verified_at", "verified_by"], by=by, reason=f"Unverified: {reason.strip()}"
    )


@transaction.atomic
def enable_on_marketplace(*, provider_id: int, by: User | None) -> ServiceProvider:
    """List the provider in the marketplace catalogue."""
    provider = locked_provider(provider_id)
    if provider.marketplace_enabled:
        raise TransitionNotAllowed(f"{provider} is already on the marketplace.")
    if not provider.is_active:
        raise MarketplaceError(f"{provider} is inactive; reactivate it before listing it on the marketplace.")
    if not provider.services.filter(is_active=True).exists():
        raise MarketplaceError(
            f"{provider} has no active service, so a listing would offer nothing to book; "
            "add or activate a service first."
        )
    provider.marketplace_enabled = True
    return _save(provider, ["marketplace_enabled"], by=by, reason="Listed on the marketplace")


@transaction.atomic
def disable_on_marketplace(*, provider_id: int, by: User | None, reason: str = "") -> ServiceProvider:
    """Take the provider off the marketplace catalogue (its bookings and contracts stay)."""
    provider = locked_provider(provider_id)
    if not provider.marketplace_enabled:
        raise TransitionNotAllowed(f"{provider} is not on the marketplace.")
    provider.marketplace_enabled = False
    note = (
        f"Taken off the marketplace: {reason.strip()}"
        if (reason or "").strip()
        else "Taken off the marketplace"
    )
    return _save(provider, ["marketplace_enabled"], by=by, reason=note)
