"""What a catalog entry holds: eligibility rules and the allowlist copy from a source row.

Only the columns listed in JOB_FIELDS / PROVIDER_FIELDS are read from the source tables, so a
field that is not on the allowlist (a recruiter, a hiring manager, a provider's legal name or
staff account, anything added to the source models later) cannot reach a catalog. Free text is
reduced to plain text without e-mail addresses (catalog.sanitize).

A source row that cannot be copied raises RowError with a message a person can act on; the sync
records it and goes on with the other rows.
"""

import hashlib
import json
import re
from dataclasses import astuple, dataclass
from functools import lru_cache

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import CharField, Func, JSONField, Q
from django.utils.text import slugify

from catalog.models import PublicJobCatalog, PublicProviderCatalog
from catalog.sanitize import excerpt, plain_text
from marketplace.models import Service
from people.models import EmploymentType
from recruiting.models import JobStatus, RemotePolicy

JOB_FIELDS = (
    "id", "updated_at", "created_at", "title", "location", "remote_policy", "employment_type",
    "category", "skills", "description", "requirements", "salary_min", "salary_max",
    "salary_currency", "published_at", "closes_at",
)  # fmt: skip
# The free text of each (HTML allowed), reduced to plain text: job_values(texts=...) takes it made
# elsewhere (the bulk sync makes it in a worker thread).
JOB_TEXT_FIELDS = ("description", "requirements")
PROVIDER_TEXT_FIELDS = ("bio",)
PROVIDER_FIELDS = (
    "id", "updated_at", "display_name", "bio", "skills", "avatar", "city", "country", "latitude",
    "longitude", "hourly_rate", "currency", "rating_average", "review_count",
    "completed_contracts_count", "is_verified", "accepting_projects",
)  # fmt: skip
# Search covers the description's opening (where an ad says what the job is): PostgreSQL builds the
# tsvector of every written entry for the GIN index, and its cost grows with the text. Measured on
# the bulk sync: with a 500-character opening the index upkeep took ~55% of the database's time
# per entry (~120 of ~220 us), with 200 ~40% (~55 of ~130 us).
SEARCH_DESCRIPTION_CHARS = 200
BIO_EXCERPT_CHARS = 300
CURRENCY = re.compile(r"^[A-Z]{3}$")
COUNTRY = re.compile(r"^[A-Z]{2}$")


class RowError(ValueError):
    """A source row that cannot be copied to the catalog (the message says why)."""


@dataclass(frozen=True)
class Company:
    """What a tenant contributes to its entries."""

    tenant_id: int
    name: str
    logo: str
    publish_salaries: bool


def eligible_jobs(now) -> Q:
    """Open, on the career page, not internal-only, not past its closing time (tenant checked apart)."""
    return Q(status=JobStatus.PUBLISHED, published_on_career_page=True, is_internal_only=False) & (
        Q(closes_at__isnull=True) | Q(closes_at__gt=now)
    )


def eligible_providers(now) -> Q:
    return Q(marketplace_enabled=True, is_active=True)


def could_be_listed_job(job) -> bool:
    """Cheap pre-check on an instance (the signal uses it to skip brand-new drafts)."""
    return job.status == JobStatus.PUBLISHED and job.published_on_career_page and not job.is_internal_only


def could_be_listed_provider(provider) -> bool:
    return provider.marketplace_enabled and provider.is_active


def skill_list(value) -> list[str]:
    """Skills from a JSON list or a comma-separated text; anything else counts as none."""
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, (list, tuple)):
        return []
    skills, seen = [], set()
    for item in value:
        skill = " ".join(str(item).split())[:60] if isinstance(item, (str, int, float)) else ""
        if skill and skill.lower() not in seen:
            seen.add(skill.lower())
            skills.append(skill)
    return skills[:30]


# Part of every fingerprint: bump it when the copy rules below change, so that the next sync
# (or integrity check) rewrites every entry with the new rules.
# 2: search covers the description's first 200 characters (was 500).
COPY_RULES_VERSION = 2

SOURCE_DIGEST = "source_digest"


class SourceDigest(Func):
    """md5 of a source row's values as PostgreSQL writes a record out (every value quoted and
    escaped as needed, NULL unlike ''): made by the database while it reads the row, for a few
    microseconds instead of the ~20 that repr() and blake2b of the row take here. (Moments are
    written in the connection's time zone: changing the database's TIME_ZONE rewrites every
    entry once.)"""

    template = "md5(ROW(%(expressions)s)::text)"
    output_field = CharField()


def source_values(queryset, fields, *others):
    """`queryset.values(*fields, *others)`; on PostgreSQL with the digest of `fields` (but
    updated_at) as SOURCE_DIGEST, which fingerprint() then uses instead of the values."""
    if connections[queryset.db].vendor != "postgresql":
        return queryset.values(*fields, *others)
    digest = SourceDigest(*(name for name in fields if name != "updated_at"))
    return queryset.annotate(**{SOURCE_DIGEST: digest}).values(*fields, *others, SOURCE_DIGEST)


def read(queryset) -> list[dict]:
    """The rows of a values() queryset (source_values()), as list(queryset) gives them.

    On PostgreSQL by a plain cursor that loads timestamps with psycopg's own loader (Django's is
    written in Python) and decodes JSON columns here, as JSONField.from_db_value() does: about
    half the time of the bulk read. The query is Django's (scoping, eligibility, order)."""
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        return list(queryset)
    from psycopg.types.datetime import TimestamptzLoader

    try:
        sql, params = queryset.query.get_compiler(queryset.db).as_sql()
    except EmptyResultSet:  # known without a query (pk__in=[])
        return []
    with connection.cursor() as cursor:
        cursor.cursor.adapters.register_loader("timestamptz", TimestamptzLoader)  # this cursor only
        cursor.execute(sql, params)
        names = [column.name for column in cursor.description]
        found = cursor.fetchall()
    expected = [*queryset.query.values_select, *queryset.query.annotation_select]
    if sorted(names) != sorted(expected):  # columns not named as their fields: Django's way
        return list(queryset)
    model = queryset.model
    decoded = [
        i for i, name in enumerate(names) if name in queryset.query.values_select
        and isinstance(model._meta.get_field(name), JSONField)
    ]  # fmt: skip
    rows = [dict(zip(names, row, strict=True)) for row in found]
    for row in rows:
        for i in decoded:
            name = names[i]
            if row[name] is not None:
                row[name] = _json(row[name])
    return rows


def _json(text):
    try:
        return json.loads(text)
    except json.JSONDecodeError:  # as JSONField.from_db_value(): the text itself
        return text


def fingerprint(row: dict, company: Company, extra=None) -> str:
    """Digest of everything an entry is copied from: the source row's allowlisted values (its
    updated_at aside, compared on its own), the tenant's part and the copy rules. Equal digests
    mean an equal entry, so the sync skips the row without sanitising anything.

    The row's part is SOURCE_DIGEST when the database made it (PostgreSQL, source_values()),
    else the values themselves (SQLite): a row read either way is fingerprinted the same way by
    the bulk and the one-row path of one database."""
    source = row.get(SOURCE_DIGEST)
    if source is None:
        # repr() of str, int, Decimal, datetime, bool, None, list and dict values is exact and stable.
        source = [(k, v) for k, v in row.items() if k != "updated_at"]
    inputs = (COPY_RULES_VERSION, _company_part(company), extra, source)
    return hashlib.blake2b(repr(inputs).encode(), digest_size=16).hexdigest()


@lru_cache(maxsize=256)
def _company_part(company: Company) -> tuple:
    """astuple(company), made once per company rather than once per row (a deep copy each time)."""
    return astuple(company)


def _search_text(*parts) -> str:
    return " ".join(
        " ".join(str(p) for p in part) if isinstance(part, list) else str(part) for part in parts if part
    )


REMOTE_POLICIES = frozenset(RemotePolicy.values)
EMPLOYMENT_TYPES = frozenset(EmploymentType.values)


def _choice(value, allowed: frozenset, what: str) -> str:
    if value not in allowed:
        raise RowError(f"unknown {what} {value!r}: choose one of {', '.join(sorted(allowed))}")
    return value


def job_entry(row: dict, company: Company, now, digest: str) -> PublicJobCatalog:
    return PublicJobCatalog(**job_values(row, company, now, digest))


def plain_texts(row: dict, fields) -> dict:
    """The row's free text `fields` as plain text."""
    return {name: plain_text(row[name]) for name in fields}


def job_values(row: dict, company: Company, now, digest: str, texts: dict | None = None) -> dict:
    """The entry of a job as field values by attribute name (`public_id` aside: kept on update,
    new otherwise). `texts`: plain_texts(row, JOB_TEXT_FIELDS) if made already."""
    texts = texts or plain_texts(row, JOB_TEXT_FIELDS)
    title = " ".join((row["title"] or "").split())
    if not title:
        raise RowError("the job has no title")
    salary = {"salary_min": None, "salary_max": None, "salary_currency": ""}
    currency = (row["salary_currency"] or "").upper()
    if company.publish_salaries and CURRENCY.match(currency) and (row["salary_min"] or row["salary_max"]):
        salary = {
            "salary_min": row["salary_min"],
            "salary_max": row["salary_max"],
            "salary_currency": currency,
        }
    description = texts["description"]
    content = {
        "title": title,
        "company_name": company.name,
        "company_logo": company.logo,
        "location": " ".join((row["location"] or "").split()),
        "remote_policy": _choice(row["remote_policy"], REMOTE_POLICIES, "remote policy"),
        "employment_type": _choice(row["employment_type"], EMPLOYMENT_TYPES, "employment type"),
        "category": " ".join((row["category"] or "").split()),
        **salary,
        "skills": skill_list(row["skills"]),
        "description": description,
        "requirements": texts["requirements"],
        "published_at": row["published_at"] or row["created_at"],
        "closes_at": row["closes_at"],
    }
    return {
        "tenant_id": company.tenant_id,
        "source_job_id": row["id"],
        "slug": slugify(title)[:80].strip("-") or "job",
        "synced_at": now,
        "source_updated_at": row["updated_at"],
        "content_hash": digest,
        "search_text": _search_text(
            title,
            company.name,
            content["location"],
            content["category"],
            content["skills"],
            description[:SEARCH_DESCRIPTION_CHARS],
        ),
        **content,
    }


def provider_categories(provider_ids) -> dict[int, list[str]]:
    """Category names of the providers' active services (one query, in the active tenant)."""
    found: dict[int, set[str]] = {}
    rows = Service.objects.filter(provider_id__in=provider_ids, is_active=True).values_list(
        "provider_id", "category__name"
    )
    for provider_id, name in rows:
        found.setdefault(provider_id, set()).add(name)
    return {pid: sorted(names) for pid, names in found.items()}


def provider_entry(
    row: dict, company: Company, categories: list[str], now, digest: str
) -> PublicProviderCatalog:
    return PublicProviderCatalog(**provider_values(row, company, categories, now, digest))


def provider_values(
    row: dict, company: Company, categories: list[str], now, digest: str, texts: dict | None = None
) -> dict:
    """The entry of a provider as field values by attribute name (`public_id` aside). `texts`:
    plain_texts(row, PROVIDER_TEXT_FIELDS) if made already."""
    texts = texts or plain_texts(row, PROVIDER_TEXT_FIELDS)
    name = " ".join((row["display_name"] or "").split())
    if not name:
        raise RowError("the provider has no display name")
    if row["hourly_rate"] is not None and row["hourly_rate"] < 0:
        raise RowError(f"the hourly rate is negative ({row['hourly_rate']})")
    country = (row["country"] or "").upper()
    located = row["latitude"] is not None and row["longitude"] is not None
    currency = (row["currency"] or "").upper()
    bio = excerpt(texts["bio"], BIO_EXCERPT_CHARS)
    content = {
        "display_name": name,
        "avatar": row["avatar"] or "",
        "bio_excerpt": bio,
        "skills": skill_list(row["skills"]),
        "categories": categories,
        "city": " ".join((row["city"] or "").split()),
        "country": country if COUNTRY.match(country) else "",
        "latitude": row["latitude"] if located else None,
        "longitude": row["longitude"] if located else None,
        "hourly_rate": row["hourly_rate"],
        "currency": currency if CURRENCY.match(currency) else "",
        "rating": row["rating_average"],
        "review_count": row["review_count"] or 0,
        "completed_contracts": row["completed_contracts_count"] or 0,
        "is_verified": bool(row["is_verified"]),
        "accepting_projects": bool(row["accepting_projects"]),
    }
    return {
        "tenant_id": company.tenant_id,
        "source_provider_id": row["id"],
        "slug": slugify(name)[:80].strip("-") or "provider",
        "synced_at": now,
        "source_updated_at": row["updated_at"],
        "content_hash": digest,
        "search_text": _search_text(name, content["skills"], categories, content["city"], bio),
        **content,
    }
