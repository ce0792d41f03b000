"""Model rules of the marketplace: tenant-first uniqueness, coordinates, skills, currencies, trees."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from marketplace.models import ServiceCategory, ServiceProvider
from people.tenancy import TenantMismatch, tenant_context
from tests.marketplace.factories import (
    BookingFactory,
    ServiceCategoryFactory,
    ServiceFactory,
    ServiceProviderFactory,
)

pytestmark = pytest.mark.django_db


def test_display_names_and_category_names_are_unique_per_tenant_only(tenant_a, tenant_b):
    with tenant_context(tenant_a):
        ServiceProviderFactory(display_name="Ada Studio")
        ServiceCategoryFactory(name="Design")
        with pytest.raises(IntegrityError), transaction.atomic():
            ServiceProviderFactory(display_name="Ada Studio")
    with tenant_context(tenant_b):
        ServiceProviderFactory(display_name="Ada Studio")  # another company may use the name
        ServiceCategoryFactory(name="Design")
        assert ServiceProvider.objects.count() == ServiceCategory.objects.count() == 1


def test_coordinates_both_or_neither_and_in_range(in_tenant_a):
    provider = ServiceProviderFactory.build(latitude=Decimal("52.52"), longitude=None)
    with pytest.raises(ValidationError) as caught:
        provider.full_clean(exclude=["tenant"])
    assert "longitude" in caught.value.message_dict
    provider = ServiceProviderFactory.build(latitude=Decimal("91"), longitude=Decimal("13.4"))
    with pytest.raises(ValidationError) as caught:
        provider.full_clean(exclude=["tenant"])
    assert "latitude" in caught.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        ServiceProviderFactory(latitude=Decimal("52.52"), longitude=None)
    assert ServiceProviderFactory(latitude=None, longitude=None).has_location is False


def test_skills_are_normalised_and_currency_defaults_to_the_tenants(in_tenant_a):
    provider = ServiceProviderFactory(skills=" python,Django ,  PYTHON,, data  science ", currency="")
    assert provider.skills == "python, Django, data science"
    assert provider.skill_list == ["python", "Django", "data science"]
    assert provider.currency == in_tenant_a.default_currency
    assert ServiceFactory(currency="").currency == in_tenant_a.default_currency


def test_a_provider_without_a_legal_name_is_fine_everywhere(in_tenant_a):
    provider = ServiceProviderFactory(legal_name="")
    assert str(provider) == provider.display_name


def test_category_cycles_are_refused(in_tenant_a):
    top = ServiceCategoryFactory(name="Top")
    middle = ServiceCategoryFactory(name="Middle", parent=top)
    top.parent = middle
    with pytest.raises(ValidationError, match="cycle"):
        top.full_clean()
    top.parent = top
    with pytest.raises(ValidationError, match="own parent"):
        top.full_clean()


def test_an_inactive_provider_cannot_stay_on_the_marketplace(in_tenant_a):
    provider = ServiceProviderFactory(marketplace_enabled=True)
    provider.is_active = False
    with pytest.raises(ValidationError, match="off the marketplace"):
        provider.full_clean()


def test_a_booking_takes_its_provider_from_the_service_and_refuses_a_foreign_service(tenant_a, tenant_b):
    with tenant_context(tenant_b):
        foreign = ServiceFactory()
    with tenant_context(tenant_a):
        booking = BookingFactory()
        assert booking.provider_id == booking.service.provider_id
        with pytest.raises(TenantMismatch):
            BookingFactory(service=foreign)
