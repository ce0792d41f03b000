"""Reads of the careers pages, all from PublicJobCatalog: the list's query, the filter options,
and what a job card shows ("posted 3 days ago", the salary range).

The list runs a constant number of queries whatever the catalog's size: a capped count and the
page (catalog.pages.common.page_of), plus one query for the filter options when they are not in
the cache (every FILTER_OPTIONS_SECONDS).
"""

from django.core.cache import cache
from django.db import connection
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html_join

from catalog.models import PublicJobCatalog
from catalog.selectors import filter_term, search
from people.models import EmploymentType
from recruiting.models import RemotePolicy

# What a card shows (the list never reads descriptions, requirements or the search text).
CARD_FIELDS = (
    "public_id", "slug", "title", "company_name", "company_logo", "location", "remote_policy",
    "employment_type", "category", "salary_min", "salary_max", "salary_currency", "published_at",
    "closes_at",
)  # fmt: skip
NEWEST_FIRST = ("-published_at", "-id")  # the order of the catalog_job_* indexes

FILTER_OPTIONS_KEY = "catalog:careers:filter-options:v1"
FILTER_OPTIONS_SECONDS = 300
FILTER_OPTIONS_MAX = 200  # per dropdown; a category or location past it can still be typed in the URL


def open_entries(now=None):
    """Entries still taking applications (the cleanup schedule removes closed ones later)."""
    now = now or timezone.now()
    return PublicJobCatalog.objects.filter(Q(closes_at__isnull=True) | Q(closes_at__gt=now))


def matching(filters: dict, now=None):
    """Open entries matching the list's valid filters (catalog.pages.careers.forms.JobFilterForm),
    newest first, with only the fields a card shows."""
    entries, terms = open_entries(now), []
    for name, field in (("category", "category"), ("location", "location"),
                        ("remote", "remote_policy"), ("type", "employment_type")):  # fmt: skip
        if filters.get(name):
            entries = entries.filter(**{field: filters[name]})
            terms.append(filter_term(field, filters[name]))
    entries = search(entries, filters.get("q", ""), filter_terms=terms)
    return entries.only(*CARD_FIELDS).order_by(*NEWEST_FIRST)


def filter_options() -> dict[str, list[str]]:
    """Categories and locations for the dropdowns: one query, cached for a few minutes."""
    options = cache.get(FILTER_OPTIONS_KEY)
    if options is None:
        found = {"category": [], "location": []}
        with connection.cursor() as cursor:
            cursor.execute(DISTINCT_VALUES_SQL, [FILTER_OPTIONS_MAX + 1] * 2)
            for column, value in cursor.fetchall():
                found[column].append(value)
        options = {
            "categories": sorted(found["category"], key=str.casefold)[:FILTER_OPTIONS_MAX],
            "locations": sorted(found["location"], key=str.casefold)[:FILTER_OPTIONS_MAX],
        }
        cache.set(FILTER_OPTIONS_KEY, options, FILTER_OPTIONS_SECONDS)
    return options


def _skip_scan(name: str, column: str) -> str:
    """A CTE `name` of the first distinct values of `column` (up to its parameter), one index
    probe each: the next value is MIN(column) above the last one, which the catalog_job_category
    and catalog_job_location indexes (that lead with the column) answer directly."""
    table = PublicJobCatalog._meta.db_table
    return f"""{name}(value, n) AS (
        SELECT MIN({column}), 1 FROM {table}
        UNION ALL
        SELECT (SELECT MIN({column}) FROM {table} WHERE {column} > {name}.value), n + 1
        FROM {name} WHERE value IS NOT NULL AND n < %s
    )"""


# A "loose index scan" on both engines (WITH RECURSIVE): ~1 ms over 200,000 entries, where a
# SELECT DISTINCT reads every row (~200 ms).
DISTINCT_VALUES_SQL = f"""WITH RECURSIVE {_skip_scan("categories", "category")},
    {_skip_scan("locations", "location")}
    SELECT 'category', value FROM categories WHERE value IS NOT NULL AND value <> ''
    UNION ALL
    SELECT 'location', value FROM locations WHERE value IS NOT NULL AND value <> ''"""


REMOTE, TYPES = frozenset(RemotePolicy.values), frozenset(EmploymentType.values)


def select_options(choices, selected: str) -> str:
    """The <option> tags of (value, label) `choices`, `selected` marked. Built here rather than by
    a template loop: the four dropdowns hold ~60 options, and the loop's tag and variable nodes
    were the larger part of rendering the list."""
    return format_html_join(
        "", '<option value="{}"{}>{}</option>',
        ((value, " selected" if value == selected else "", label) for value, label in choices),
    )  # fmt: skip


def entry_url(entry) -> str:
    return reverse("careers:detail", kwargs={"public_id": entry.public_id, "slug": entry.slug})


def posted_label(published_at, today=None) -> str:
    """ "today", "yesterday" or "N days ago", in the site's time zone."""
    today = today or timezone.localdate()
    days = (today - timezone.localdate(published_at)).days
    if days <= 0:
        return "today"
    if days == 1:
        return "yesterday"
    return f"{days} days ago"


def _amount(value) -> str:
    return f"{value:,.0f}" if value == value.to_integral_value() else f"{value:,.2f}"


def salary_label(entry) -> str:
    """ "50,000–70,000 EUR", "from 50,000 EUR", "up to 70,000 EUR", or "" when not published."""
    low, high, currency = entry.salary_min, entry.salary_max, entry.salary_currency
    if low is not None and high is not None:
        text = _amount(low) if low == high else f"{_amount(low)}–{_amount(high)}"
    elif low is not None:
        text = f"from {_amount(low)}"
    elif high is not None:
        text = f"up to {_amount(high)}"
    else:
        return ""
    return f"{text} {currency}".strip()


def decorate(entry, today=None):
    """Give an entry what its templates show besides its fields (the badges' labels from the
    choices directly: get_FOO_display rebuilds the field's choices on every call)."""
    entry.url = entry_url(entry)
    entry.remote_label = RemotePolicy(entry.remote_policy).label if entry.remote_policy in REMOTE else ""
    entry.type_label = EmploymentType(entry.employment_type).label if entry.employment_type in TYPES else ""
    entry.posted = posted_label(entry.published_at, today)
    entry.salary = salary_label(entry)
    return entry


def cards(entries) -> list:
    today = timezone.localdate()
    return [decorate(entry, today) for entry in entries]
