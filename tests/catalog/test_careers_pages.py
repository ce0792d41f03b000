"""The public /careers/ list and job pages: search, filters, pagination, cache headers, constant
queries, and nothing but catalog fields on the page."""

from datetime import timedelta
from decimal import Decimal
from uuid import uuid4

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from catalog.models import PublicJobCatalog
from catalog.pages.careers.listing import posted_label, salary_label
from people.models import EmploymentType
from people.tenancy import tenant_context
from recruiting.models import RemotePolicy
from tests.catalog.factories import CatalogSettingsFactory, JobEntryFactory, ListedJobFactory
from tests.people.factories import DepartmentFactory, EmployeeFactory, UserFactory

pytestmark = pytest.mark.django_db

LIST = "/careers/"
NOW = timezone.now()
# A minute past midnight today (site time): "N days ago" counts calendar days, so moments a whole
# number of days before it read the same at any hour the suite runs (NOW minus an hour is
# "yesterday" between midnight and one).
TODAY = timezone.localtime(NOW).replace(hour=0, minute=1, second=0, microsecond=0)


def html(response) -> str:
    return response.content.decode()


def titles(response) -> list[str]:
    return [entry.title for entry in response.context["jobs"]]


def detail_url(entry) -> str:
    return reverse("careers:detail", kwargs={"public_id": entry.public_id, "slug": entry.slug})


@pytest.fixture
def entries(tenant_a, tenant_b):
    return {
        "python": JobEntryFactory(tenant=tenant_a, title="Backend Developer", skills=["Python"],
                                  published_at=TODAY),
        "designer": JobEntryFactory(tenant=tenant_a, title="Product Designer", category="Design", skills=["Figma"],
                                    location="Munich", remote_policy=RemotePolicy.REMOTE,
                                    published_at=TODAY - timedelta(days=1)),
        "sales": JobEntryFactory(tenant=tenant_b, title="Account Executive", category="Sales", skills=[],
                                 location="Hamburg", remote_policy=RemotePolicy.ON_SITE,
                                 employment_type=EmploymentType.PART_TIME, published_at=TODAY - timedelta(days=3)),
    }  # fmt: skip


# --- the list -------------------------------------------------------------------------------
def test_list_shows_every_tenants_open_jobs_newest_first(client, entries):
    response = client.get(LIST)
    assert response.status_code == 200
    assert titles(response) == ["Backend Developer", "Product Designer", "Account Executive"]
    page = html(response)
    assert "Tenant A" in page and "Tenant B" in page
    assert "posted today" in page and "posted yesterday" in page and "posted 3 days ago" in page
    assert "Hybrid" in page and "Remote" in page and "On site" in page and "Part-time" in page
    assert detail_url(entries["python"]) in page
    assert response.context["section"] == "careers"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("q=developer", ["Backend Developer"]),
        ("q=figma", ["Product Designer"]),
        ("q=executive+hamburg", ["Account Executive"]),  # every word, over places too
        ("q=designer+hamburg", []),
        ("category=Design", ["Product Designer"]),
        ("location=Hamburg", ["Account Executive"]),
        ("remote=remote", ["Product Designer"]),
        ("type=part_time", ["Account Executive"]),
        ("category=Engineering&remote=hybrid&q=python", ["Backend Developer"]),
        ("category=Engineering&location=Munich", []),
    ],
)
def test_search_and_each_filter(client, entries, query, expected):
    response = client.get(f"{LIST}?{query}")
    assert response.status_code == 200
    assert titles(response) == expected


@pytest.mark.parametrize(
    "query",
    ["remote=nowhere", "type=slave", "page=abc", "page=-1", "page=999", "page=", "q=" + "x" * 5000,
     "category=" + "c" * 500, "remote=REMOTE", "type=", "q=%00"],
)  # fmt: skip
def test_bad_parameters_are_ignored(client, entries, query):
    response = client.get(f"{LIST}?{query}")
    assert response.status_code == 200
    if "q=" not in query:  # an unknown choice or page falls back to every job, first page
        assert len(titles(response)) == 3


def test_bad_search_syntax_does_not_crash(client, entries):
    for text in ['"unclosed', "-", "a & | ! ( )", "'; drop table", "développeur"]:
        assert client.get(LIST, {"q": text}).status_code == 200


def test_empty_state_with_filters_links_to_clear_them(client, entries):
    response = client.get(LIST, {"q": "astronaut", "remote": "remote"})
    page = html(response)
    assert titles(response) == []
    assert "No jobs match your search." in page
    assert f'href="{LIST}"' in page and "Clear filters" in page


def test_empty_catalog(client, db):
    page = html(client.get(LIST))
    assert "There are no open jobs right now." in page
    assert "Clear filters" not in page


def test_pagination_keeps_the_filters(client, tenant_a):
    for n in range(25):
        JobEntryFactory(tenant=tenant_a, title=f"Nurse {n:02d}", category="Health",
                        published_at=NOW - timedelta(minutes=n))  # fmt: skip
    JobEntryFactory(tenant=tenant_a, title="Chef", category="Kitchen")
    first = client.get(LIST, {"category": "Health"})
    assert titles(first) == [f"Nurse {n:02d}" for n in range(20)]
    assert "category=Health&amp;page=2" in html(first)
    assert "26 jobs" not in html(first) and "25 jobs" in html(first)
    second = client.get(LIST, {"category": "Health", "page": "2"})
    assert titles(second) == [f"Nurse {n:02d}" for n in range(20, 25)]
    assert "category=Health&amp;page=1" in html(second)
    past_the_end = client.get(LIST, {"category": "Health", "page": "7"})
    assert past_the_end.context["page"].number == 2  # the last page


def test_closed_entries_are_not_listed(client, tenant_a):
    JobEntryFactory(tenant=tenant_a, title="Still open", closes_at=NOW + timedelta(days=2))
    JobEntryFactory(tenant=tenant_a, title="Closed yesterday", closes_at=NOW - timedelta(days=1))
    JobEntryFactory(tenant=tenant_a, title="No closing date")
    assert sorted(titles(client.get(LIST))) == ["No closing date", "Still open"]


def test_salary_and_logo_only_when_the_entry_has_them(client, tenant_a):
    JobEntryFactory(tenant=tenant_a, title="Paid", salary_min=Decimal("50000"), salary_max=Decimal("70000"),
                    salary_currency="EUR", company_logo="tenants/logos/tenant-a.png")  # fmt: skip
    JobEntryFactory(tenant=tenant_a, title="Unpaid")
    page = html(client.get(LIST))
    assert page.count("Salary:") == 1 and "50,000–70,000 EUR" in page
    assert page.count("<img") == 1 and "/media/tenants/logos/tenant-a.png" in page


def test_salary_published_only_when_the_tenant_says_so(client, tenant_a, tenant_b):
    with tenant_context(tenant_a):
        CatalogSettingsFactory(publish_salaries=True)
        ListedJobFactory(title="Published pay", salary_min=Decimal("50000"), salary_max=Decimal("70000"))
    with tenant_context(tenant_b):
        ListedJobFactory(title="Hidden pay", salary_min=Decimal("81234"), salary_max=Decimal("99876"))
    page = html(client.get(LIST))
    assert "50,000–70,000" in page
    assert "81,234" not in page and "99,876" not in page


def test_labels():
    today = timezone.localdate()
    assert posted_label(NOW + timedelta(minutes=5), today) == "today"
    assert posted_label(timezone.now() - timedelta(days=1), today) == "yesterday"
    assert posted_label(timezone.now() - timedelta(days=12), today) == "12 days ago"
    entry = PublicJobCatalog(salary_min=Decimal("50000.00"), salary_max=None, salary_currency="EUR")
    assert salary_label(entry) == "from 50,000 EUR"
    entry.salary_min, entry.salary_max = None, Decimal("1234.50")
    assert salary_label(entry) == "up to 1,234.50 EUR"
    entry.salary_max = None
    assert salary_label(entry) == ""


def test_the_list_runs_the_same_queries_whatever_the_size(client, tenant_a, tenant_b):
    def queries(params) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(LIST, params).status_code == 200
        return len(captured)

    searches = [{}, {"q": "developer"}, {"category": "Engineering", "remote": "hybrid"}, {"page": "2"}]
    for n in range(10):
        JobEntryFactory(tenant=tenant_a if n % 2 else tenant_b, title=f"Developer {n}")
    client.get(LIST)  # fills the cached filter options
    small = [queries(params) for params in searches]
    for n in range(50):
        JobEntryFactory(tenant=tenant_a if n % 2 else tenant_b, title=f"Developer {n}", category=f"C{n}",
                        location=f"City {n}")  # fmt: skip
    large = [queries(params) for params in searches]
    assert small == large
    assert max(large) <= 2  # the capped count and the page


def test_filter_options_come_from_one_cached_query(client, tenant_a, django_assert_num_queries):
    JobEntryFactory(tenant=tenant_a, category="Design", location="Munich")
    JobEntryFactory(tenant=tenant_a, category="analytics", location="Berlin")
    JobEntryFactory(tenant=tenant_a, category="Design", location="")
    JobEntryFactory(tenant=tenant_a, category="", location="Munich")
    with django_assert_num_queries(3):  # count, page, options
        first = client.get(LIST)
    assert first.context["categories"] == ["analytics", "Design"]  # distinct, no blank, any case
    assert first.context["locations"] == ["Berlin", "Munich"]
    with django_assert_num_queries(2):
        client.get(LIST)
    # A category missing from the cached options stays selectable when asked for.
    assert "Sales" in client.get(LIST, {"category": "Sales"}).context["categories"]


# --- cache headers and no session -----------------------------------------------------------
def test_list_and_job_pages_are_publicly_cacheable_and_set_no_cookie(client, entries):
    entry = entries["python"]
    for url, max_age in ((LIST, 60), (LIST + "?q=python&page=1", 60), (detail_url(entry), 300)):
        response = client.get(url)
        assert response.status_code == 200
        cache_control = response["Cache-Control"]
        assert "public" in cache_control and f"max-age={max_age}" in cache_control, url
        assert not response.cookies, (url, response.cookies)
        assert "csrfmiddlewaretoken" not in html(response)
    assert not Session.objects.exists()


def test_apply_page_is_never_cached(client, entries):
    response = client.get(reverse("careers:apply", kwargs={"public_id": entries["python"].public_id}))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


def test_pages_answer_head_but_not_post(client, entries):
    assert client.head(LIST).status_code == 200
    assert client.post(LIST).status_code == 405
    assert client.post(detail_url(entries["python"])).status_code == 405


# --- a job's page ---------------------------------------------------------------------------
def test_job_page(client, tenant_a):
    entry = JobEntryFactory(
        tenant=tenant_a, title="Data Engineer", description="Line one\nLine <two>", requirements="SQL daily",
        skills=["SQL", "Airflow"], salary_min=Decimal("60000"), salary_max=Decimal("80000"), salary_currency="EUR",
        closes_at=NOW + timedelta(days=10),
    )  # fmt: skip
    response = client.get(detail_url(entry))
    page = html(response)
    assert response.status_code == 200
    assert '<div class="prose">Line one\nLine &lt;two&gt;</div>' in page  # plain text, escaped
    assert "SQL daily" in page and "Airflow" in page and "60,000–80,000 EUR" in page
    assert "Applications close" in page
    assert reverse("careers:apply", kwargs={"public_id": entry.public_id}) in page
    assert f'rel="canonical" href="http://testserver{detail_url(entry)}"' in page


def test_wrong_slug_and_short_link_redirect_permanently_to_the_canonical_url(client, entries):
    entry = entries["python"]
    wrong = client.get(f"/careers/{entry.public_id}/old-title/")
    assert wrong.status_code == 301 and wrong["Location"] == detail_url(entry)
    short = client.get(f"/careers/{entry.public_id}/")
    assert short.status_code == 301 and short["Location"] == detail_url(entry)


def test_unknown_or_malformed_ids_are_404(client, entries):
    assert client.get(f"/careers/{uuid4()}/backend-developer/").status_code == 404
    assert client.get(f"/careers/{uuid4()}/").status_code == 404
    assert client.get(f"/careers/{entries['python'].pk}/backend-developer/").status_code == 404  # no ids
    assert client.get("/careers/not-a-uuid/").status_code == 404
    assert client.get(f"/careers/{uuid4()}/apply/").status_code == 404
    assert client.get(f"/careers/{uuid4()}/applied/").status_code == 404


def test_closed_job_page_says_so_and_offers_no_form(client, tenant_a):
    entry = JobEntryFactory(tenant=tenant_a, title="Too late", closes_at=NOW - timedelta(hours=2))
    response = client.get(detail_url(entry))
    page = html(response)
    assert response.status_code == 200
    assert "no longer accepting applications" in page
    assert reverse("careers:apply", kwargs={"public_id": entry.public_id}) not in page
    apply_page = client.get(reverse("careers:apply", kwargs={"public_id": entry.public_id}))
    assert apply_page.status_code == 410 and "<form" not in html(apply_page).split("</header>")[1]


def test_text_is_escaped(client, tenant_a):
    entry = JobEntryFactory(tenant=tenant_a, title="<script>alert(1)</script>", category="<b>x</b>",
                            description="<img src=x onerror=alert(1)>")  # fmt: skip
    for url in (LIST, detail_url(entry)):
        page = html(client.get(url, follow=True))
        assert "<script>alert" not in page and "<img src=x" not in page and "<b>x</b>" not in page


# --- nothing private ------------------------------------------------------------------------
def test_pages_show_no_private_field_of_the_source_job(client, tenant_a, role_groups):
    with tenant_context(tenant_a):
        manager = EmployeeFactory(
            first_name="Hiram", last_name="Secretman", work_email="hm.secret@tenant-a.test"
        )
        recruiter = UserFactory(email="recruiter.secret@tenant-a.test", first_name="Rita", last_name="Hidden")
        job = ListedJobFactory(
            title="Platform Engineer",
            reference_code="INTERNAL-REF-4242",
            department=DepartmentFactory(name="Skunkworks Division"),
            hiring_manager=manager,
            recruiter=recruiter,
            openings=7,
            salary_min=Decimal("91357"),
            salary_max=Decimal("97531"),
            description="Mail jobs.secret@tenant-a.test for questions. We build platforms.",
        )
    entry = PublicJobCatalog.objects.get(source_job=job)
    pages = [html(client.get(url)) for url in (LIST, LIST + "?q=platform", detail_url(entry))]
    pages.append(html(client.get(reverse("careers:apply", kwargs={"public_id": entry.public_id}))))
    for page in pages:
        assert "Platform Engineer" in page
        for secret in ("INTERNAL-REF-4242", "Skunkworks", "Secretman", "hm.secret", "recruiter.secret",
                       "Hidden", "jobs.secret", "91,357", "97,531", "91357"):  # fmt: skip
            assert secret not in page, secret
        assert f"/{job.pk}/" not in page.replace(str(entry.public_id), "")  # no sequential ids in URLs
