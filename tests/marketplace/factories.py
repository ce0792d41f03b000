"""Factories of the marketplace models. Like every tenant-owned factory, they need an active tenant
(tenant_context)."""

import datetime
from decimal import Decimal

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from marketplace.models import (
    Booking,
    Contract,
    ContractStatus,
    Review,
    Service,
    ServiceCategory,
    ServiceProvider,
)


class ServiceCategoryFactory(DjangoModelFactory):
    class Meta:
        model = ServiceCategory

    name = factory.Sequence(lambda n: f"Category {n}")


class ServiceProviderFactory(DjangoModelFactory):
    class Meta:
        model = ServiceProvider

    display_name = factory.Sequence(lambda n: f"Provider {n}")
    skills = "Python, Django"
    hourly_rate = Decimal("80.00")
    city = "Berlin"
    country = "DE"


class ServiceFactory(DjangoModelFactory):
    class Meta:
        model = Service

    provider = factory.SubFactory(ServiceProviderFactory)
    category = factory.SubFactory(ServiceCategoryFactory)
    title = factory.Sequence(lambda n: f"Consulting session {n}")
    price = Decimal("120.00")
    duration_minutes = 60


def _tomorrow_at(hour: int) -> datetime.datetime:
    day = timezone.localdate() + datetime.timedelta(days=1)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


class BookingFactory(DjangoModelFactory):
    class Meta:
        model = Booking

    service = factory.SubFactory(ServiceFactory)
    client_name = factory.Faker("name")
    client_email = factory.Sequence(lambda n: f"client{n}@mail.example")
    start_at = factory.LazyFunction(lambda: _tomorrow_at(10))
    end_at = factory.LazyAttribute(lambda o: o.start_at + datetime.timedelta(hours=1))


class ContractFactory(DjangoModelFactory):
    class Meta:
        model = Contract

    provider = factory.SubFactory(ServiceProviderFactory)
    client_name = factory.Faker("name")
    client_email = factory.Sequence(lambda n: f"buyer{n}@mail.example")
    client_company = "Acme GmbH"
    title = factory.Sequence(lambda n: f"Website rebuild {n}")
    amount = Decimal("4800.00")
    status = ContractStatus.DRAFT


class ReviewFactory(DjangoModelFactory):
    class Meta:
        model = Review

    contract = factory.SubFactory(ContractFactory, status=ContractStatus.COMPLETED)
    rating = 5
    comment = "Great work."
    is_published = True
