"""What reaches the catalog: an allowlist of public fields, plain text, any shape of source data."""

import html
import random
import re
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import nh3
import pytest

from catalog.models import PublicJobCatalog, PublicProviderCatalog
from catalog.sanitize import EMAIL, EMAIL_REMOVED, excerpt, plain_text, plain_texts
from catalog.sync.operations import sync_active_tenant
from people.tenancy import tenant_context
from tests.catalog.conftest import job_entries, provider_entries
from tests.catalog.factories import ListedJobFactory, ListedProviderFactory, unsaved_change
from tests.conftest import make_member
from tests.people.factories import EmployeeFactory

# Everything a public entry may hold; a new field on an entry model must be added here on purpose.
JOB_ALLOWLIST = {
    "id", "tenant", "public_id", "slug", "synced_at", "source_updated_at", "content_hash", "search_text",
    "source_job", "title", "company_name", "company_logo", "location", "remote_policy",
    "employment_type", "category", "salary_min", "salary_max", "salary_currency", "skills",
    "description", "requirements", "published_at", "closes_at",
}  # fmt: skip
PROVIDER_ALLOWLIST = {
    "id", "tenant", "public_id", "slug", "synced_at", "source_updated_at", "content_hash", "search_text",
    "source_provider", "display_name", "avatar", "bio_excerpt", "skills", "categories", "city",
    "country", "latitude", "longitude", "hourly_rate", "currency", "rating", "review_count",
    "completed_contracts", "is_verified", "accepting_projects",
}  # fmt: skip


def test_the_entry_models_hold_only_allowlisted_fields():
    assert {f.name for f in PublicJobCatalog._meta.concrete_fields} == JOB_ALLOWLIST
    assert {f.name for f in PublicProviderCatalog._meta.concrete_fields} == PROVIDER_ALLOWLIST


def _all_text(entry) -> str:
    return " ".join(str(getattr(entry, f.attname)) for f in entry._meta.concrete_fields)


@pytest.mark.django_db
def test_no_staff_or_candidate_data_reaches_a_job_entry(tenant_a, role_groups):
    recruiter = make_member(tenant_a, email="recruiter.secret@tenant-a.test", first_name="Rita")
    with tenant_context(tenant_a):
        manager = EmployeeFactory(
            first_name="Hidden", last_name="Manager", work_email="hm.secret@tenant-a.test"
        )
        ListedJobFactory(
            recruiter=recruiter,
            hiring_manager=manager,
            description="Great team.\nInternal note: call candidate jane.roe@mail.example about the offer.",
        )
    text = _all_text(job_entries().get())
    for private in ("recruiter.secret", "hm.secret", "jane.roe@mail.example", "Hidden", "Rita"):
        assert private not in text
    assert EMAIL_REMOVED in job_entries().get().description


@pytest.mark.django_db
def test_no_legal_name_or_staff_account_reaches_a_provider_entry(tenant_a, role_groups):
    account = make_member(tenant_a, email="provider.login@tenant-a.test")
    with tenant_context(tenant_a):
        ListedProviderFactory(
            legal_name="Secret Holdings Ltd", user=account, bio="Write to me: me@ada.example"
        )
    text = _all_text(provider_entries().get())
    assert "Secret Holdings" not in text and "provider.login" not in text and "me@ada.example" not in text


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("<p>Hello <b>world</b></p><p>Second &amp; more</p>", "Hello world\nSecond & more"),
        ("Intro<script>alert('x')</script> end", "Intro end"),
        ("<style>p{}</style><img src=x onerror=alert(1)>ok", "ok"),
        ('<a href="javascript:alert(1)">link</a>', "link"),
        ("&lt;script&gt;alert(1)&lt;/script&gt;kept", "kept"),
        ("a < b and c > d", "a < b and c > d"),
        ("line 1\r\n\r\n\r\n\r\nline 2", "line 1\n\nline 2"),
        ("ping ops@corp.example.com", f"ping {EMAIL_REMOVED}"),
        (None, ""),
    ],
)
def test_descriptions_become_plain_text(source, expected):
    assert plain_text(source) == expected


def reference_plain_text(value) -> str:
    """plain_text()'s rules read plainly: the parser runs on every text, each step on all of it."""
    text = str(value or "").replace("\r\n", "\n").replace("\r", "\n")
    text = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", "", text)
    text = re.sub(
        r"<\s*br\s*/?\s*>|<\s*/\s*(p|div|li|h[1-6]|tr|blockquote|pre|ul|ol)\s*>", "\n", text, flags=re.I
    )
    for _round in range(5):
        cleaned = html.unescape(nh3.clean(text, tags=set()))
        if cleaned == text or "<" not in cleaned:
            text = cleaned
            break
        text = cleaned
    text = EMAIL.sub(EMAIL_REMOVED, text)
    lines, blank = [], True
    for line in text.split("\n"):
        line = " ".join(line.split())
        if line or not blank:
            lines.append(line)
        blank = not line
    return "\n".join(lines).strip()


PIECES = [
    "<p>", "</p>", "<br>", "<BR/>", "< br / >", "</ P >", "<li>", "</li>", "</h2>", "</div>", "<pre>", "</pre>",
    "<b>", "</b>", "<a href='x'>", "</a>", "<script>x()</script>", "<style>p{}</style>", "<!-- note -->",
    "&amp;", "&lt;", "&gt;", "&lt;script&gt;", "&nbsp;", "&#60;", "&#x3c;b&#x3e;", "<", ">", "&", '"', "'",
    "a", "word", "Zürich", "€", "✓", " ", "  ", "\t", "\n", "\n\n\n", "\r\n", "\r", "\x00", "\x07", "\x0b",
    "\x1f", "\x7f", "\xa0", "\x85", "\u2028", "\u3000", "ops@corp.example", "@", ".",
]  # fmt: skip


def generated_texts(count: int, pieces=PIECES):
    chance = random.Random(7)  # the same texts on every run
    return ["".join(chance.choice(pieces) for _ in range(chance.randint(0, 14))) for _ in range(count)]


def test_plain_text_takes_shortcuts_that_change_nothing():
    """The cheap roads (no parser for text without markup or entities, control characters
    removed as bytes in ASCII text, one parser configuration) give what the plain rules give."""
    for text in generated_texts(3000):
        assert plain_text(text) == reference_plain_text(text), repr(text)
    plain_pieces = [piece for piece in PIECES if "<" not in piece and "&" not in piece]
    for text in generated_texts(3000, plain_pieces):  # the texts that skip the parser
        assert plain_text(text) == reference_plain_text(text), repr(text)


def test_plain_texts_parsed_in_a_worker_thread_are_the_same():
    texts = generated_texts(2000)
    with ThreadPoolExecutor(1) as pool:
        assert list(plain_texts(texts, pool)) == [plain_text(text) for text in texts]


def test_an_excerpt_is_cut_at_a_word():
    assert excerpt("word " * 100, 30) == "word word word word word…"
    assert excerpt("short", 30) == "short"


@pytest.mark.django_db
def test_a_stored_description_has_no_markup(tenant_a):
    with tenant_context(tenant_a):
        ListedJobFactory(description="<h1>Join</h1><script>steal()</script><p onclick='x()'>us</p>")
    description = job_entries().get().description
    assert "<" not in description and "steal" not in description
    assert description == "Join\nus"


@pytest.mark.django_db
def test_odd_job_shapes_are_copied(tenant_a):
    with tenant_context(tenant_a):
        ListedJobFactory(category="", salary_min=None, salary_max=None, skills="python, , SQL,python",
                         location="", description="", requirements="")  # fmt: skip
        odd = ListedJobFactory(skills={"not": "a list"})
        unsaved_change(type(odd), odd.pk, published_at=None, salary_currency="")
        result = sync_active_tenant("jobs")
    assert result.errors == 0
    assert job_entries().count() == 2
    first, second = job_entries().order_by("source_job_id")
    assert (first.category, first.salary_min, first.skills, first.location) == (
        "",
        None,
        ["python", "SQL"],
        "",
    )
    assert second.skills == [] and second.published_at is not None  # published_at falls back to created_at


@pytest.mark.django_db
def test_odd_provider_shapes_are_copied(tenant_a):
    with tenant_context(tenant_a):
        ListedProviderFactory(city="", country="", latitude=None, longitude=None, legal_name="", user=None,
                              hourly_rate=None, skills="", bio="")  # fmt: skip
        located = ListedProviderFactory(latitude=Decimal("52.52"), longitude=Decimal("13.405"))
        unsaved_change(type(located), located.pk, country="de", currency="")
        assert sync_active_tenant("providers").errors == 0
    plain, placed = provider_entries().order_by("source_provider_id")
    assert (plain.city, plain.country, plain.latitude, plain.hourly_rate, plain.skills) == (
        "",
        "",
        None,
        None,
        [],
    )
    assert (placed.country, placed.latitude, placed.currency) == ("DE", Decimal("52.520000"), "")


@pytest.mark.django_db
def test_a_row_that_cannot_be_copied_is_reported_and_the_others_are_synced(tenant_a):
    with tenant_context(tenant_a):
        good = ListedJobFactory()
        untitled = ListedJobFactory()
        odd_policy = ListedJobFactory()
        negative = ListedProviderFactory()
        unsaved_change(type(untitled), untitled.pk, title="  ")
        unsaved_change(type(odd_policy), odd_policy.pk, remote_policy="on_the_moon")
        unsaved_change(type(negative), negative.pk, hourly_rate=Decimal("-5"))
        result = sync_active_tenant("all")
    assert result.errors == 3
    messages = {sample["id"]: sample["error"] for sample in result.error_samples}
    assert messages[untitled.pk] == "the job has no title"
    assert "unknown remote policy 'on_the_moon'" in messages[odd_policy.pk]
    assert messages[negative.pk] == "the hourly rate is negative (-5.00)"
    assert job_entries(source_job=good).exists()
