"""Search over the catalogs (what the public pages will call): full-text with a GIN index on
PostgreSQL, icontains on SQLite; the same answers on both."""

import pytest
from django.db import connection

from catalog.models import PublicJobCatalog, PublicProviderCatalog
from catalog.selectors import filter_term, search, with_category
from people.tenancy import tenant_context
from tests.catalog.factories import ListedJobFactory, ListedProviderFactory
from tests.marketplace.factories import ServiceCategoryFactory, ServiceFactory

pytestmark = pytest.mark.django_db
ON_POSTGRESQL = connection.vendor == "postgresql"


@pytest.fixture
def jobs(tenant_a, tenant_b):
    with tenant_context(tenant_a):
        python = ListedJobFactory(
            title="Backend Developer", skills=["Python", "PostgreSQL"], description="APIs."
        )
        design = ListedJobFactory(title="Product Designer", skills=["Figma"], category="Design",
                                  description="Design systems for <b>mobile</b> apps.")  # fmt: skip
    with tenant_context(tenant_b):
        sales = ListedJobFactory(title="Account Executive", skills=[], category="Sales", location="Hamburg")
    return {"python": python.pk, "design": design.pk, "sales": sales.pk}


def found(text) -> set[int]:
    return set(search(PublicJobCatalog.objects.all(), text).values_list("source_job_id", flat=True))


def test_search_matches_title_skills_description_company_and_place(jobs):
    assert found("developer") == {jobs["python"]}
    assert found("postgresql") == {jobs["python"]}
    assert found("mobile") == {jobs["design"]}
    assert found("tenant") == set(jobs.values())  # the company name
    assert found("hamburg") == {jobs["sales"]}
    assert found("designer figma") == {jobs["design"]}  # every word must match
    assert found("  ") == set(jobs.values())
    assert found("nothing-like-this") == set()


def test_providers_by_category_and_search(tenant_a):
    with tenant_context(tenant_a):
        designer = ListedProviderFactory(display_name="Pixel Studio", skills="Figma, Branding")
        ServiceFactory(provider=designer, category=ServiceCategoryFactory(name="Design"))
        ListedProviderFactory(display_name="Pipe Fixers", skills="Plumbing")
    providers = PublicProviderCatalog.objects.all()
    assert list(with_category(providers, "Design").values_list("display_name", flat=True)) == ["Pixel Studio"]
    assert list(search(providers, "branding").values_list("display_name", flat=True)) == ["Pixel Studio"]
    assert not with_category(providers, "Sales").exists()


@pytest.mark.skipif(not ON_POSTGRESQL, reason="GIN indexes exist on PostgreSQL only")
def test_search_and_category_filter_use_the_gin_indexes(jobs):
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a tiny table: make the planner show its options
    unordered = PublicJobCatalog.objects.order_by()  # else the newest-first index may serve the order
    job_plan = search(unordered, "developer").explain()
    provider_plan = with_category(PublicProviderCatalog.objects.all(), "Design").explain()
    assert "catalog_job_document" in job_plan, job_plan
    assert "catalog_provider_categories" in provider_plan, provider_plan


@pytest.mark.skipif(not ON_POSTGRESQL, reason="the document's filter terms exist on PostgreSQL only")
def test_job_documents_hold_the_terms_filter_term_makes(tenant_a):
    """Migration 0006's SQL and filter_term() must agree on every filter, whatever the value
    (accents, quotes, spaces), or a search with filters would find nothing."""
    odd = "Ünïcode & 'Quotes' \\ Cat"
    with tenant_context(tenant_a):
        wanted = ListedJobFactory(title="Backend Developer", category=odd, location="Köln am Rhein",
                                  remote_policy="remote", employment_type="part_time")  # fmt: skip
        ListedJobFactory(title="Frontend Developer", category="Engineering", location="Köln am Rhein",
                         remote_policy="remote", employment_type="part_time")  # fmt: skip
    entries = PublicJobCatalog.objects.all()  # no equality filters: the terms alone decide
    every_filter = [
        filter_term("category", odd), filter_term("location", "Köln am Rhein"),
        filter_term("remote_policy", "remote"), filter_term("employment_type", "part_time"),
    ]  # fmt: skip
    assert {e.source_job_id for e in search(entries, "developer", filter_terms=every_filter)} == {wanted.pk}
    assert search(entries, "developer", filter_terms=[filter_term("location", "Köln am Rhein")]).count() == 2
    assert not search(entries, "developer", filter_terms=[filter_term("remote_policy", "on_site")]).exists()
    assert not search(entries, "designer", filter_terms=every_filter).exists()  # the words still count
    assert not search(entries, "!!!", filter_terms=every_filter).exists()  # no words: no match, as without


def test_unrated_providers_come_last(tenant_a):
    from tests.catalog.provider_entries import ProviderEntryFactory

    ProviderEntryFactory(tenant=tenant_a, display_name="Unrated", rating=None, review_count=0)
    ProviderEntryFactory(tenant=tenant_a, display_name="Good", rating="4.20", review_count=3)
    ProviderEntryFactory(tenant=tenant_a, display_name="Best", rating="4.90", review_count=9)
    assert list(PublicProviderCatalog.objects.values_list("display_name", flat=True)) == [
        "Best",
        "Good",
        "Unrated",
    ]


@pytest.mark.skipif(not ON_POSTGRESQL, reason="the NULLS LAST indexes exist on PostgreSQL only")
def test_best_rated_order_reads_its_index(tenant_a):
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
    plan = PublicProviderCatalog.objects.all()[:20].explain()
    assert "catalog_provider_best" in plan, plan
    verified = PublicProviderCatalog.objects.filter(is_verified=True)[:20].explain()
    assert "catalog_provider_verified" in verified, verified
