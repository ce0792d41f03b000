"""Factories of the recruiting models. Like every tenant-owned factory, they need an active tenant
(tenant_context)."""

import datetime
from decimal import Decimal

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from recruiting.models import (
    Application,
    BackgroundCheck,
    BackgroundCheckDocument,
    Candidate,
    Interview,
    InterviewType,
    JobPosting,
    JobStatus,
    Offer,
)


class JobPostingFactory(DjangoModelFactory):
    class Meta:
        model = JobPosting

    title = factory.Sequence(lambda n: f"Software Engineer {n}")
    status = JobStatus.PUBLISHED
    openings = 1
    location = "Berlin"


class CandidateFactory(DjangoModelFactory):
    class Meta:
        model = Candidate

    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.Sequence(lambda n: f"candidate{n}@mail.example")
    phone = factory.Sequence(lambda n: f"+49 30 {1000000 + n}")


class ApplicationFactory(DjangoModelFactory):
    class Meta:
        model = Application

    candidate = factory.SubFactory(CandidateFactory)
    job = factory.SubFactory(JobPostingFactory)


class InterviewFactory(DjangoModelFactory):
    class Meta:
        model = Interview

    application = factory.SubFactory(ApplicationFactory)
    interview_type = InterviewType.PHONE
    scheduled_start = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=1))
    scheduled_end = factory.LazyAttribute(lambda o: o.scheduled_start + datetime.timedelta(hours=1))


class OfferFactory(DjangoModelFactory):
    class Meta:
        model = Offer

    application = factory.SubFactory(ApplicationFactory)
    salary = Decimal("65000.00")
    currency = "EUR"
    start_date = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=30))


class BackgroundCheckFactory(DjangoModelFactory):
    class Meta:
        model = BackgroundCheck

    application = factory.SubFactory(ApplicationFactory)
    provider = "Checkr"
    package = "Standard"


class BackgroundCheckDocumentFactory(DjangoModelFactory):
    class Meta:
        model = BackgroundCheckDocument

    background_check = factory.SubFactory(BackgroundCheckFactory)
    document_type = "Passport"
