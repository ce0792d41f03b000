"""`manage.py repair_provider_stats`: recomputes drifted figures, reports progress and a summary,
touches only what differs, and a second run fixes nothing."""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from marketplace.models import ContractStatus, ServiceProvider
from people.tenancy import tenant_context
from tests.marketplace.factories import ContractFactory, ReviewFactory, ServiceProviderFactory

pytestmark = pytest.mark.django_db


def repair(*args) -> str:
    out = StringIO()
    call_command("repair_provider_stats", *args, stdout=out)
    return out.getvalue()


def figures(tenant, provider):
    with tenant_context(tenant):
        provider.refresh_from_db()
    return provider.rating_average, provider.review_count, provider.completed_contracts_count


def test_repair_recomputes_drifted_figures_in_every_tenant(tenant_a, tenant_b):
    with tenant_context(tenant_a):
        drifted = ServiceProviderFactory(display_name="Drifted")
        ReviewFactory(contract=ContractFactory(provider=drifted, status=ContractStatus.COMPLETED), rating=4)
        ReviewFactory(contract=ContractFactory(provider=drifted, status=ContractStatus.COMPLETED), rating=5)
        ReviewFactory(
            contract=ContractFactory(provider=drifted, status=ContractStatus.COMPLETED), is_published=False
        )
        ContractFactory(provider=drifted, status=ContractStatus.ACTIVE)
        fine = ServiceProviderFactory(display_name="Fine")
        # Made up figures on a provider with no reviews or completed contracts at all.
        ServiceProvider.objects.filter(pk=fine.pk).update(rating_average=Decimal("5"), review_count=7)
        fine_history = fine.history.count()
    with tenant_context(tenant_b):
        other = ServiceProviderFactory()
        ReviewFactory(contract=ContractFactory(provider=other, status=ContractStatus.COMPLETED), rating=2)

    dry = repair("--dry-run")
    assert "would fix 3" in dry and figures(tenant_a, drifted) == (None, 0, 0)

    out = repair()
    assert "Tenant A (tenant-a): 2 providers" in out and "2/2 checked" in out
    assert "Drifted: rating None → 4.50, reviews 0 → 2, completed contracts 0 → 3" in out
    assert "Checked 3 providers in 2 tenants; fixed 3." in out
    assert figures(tenant_a, drifted) == (Decimal("4.50"), 2, 3)
    assert figures(tenant_a, fine) == (None, 0, 0)
    assert figures(tenant_b, other) == (Decimal("2.00"), 1, 1)
    with tenant_context(tenant_a):
        assert fine.history.count() == fine_history + 1
        assert fine.history.first().history_change_reason == "repair_provider_stats"

    again = repair()
    assert "fixed 0." in again


def test_repair_one_tenant_by_slug(tenant_a, tenant_b):
    assert "in 1 tenants" in repair("--tenant", "tenant-b")
    with pytest.raises(CommandError, match="No tenant with slug 'nope'"):
        repair("--tenant", "nope")
