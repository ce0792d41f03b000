"""Provider workflows: verify / unverify and marketplace listing, allowed and refused paths."""

import pytest

from marketplace.services import providers
from marketplace.services.errors import MarketplaceError, TransitionNotAllowed
from people.tenancy import tenant_context
from tests.marketplace.factories import ServiceFactory, ServiceProviderFactory

pytestmark = pytest.mark.django_db


def test_verify_records_when_and_by_whom_and_twice_is_refused(tenant_a, user_a):
    with tenant_context(tenant_a):
        provider = ServiceProviderFactory()
        verified = providers.verify_provider(provider_id=provider.pk, by=user_a)
        assert verified.is_verified and verified.verified_at and verified.verified_by == user_a
        assert verified.history.first().history_user == user_a
        with pytest.raises(TransitionNotAllowed, match="already verified .* by Alice Anders"):
            providers.verify_provider(provider_id=provider.pk, by=user_a)


def test_an_inactive_provider_cannot_be_verified(in_tenant_a, user_a):
    provider = ServiceProviderFactory(is_active=False)
    with pytest.raises(MarketplaceError, match="reactivate"):
        providers.verify_provider(provider_id=provider.pk, by=user_a)
    provider.refresh_from_db()
    assert not provider.is_verified


def test_unverify_needs_a_reason_and_a_verified_provider(in_tenant_a, user_a):
    provider = ServiceProviderFactory()
    with pytest.raises(TransitionNotAllowed, match="not verified"):
        providers.unverify_provider(provider_id=provider.pk, reason="Expired", by=user_a)
    providers.verify_provider(provider_id=provider.pk, by=user_a)
    with pytest.raises(MarketplaceError) as caught:
        providers.unverify_provider(provider_id=provider.pk, reason="  ", by=user_a)
    assert "reason" in caught.value.message_dict
    provider = providers.unverify_provider(provider_id=provider.pk, reason="Licence expired", by=user_a)
    assert (provider.is_verified, provider.verified_at, provider.verified_by) == (False, None, None)
    assert provider.history.first().history_change_reason == "Unverified: Licence expired"


def test_listing_needs_an_active_provider_with_an_active_service(in_tenant_a, user_a):
    provider = ServiceProviderFactory()
    with pytest.raises(MarketplaceError, match="no active service"):
        providers.enable_on_marketplace(provider_id=provider.pk, by=user_a)
    ServiceFactory(provider=provider, is_active=False)
    with pytest.raises(MarketplaceError, match="no active service"):
        providers.enable_on_marketplace(provider_id=provider.pk, by=user_a)
    ServiceFactory(provider=provider)
    assert providers.enable_on_marketplace(provider_id=provider.pk, by=user_a).marketplace_enabled
    with pytest.raises(TransitionNotAllowed, match="already on the marketplace"):
        providers.enable_on_marketplace(provider_id=provider.pk, by=user_a)
    inactive = ServiceProviderFactory(is_active=False)
    ServiceFactory(provider=inactive)
    with pytest.raises(MarketplaceError, match="inactive"):
        providers.enable_on_marketplace(provider_id=inactive.pk, by=user_a)


def test_disable_takes_a_listed_provider_off_and_refuses_an_unlisted_one(in_tenant_a, user_a):
    listed = ServiceProviderFactory(marketplace_enabled=True)
    provider = providers.disable_on_marketplace(provider_id=listed.pk, by=user_a, reason="On holiday")
    assert not provider.marketplace_enabled
    assert provider.history.first().history_change_reason == "Taken off the marketplace: On holiday"
    with pytest.raises(TransitionNotAllowed, match="not on the marketplace"):
        providers.disable_on_marketplace(provider_id=listed.pk, by=user_a)


def test_another_tenants_provider_is_not_found(tenant_a, tenant_b, user_a):
    with tenant_context(tenant_b):
        foreign = ServiceProviderFactory()
    with tenant_context(tenant_a), pytest.raises(foreign.DoesNotExist):
        providers.verify_provider(provider_id=foreign.pk, by=user_a)
