"""/browse-freelancers/: the public provider list and profiles, read from the catalog only."""

from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from catalog.pages.freelancers.views import money
from catalog.sync.operations import sync_active_tenant
from people.tenancy import tenant_context
from tests.catalog.conftest import provider_entries
from tests.catalog.factories import ListedProviderFactory
from tests.catalog.provider_entries import ProviderEntryFactory
from tests.marketplace.factories import ContractFactory
from tests.people.factories import UserFactory

pytestmark = pytest.mark.django_db
LIST = "/browse-freelancers/"


def shown(response) -> list[str]:
    assert response.status_code == 200
    return [provider.display_name for provider in response.context["providers"]]


def listed(client, **params) -> list[str]:
    return shown(client.get(LIST, params))


def detail_url(entry, slug=None) -> str:
    return reverse("freelancers:detail", args=[entry.public_id, slug or entry.slug])


# --- The list --------------------------------------------------------------------------------


def test_the_list_url():
    assert reverse("freelancers:list") == LIST


def test_entries_of_every_tenant_are_listed_best_rated_first(client, tenant_a, tenant_b):
    ProviderEntryFactory(tenant=tenant_a, display_name="Ada", rating=Decimal("4.90"))
    ProviderEntryFactory(tenant=tenant_b, display_name="Bea", rating=Decimal("4.20"))
    ProviderEntryFactory(tenant=tenant_b, display_name="Cy", rating=None, review_count=0)
    response = client.get(LIST)
    assert shown(response) == ["Ada", "Bea", "Cy"]  # the unrated last, on both engines
    assert response.context["section"] == "freelancers"
    assert b"3 freelancers" in response.content


def test_a_card_shows_the_public_profile(client, tenant_a):
    entry = ProviderEntryFactory(
        tenant=tenant_a,
        display_name="Grace Hopper",
        bio_excerpt="Compilers and COBOL.",
        skills=["COBOL", "Fortran", "Assembly", "Teaching", "Navy", "Nanoseconds"],
        categories=["Development"],
        city="Arlington",
        country="US",
        hourly_rate=Decimal("120.50"),
        currency="USD",
        rating=Decimal("4.80"),
        review_count=23,
        completed_contracts=7,
        is_verified=True,
        accepting_projects=True,
    )
    html = client.get(LIST).content.decode()
    assert detail_url(entry) in html
    for text in [
        "Grace Hopper", "Compilers and COBOL.", "COBOL", "Teaching", "+1 more", "Arlington, United States",
        "$120.50 / hour", "&#10003; Verified", '<span class="badge ok">Accepting projects</span>', "★ 4.8 (23 reviews)", "7 completed contracts",
        ">GH<",  # initials stand in for the missing picture
    ]:  # fmt: skip
        assert text in html, text
    assert "Nanoseconds" not in html  # a card shows a few skills


def test_a_card_shows_the_avatar_and_the_absence_of_ratings(client, tenant_a):
    ProviderEntryFactory(
        tenant=tenant_a,
        avatar="marketplace/avatars/tenant-1/ada.png",
        rating=None,
        review_count=0,
        completed_contracts=0,
        is_verified=False,
        accepting_projects=False,
    )
    html = client.get(LIST).content.decode()
    assert 'src="/media/marketplace/avatars/tenant-1/ada.png"' in html
    assert "No reviews yet" in html and "Not taking new projects" in html
    assert "&#10003; Verified" not in html and "completed contract" not in html


def test_money_is_formatted_for_people():
    assert money(Decimal("80.00"), "EUR") == "€80"
    assert money(Decimal("1250.50"), "USD") == "$1,250.50"
    assert money(Decimal("80.00"), "") == "80"
    assert money(None, "EUR") == ""


def test_search_matches_every_word(client, tenant_a, tenant_b):
    ProviderEntryFactory(tenant=tenant_a, display_name="Pixel Studio", skills=["Figma", "Branding"])
    ProviderEntryFactory(tenant=tenant_b, display_name="Pipe Fixers", skills=["Plumbing"])
    assert listed(client, q="figma") == ["Pixel Studio"]
    assert listed(client, q="  pixel   branding ") == ["Pixel Studio"]
    assert listed(client, q="figma plumbing") == []
    assert sorted(listed(client, q="")) == ["Pipe Fixers", "Pixel Studio"]


def test_category_filter_matches_whole_category_names(client, tenant_a):
    ProviderEntryFactory(tenant=tenant_a, display_name="Designer", categories=["Branding", "Design"])
    ProviderEntryFactory(tenant=tenant_a, display_name="Web designer", categories=["Web Design"])
    ProviderEntryFactory(tenant=tenant_a, display_name="Developer", categories=["Development"])
    assert listed(client, category="Design") == ["Designer"]
    assert listed(client, category="Web Design") == ["Web designer"]
    assert listed(client, category="Sales") == []


def test_category_suggestions_are_one_cached_query(client, tenant_a, django_assert_num_queries):
    ProviderEntryFactory(tenant=tenant_a, categories=["Design", "Branding"])
    ProviderEntryFactory(tenant=tenant_a, categories=["design", "Development"])
    response = client.get(LIST)
    assert response.context["categories"] == ["Branding", "Design", "Development"]
    assert '<option value="Branding">' in response.content.decode()
    ProviderEntryFactory(tenant=tenant_a, categories=["Sales"])
    with django_assert_num_queries(2):  # the count and the page: the suggestions come from the cache
        assert "Sales" not in client.get(LIST).context["categories"]


def test_city_and_country_filters(client, tenant_a):
    ProviderEntryFactory(tenant=tenant_a, display_name="Berliner", city="Berlin", country="DE")
    ProviderEntryFactory(tenant=tenant_a, display_name="Hamburger", city="Hamburg", country="DE")
    ProviderEntryFactory(tenant=tenant_a, display_name="Viennese", city="Vienna", country="AT")
    ProviderEntryFactory(tenant=tenant_a, display_name="New Yorker", city="New York", country="US")
    assert listed(client, city="Berlin") == ["Berliner"]
    assert listed(client, city=" berlin ") == ["Berliner"]
    assert listed(client, city="new york") == ["New Yorker"]
    assert listed(client, city="Paris") == []
    assert sorted(listed(client, country="DE")) == ["Berliner", "Hamburger"]
    response = client.get(LIST, {"country": "at"})
    assert shown(response) == ["Viennese"]
    assert '<option value="AT" selected>Austria</option>' in response.content.decode()
    assert listed(client, country="DE", city="Hamburg") == ["Hamburger"]


def test_verified_and_available_filters(client, tenant_a):
    ProviderEntryFactory(tenant=tenant_a, display_name="Both", is_verified=True, accepting_projects=True)
    ProviderEntryFactory(tenant=tenant_a, display_name="Busy", is_verified=True, accepting_projects=False)
    ProviderEntryFactory(tenant=tenant_a, display_name="New", is_verified=False, accepting_projects=True)
    assert sorted(listed(client, verified="on")) == ["Both", "Busy"]
    assert sorted(listed(client, available="on")) == ["Both", "New"]
    assert listed(client, verified="on", available="on") == ["Both"]


@pytest.fixture
def ranked(tenant_a, tenant_b):
    """Entries with ties (same rating, same rate) and missing values (no rating, no rate)."""
    made = [
        ProviderEntryFactory(tenant=tenant_a, display_name="A", rating=Decimal("4.50"), review_count=3,
                             hourly_rate=Decimal("50.00")),
        ProviderEntryFactory(tenant=tenant_b, display_name="B", rating=Decimal("4.90"), review_count=2,
                             hourly_rate=Decimal("90.00")),
        ProviderEntryFactory(tenant=tenant_a, display_name="C", rating=Decimal("4.50"), review_count=3,
                             hourly_rate=Decimal("50.00")),
        ProviderEntryFactory(tenant=tenant_b, display_name="D", rating=None, review_count=0, hourly_rate=None),
        ProviderEntryFactory(tenant=tenant_a, display_name="E", rating=Decimal("3.00"), review_count=40,
                             hourly_rate=Decimal("20.00")),
    ]  # fmt: skip
    return made


@pytest.mark.parametrize(
    ("order", "expected"),
    [
        (None, ["B", "A", "C", "E", "D"]),
        ("best", ["B", "A", "C", "E", "D"]),
        ("reviews", ["E", "A", "C", "B", "D"]),
        ("rate_asc", ["E", "A", "C", "B", "D"]),
        ("rate_desc", ["B", "A", "C", "E", "D"]),
    ],
)
def test_orderings_are_deterministic_with_missing_values_last(client, ranked, order, expected):
    params = {"order": order} if order else {}
    assert listed(client, **params) == expected


def test_pagination_keeps_the_filters(client, tenant_a):
    ProviderEntryFactory.create_batch(23, tenant=tenant_a, city="Berlin")
    ProviderEntryFactory(tenant=tenant_a, city="Hamburg", display_name="Hamburger")
    first = client.get(LIST, {"city": "Berlin", "order": "reviews"})
    assert len(shown(first)) == 20
    assert "?city=Berlin&amp;order=reviews&amp;page=2" in first.content.decode()
    second = client.get(LIST, {"city": "Berlin", "order": "reviews", "page": "2"})
    assert len(shown(second)) == 3
    assert "Hamburger" not in shown(second)
    assert set(shown(first)).isdisjoint(shown(second))
    assert "?city=Berlin&amp;order=reviews&amp;page=1" in second.content.decode()


@pytest.mark.parametrize(
    "params",
    [
        {"order": "price; DROP TABLE x"},
        {"page": "abc"},
        {"page": "-1"},
        {"page": "99999999999999999999999"},
        {"q": "python " * 2000},
        {"q": "a\x00b"},
        {"q": '"unbalanced -(quotes & | !'},
        {"city": "x" * 1000},
        {"country": "Germany"},
        {"category": "c" * 5000},
        {"verified": "maybe", "available": "[]"},
    ],
    ids=lambda params: ",".join(params),
)
def test_bad_parameters_do_not_break_the_page(client, tenant_a, params):
    ProviderEntryFactory(tenant=tenant_a, display_name="Ada", skills=["Python"])
    response = client.get(LIST, params)
    assert response.status_code == 200


def test_bad_parameters_fall_back_to_the_defaults(client, tenant_a):
    ProviderEntryFactory.create_batch(21, tenant=tenant_a)
    assert response_page(client.get(LIST, {"page": "abc"})) == 1
    assert response_page(client.get(LIST, {"page": "9"})) == 2  # the last page
    assert listed(client, order="bogus") == listed(client)
    assert len(listed(client, country="Germany")) == 20  # an invalid filter is dropped, not applied


def response_page(response) -> int:
    assert response.status_code == 200
    return response.context["page"].number


def test_long_search_is_cut_not_refused(client, tenant_a):
    ProviderEntryFactory(tenant=tenant_a, display_name="Ada", skills=["Python"])
    response = client.get(LIST, {"q": "python " + "x" * 5000})
    assert response.context["filters"]["q"] == ("python " + "x" * 5000)[:200]
    assert shown(response) == []


def test_empty_states(client, tenant_a):
    response = client.get(LIST)
    assert shown(response) == []
    assert "No freelancers are listed yet" in response.content.decode()
    ProviderEntryFactory(tenant=tenant_a, city="Berlin")
    html = client.get(LIST, {"city": "Lisbon", "q": "python"}).content.decode()
    assert "No freelancers match these filters" in html
    assert f'href="{LIST}">Clear all filters' in html


def test_the_list_is_publicly_cacheable(client, tenant_a):
    ProviderEntryFactory(tenant=tenant_a)
    response = client.get(LIST, {"q": "python", "page": "1"})
    cache_control = response["Cache-Control"]
    assert "public" in cache_control and "max-age=60" in cache_control
    assert_no_session_or_csrf(response)


def assert_no_session_or_csrf(response):
    from django.contrib.sessions.models import Session

    assert not response.cookies  # no session, no CSRF cookie
    assert not response.has_header("Set-Cookie")
    assert "csrfmiddlewaretoken" not in response.content.decode()
    assert 'method="post"' not in response.content.decode().lower()
    assert not Session.objects.exists()


def test_the_list_runs_the_same_queries_for_10_and_60_entries(
    client, tenant_a, tenant_b, django_assert_max_num_queries
):
    def queries() -> int:
        cache.clear()  # count the category suggestions' query too
        with CaptureQueriesContext(connection) as captured:
            assert client.get(LIST, {"verified": "on", "order": "rate_desc"}).status_code == 200
        return len(captured.captured_queries)

    ProviderEntryFactory.create_batch(5, tenant=tenant_a)
    ProviderEntryFactory.create_batch(5, tenant=tenant_b, avatar="marketplace/avatars/b.png")
    small = queries()
    ProviderEntryFactory.create_batch(25, tenant=tenant_a)
    ProviderEntryFactory.create_batch(25, tenant=tenant_b, avatar="marketplace/avatars/b.png")
    assert queries() == small
    with django_assert_max_num_queries(3):  # count, page, category suggestions
        client.get(LIST, {"q": "python", "page": "2"})


# --- The profile -----------------------------------------------------------------------------


def test_the_profile_shows_everything_public(client, tenant_a):
    entry = ProviderEntryFactory(
        tenant=tenant_a,
        display_name="Grace Hopper",
        bio_excerpt="Compilers and COBOL.",
        skills=["COBOL", "Fortran", "Assembly", "Teaching", "Navy", "Nanoseconds"],
        categories=["Development", "Training"],
        city="Arlington",
        country="US",
        latitude=Decimal("38.879970"),
        longitude=Decimal("-77.106770"),
        hourly_rate=Decimal("120.00"),
        currency="USD",
        rating=Decimal("4.75"),
        review_count=1,
        completed_contracts=1,
    )
    response = client.get(detail_url(entry))
    assert response.status_code == 200
    html = response.content.decode()
    for text in [
        "Grace Hopper", "Compilers and COBOL.", "Nanoseconds", "Training", "Arlington, United States",
        "$120 / hour", "★ 4.8 (1 review)", "1 completed contract", "&#10003; Verified", "Accepting new projects",
        f'<link rel="canonical" href="http://testserver{detail_url(entry)}">',
    ]:  # fmt: skip
        assert text in html, text
    assert "38.8" not in html and "77.1" not in html  # no coordinates
    assert response["Cache-Control"].count("max-age=300") == 1 and "public" in response["Cache-Control"]
    assert_no_session_or_csrf(response)


def test_a_wrong_or_missing_slug_redirects_permanently_to_the_canonical_url(client, tenant_a):
    entry = ProviderEntryFactory(tenant=tenant_a, display_name="Grace Hopper")
    canonical = detail_url(entry)
    assert canonical == f"/browse-freelancers/{entry.public_id}/grace-hopper/"
    for url in [detail_url(entry, "old-name"), reverse("freelancers:detail_by_id", args=[entry.public_id])]:
        response = client.get(url)
        assert (response.status_code, response["Location"]) == (301, canonical)


def test_unknown_ids_and_sequential_ids_are_not_found(client, tenant_a):
    entry = ProviderEntryFactory(tenant=tenant_a, display_name="Grace Hopper")
    for url in [
        "/browse-freelancers/00000000-0000-4000-8000-000000000000/grace-hopper/",
        "/browse-freelancers/00000000-0000-4000-8000-000000000000/",
        f"/browse-freelancers/{entry.pk}/",
        f"/browse-freelancers/{entry.pk}/grace-hopper/",
        f"/browse-freelancers/{entry.public_id}x/grace-hopper/",
    ]:
        assert client.get(url).status_code == 404, url


def test_text_is_escaped(client, tenant_a):
    entry = ProviderEntryFactory(
        tenant=tenant_a, display_name="<script>alert(1)</script>", skills=["<b>x</b>"]
    )
    for url in [LIST, detail_url(entry)]:
        html = client.get(url).content.decode()
        assert "<script>alert(1)" not in html and "<b>x</b>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


# --- Nothing private reaches the pages -------------------------------------------------------


def test_private_values_of_the_source_provider_never_reach_the_pages(client, tenant_a):
    with tenant_context(tenant_a):
        staff = UserFactory(email="staff.secret@tenant-a.test", first_name="Zebulon", last_name="Quimby")
        provider = ListedProviderFactory(
            display_name="Open Pixel",
            legal_name="Secret Legal Name GmbH",
            bio="Design systems. Write to private.inbox@example.com for a quote.",
            skills="Figma, Branding",
            user=staff,
            is_verified=True,
            verified_at=timezone.now(),
            verified_by=staff,
            latitude=Decimal("52.520008"),
            longitude=Decimal("13.404954"),
        )
        ContractFactory(
            provider=provider,
            client_name="Confidential Client",
            client_email="buyer.secret@client.test",
            client_company="Undisclosed Corp",
            scope="Secret scope of work",
        )
        sync_active_tenant("providers")
    entry = provider_entries(source_provider=provider).get()
    pages = [client.get(LIST), client.get(LIST, {"q": "figma"}), client.get(detail_url(entry))]
    html = "".join(page.content.decode() for page in pages)
    assert html.count("Open Pixel") >= 3 and "Design systems." in html
    for secret in [
        "Secret Legal Name", "staff.secret", "Zebulon", "Quimby", "private.inbox", "Confidential Client",
        "buyer.secret", "Undisclosed Corp", "Secret scope", "Tenant A", "tenant-a", "52.52", "13.40",
        f"/{provider.pk}/",
    ]:  # fmt: skip
        assert secret not in html, secret
