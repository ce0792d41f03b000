"""Isolation factories of the marketplace admins (see tests/isolation.py)."""

from marketplace.models import (
    Booking,
    Contract,
    ContractStatus,
    Review,
    Service,
    ServiceCategory,
    ServiceProvider,
)
from tests.isolation import isolation_factory
from tests.marketplace.factories import (
    BookingFactory,
    ContractFactory,
    ReviewFactory,
    ServiceCategoryFactory,
    ServiceFactory,
    ServiceProviderFactory,
)


@isolation_factory(ServiceCategory, search_term=lambda category: category.name)
def category_for_isolation():
    return ServiceCategoryFactory(parent=ServiceCategoryFactory())


@isolation_factory(ServiceProvider, search_term=lambda provider: provider.display_name)
def provider_for_isolation():
    provider = ServiceProviderFactory()
    ServiceFactory(provider=provider)
    ContractFactory(provider=provider)
    return provider


@isolation_factory(Service, search_term=lambda service: service.title)
def service_for_isolation():
    return ServiceFactory()


@isolation_factory(Booking, search_term=lambda booking: booking.client_email)
def booking_for_isolation():
    return BookingFactory()


@isolation_factory(Contract, search_term=lambda contract: contract.title)
def contract_for_isolation():
    contract = ContractFactory(status=ContractStatus.COMPLETED)
    ReviewFactory(contract=contract)
    return contract


@isolation_factory(Review, search_term=lambda review: review.contract.title)
def review_for_isolation():
    return ReviewFactory()
