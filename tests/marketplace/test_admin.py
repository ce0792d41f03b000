"""The marketplace admins: constant-query changelists, the provider filters and search, forms
that write through the services, and forged form posts with another tenant's ids."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from marketplace.models import Booking, BookingStatus, Contract, ContractStatus, Service, ServiceProvider
from people.tenancy import tenant_context
from tests.marketplace.conftest import in_tenant, refreshed
from tests.marketplace.factories import (
    BookingFactory,
    ContractFactory,
    ReviewFactory,
    ServiceCategoryFactory,
    ServiceFactory,
    ServiceProviderFactory,
)

pytestmark = pytest.mark.django_db

ADMIN = "/admin/marketplace"
DAY = (timezone.localdate() + datetime.timedelta(days=3)).isoformat()


def listed(response):
    return {obj.pk for obj in response.context["cl"].result_list}


def a_full_marketplace(n):
    for _ in range(n):
        provider = ServiceProviderFactory()
        service = ServiceFactory(
            provider=provider, category=ServiceCategoryFactory(parent=ServiceCategoryFactory())
        )
        BookingFactory(service=service)
        ReviewFactory(contract=ContractFactory(provider=provider, status=ContractStatus.COMPLETED))


@pytest.mark.parametrize("rows", [2, 20])
@pytest.mark.parametrize(
    "model", ["serviceprovider", "service", "servicecategory", "booking", "contract", "review"]
)
def test_changelists_run_a_constant_number_of_queries(
    ops_client, tenant_a, rows, model, django_assert_max_num_queries
):
    in_tenant(tenant_a, a_full_marketplace, rows)
    with django_assert_max_num_queries(16):
        assert ops_client.get(f"{ADMIN}/{model}/").status_code == 200


def test_provider_filters_for_verification_availability_and_rating(ops_client, tenant_a):
    with tenant_context(tenant_a):
        top = ServiceProviderFactory(
            is_verified=True, verified_at=timezone.now(), rating_average=Decimal("4.80")
        )
        good = ServiceProviderFactory(rating_average=Decimal("4.10"), accepting_projects=False)
        poor = ServiceProviderFactory(rating_average=Decimal("2.50"), marketplace_enabled=True)
        new = ServiceProviderFactory(is_active=False)
    url = f"{ADMIN}/serviceprovider/"
    assert listed(ops_client.get(url, {"verified": "yes"})) == {top.pk}
    assert listed(ops_client.get(url, {"verified": "no"})) == {good.pk, poor.pk, new.pk}
    assert listed(ops_client.get(url, {"rating": "4.5"})) == {top.pk}
    assert listed(ops_client.get(url, {"rating": "4"})) == {top.pk, good.pk}
    assert listed(ops_client.get(url, {"rating": "below-3"})) == {poor.pk}
    assert listed(ops_client.get(url, {"rating": "none"})) == {new.pk}
    assert listed(ops_client.get(url, {"availability": "available"})) == {top.pk, poor.pk}
    assert listed(ops_client.get(url, {"availability": "busy"})) == {good.pk}
    assert listed(ops_client.get(url, {"availability": "listed"})) == {poor.pk}
    assert listed(ops_client.get(url, {"availability": "inactive"})) == {new.pk}


def test_provider_search_by_name_skill_and_city(ops_client, tenant_a):
    with tenant_context(tenant_a):
        ada = ServiceProviderFactory(display_name="Ada Studio", skills="Rust, Embedded", city="Munich")
        bob = ServiceProviderFactory(
            display_name="Bob Builds", skills="Carpentry", city="Hamburg", legal_name=""
        )
    url = f"{ADMIN}/serviceprovider/"
    assert listed(ops_client.get(url, {"q": "studio"})) == {ada.pk}
    assert listed(ops_client.get(url, {"q": "carpentry"})) == {bob.pk}
    assert listed(ops_client.get(url, {"q": "munich"})) == {ada.pk}


def test_provider_page_shows_services_and_contracts_inline(ops_client, tenant_a):
    with tenant_context(tenant_a):
        provider = ServiceProviderFactory()
        ServiceFactory(provider=provider, title="Logo design")
        ContractFactory(provider=provider, title="Brand refresh")
    page = ops_client.get(f"{ADMIN}/serviceprovider/{provider.pk}/change/").content.decode()
    assert "Logo design" in page and "Brand refresh" in page


def test_the_provider_form_keeps_the_workflow_fields_read_only(ops_client, tenant_a):
    provider = in_tenant(tenant_a, ServiceProviderFactory, display_name="Cleo Code")
    response = ops_client.post(
        f"{ADMIN}/serviceprovider/{provider.pk}/change/",
        {
            "display_name": "Cleo Code",
            "kind": "individual",
            "currency": "EUR",
            "is_active": "on",
            "is_verified": "on",
            "marketplace_enabled": "on",
            "review_count": "99",
            "services-TOTAL_FORMS": "0",
            "services-INITIAL_FORMS": "0",
            "contracts-TOTAL_FORMS": "0",
            "contracts-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    provider = refreshed(tenant_a, provider)
    assert (provider.is_verified, provider.marketplace_enabled, provider.review_count) == (False, False, 0)
    assert provider.accepting_projects is False  # the unticked box


def test_a_forged_category_of_another_tenant_is_refused_on_the_service_form(ops_client, tenant_a, tenant_b):
    with tenant_context(tenant_b):
        foreign = ServiceCategoryFactory()
    provider = in_tenant(tenant_a, ServiceProviderFactory)
    response = ops_client.post(
        f"{ADMIN}/service/add/",
        {
            "provider": provider.pk,
            "category": foreign.pk,
            "title": "Audit",
            "price": "100",
            "duration_minutes": "60",
        },
    )
    assert response.status_code == 200
    assert "Select a valid choice" in str(response.context["adminform"].form.errors["category"])
    with tenant_context(tenant_a):
        assert not Service.objects.exists()


def test_the_booking_form_writes_through_the_service_and_refuses_a_forged_service(
    ops_client, tenant_a, tenant_b
):
    with tenant_context(tenant_b):
        foreign = ServiceFactory()
    service = in_tenant(tenant_a, ServiceFactory, duration_minutes=45)
    data = {
        "client_name": "Grace",
        "client_email": "grace@mail.example",
        "start_at_0": DAY,
        "start_at_1": "10:00",
    }
    response = ops_client.post(f"{ADMIN}/booking/add/", {**data, "service": foreign.pk})
    assert "Select a valid choice" in str(response.context["adminform"].form.errors["service"])
    response = ops_client.post(f"{ADMIN}/booking/add/", {**data, "service": service.pk})
    assert response.status_code == 302
    with tenant_context(tenant_a):
        booking = Booking.objects.get()
        assert (booking.status, booking.provider_id) == (BookingStatus.REQUESTED, service.provider_id)
        assert booking.end_at - booking.start_at == datetime.timedelta(minutes=45)
    with tenant_context(tenant_b):
        assert not Booking.objects.exists()


def test_the_booking_form_shows_the_services_refusal(ops_client, tenant_a):
    service = in_tenant(tenant_a, ServiceFactory, is_active=False)
    response = ops_client.post(
        f"{ADMIN}/booking/add/",
        {
            "service": service.pk,
            "client_name": "Grace",
            "client_email": "g@mail.example",
            "start_at_0": DAY,
            "start_at_1": "10:00",
        },
    )
    assert response.status_code == 200 and "no longer offered" in response.content.decode()
    with tenant_context(tenant_a):
        assert not Booking.objects.exists()


def test_the_contract_form_writes_a_draft_and_refuses_a_forged_provider(ops_client, tenant_a, tenant_b):
    with tenant_context(tenant_b):
        foreign = ServiceProviderFactory()
    provider = in_tenant(tenant_a, ServiceProviderFactory)
    data = {
        "title": "Shop",
        "client_name": "Ann",
        "client_email": "ann@mail.example",
        "amount": "900",
        "currency": "",
    }
    response = ops_client.post(f"{ADMIN}/contract/add/", {**data, "provider": foreign.pk})
    assert "Select a valid choice" in str(response.context["adminform"].form.errors["provider"])
    response = ops_client.post(f"{ADMIN}/contract/add/", {**data, "provider": provider.pk, "amount": "0"})
    assert "more than zero" in str(response.context["adminform"].form.errors["amount"])
    assert ops_client.post(f"{ADMIN}/contract/add/", {**data, "provider": provider.pk}).status_code == 302
    with tenant_context(tenant_a):
        contract = Contract.objects.get()
        assert (contract.status, contract.amount, contract.currency) == (
            ContractStatus.DRAFT,
            Decimal("900"),
            "EUR",
        )


def test_a_contract_is_edited_by_hand_only_while_a_draft(ops_client, tenant_a):
    with tenant_context(tenant_a):
        active = ContractFactory(status=ContractStatus.ACTIVE, title="Fixed")
    response = ops_client.post(f"{ADMIN}/contract/{active.pk}/change/", {"title": "Changed"})
    assert response.status_code == 403
    assert refreshed(tenant_a, active).title == "Fixed"


def test_services_cannot_move_to_another_provider(ops_client, tenant_a):
    with tenant_context(tenant_a):
        service = ServiceFactory()
        other = ServiceProviderFactory()
    ops_client.post(
        f"{ADMIN}/service/{service.pk}/change/",
        {
            "provider": other.pk,
            "category": service.category_id,
            "title": service.title,
            "price": "10",
            "duration_minutes": "60",
            "currency": "EUR",
            "is_active": "on",
        },
    )
    assert refreshed(tenant_a, service).provider_id != other.pk


def test_a_viewer_sees_but_cannot_change_providers(viewer_client, tenant_a):
    provider = in_tenant(tenant_a, ServiceProviderFactory)
    assert viewer_client.get(f"{ADMIN}/serviceprovider/").status_code == 200
    assert viewer_client.get(f"{ADMIN}/serviceprovider/add/").status_code == 403
    with tenant_context(tenant_a):
        assert ServiceProvider.objects.count() == 1 and provider.pk
