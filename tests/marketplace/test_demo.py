"""The marketplace demo data added by `bootstrap_demo_tenant`: the variety the issue names, once."""

from io import StringIO

import pytest
from django.core.management import call_command

from marketplace import selectors
from marketplace.models import (
    Booking,
    BookingStatus,
    Contract,
    ContractStatus,
    Review,
    Service,
    ServiceCategory,
    ServiceProvider,
)
from people.models import Tenant
from people.tenancy import tenant_context

pytestmark = pytest.mark.django_db


def bootstrap() -> str:
    out = StringIO()
    call_command("bootstrap_demo_tenant", "--password", "demo-pass-2026", stdout=out)
    return out.getvalue()


def counts() -> dict:
    return {
        "categories": ServiceCategory.objects.count(),
        "providers": ServiceProvider.objects.count(),
        "services": Service.objects.count(),
        "bookings": Booking.objects.count(),
        "contracts": Contract.objects.count(),
        "reviews": Review.objects.count(),
        "history": ServiceProvider.history.count() + Booking.history.count() + Contract.history.count(),
    }


def test_bootstrap_adds_the_marketplace_demo_data_once():
    out = bootstrap()
    assert "marketplace: 11 categories, 12 providers" in out and "demo data added: marketplace" in out
    tenant = Tenant.objects.get(slug="demo")
    with tenant_context(tenant):
        first = counts()
        assert (first["providers"], first["services"], first["bookings"], first["contracts"]) == (
            12,
            19,
            18,
            10,
        )
        assert ServiceCategory.objects.filter(parent__isnull=False).count() == 7
        providers = ServiceProvider.objects.all()
        assert providers.filter(is_verified=True).count() == 5
        assert providers.filter(latitude__isnull=True).count() == 3
        assert providers.filter(legal_name="").count() == 6
        assert providers.filter(marketplace_enabled=False).count() == 3
        assert providers.filter(is_active=False, marketplace_enabled=False).count() == 1
        assert providers.filter(accepting_projects=False).count() == 1
        assert set(Booking.objects.values_list("status", flat=True)) == set(BookingStatus.values)
        assert set(Contract.objects.values_list("status", flat=True)) == set(ContractStatus.values)
        assert Review.objects.count() == 5 and Review.objects.filter(is_published=False).count() == 1
        verifier = providers.filter(is_verified=True).first().verified_by
        assert verifier.email == "ops@demo.localhost"
        # The figures the services kept are what a full recomputation finds.
        stored = {p.pk: (p.rating_average, p.review_count, p.completed_contracts_count) for p in providers}
        recomputed = selectors.provider_stats()
        assert stored == {pk: tuple(recomputed.get(pk, selectors.NO_STATS)) for pk in stored}

    second = bootstrap()
    assert "nothing changed" in second and "marketplace:" not in second
    with tenant_context(tenant):
        assert counts() == first
