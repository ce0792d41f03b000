"""What a catalog entry holds: eligibility rules and the allowlist copy from a source row.

Only the columns listed in JOB_FIELDS / PROVIDER_FIELDS are read from the source tables, so a
field that is not on the allowlist (a recruiter, a hiring manager, a provider's legal name or
staff account, anything added to the source models later) cannot reach a catalog. Free text is
reduced to plain text without e-mail addresses (catalog.sanitize).

A source row that cannot be copied raises RowError with a message a person can act on; the sync
records it and goes on with the other rows.
"""

import hashlib
import re
from dataclasses import astuple, dataclass

from django.db.models import Q
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
PROVIDER_FIELDS = (
    "id", "updated_at", "display_name", "bio", "skills", "avatar", "city", "country", "latitude",
    "longitude", "hourly_rate", "currency", "rating_average", "review_count",
    "completed_contracts_count", "is_verified", "accepting_projects",
)  # fmt: skip
# Search covers the description's opening (where an ad says what the job is): PostgreSQL builds the
# tsvector of every written entry, and its cost grows with the text (whole descriptions: ~4x).
SEARCH_DESCRIPTION_CHARS = 500
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
COPY_RULES_VERSION = 1


def fingerprint(row: dict, company: Company, extra=None) -> str:
    """Digest of everything an entry is copied from: the source row's allowlisted values (its
    updated_at aside, compared on its own), the tenant's part and the copy rules. Equal digests
    mean an equal entry, so the sync skips the row without sanitising anything."""
    # repr() of str, int, Decimal, datetime, bool, None, list and dict values is exact and stable.
    inputs = (
        COPY_RULES_VERSION,
        astuple(company),
        extra,
        [(k, v) for k, v in row.items() if k != "updated_at"],
    )
    return hashlib.blake2b(repr(inputs).encode(), digest_size=16).hexdigest()


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
    description = plain_text(row["description"])
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
        "requirements": plain_text(row["requirements"]),
        "published_at": row["published_at"] or row["created_at"],
        "closes_at": row["closes_at"],
    }
    return PublicJobCatalog(
        tenant_id=company.tenant_id,
        source_job_id=row["id"],
        slug=slugify(title)[:80].strip("-") or "job",
        synced_at=now,
        source_updated_at=row["updated_at"],
        content_hash=digest,
        search_text=_search_text(
            title,
            company.name,
            content["location"],
            content["category"],
            content["skills"],
            description[:SEARCH_DESCRIPTION_CHARS],
        ),  # fmt: skip
        **content,
    )


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
    name = " ".join((row["display_name"] or "").split())
    if not name:
        raise RowError("the provider has no display name")
    if row["hourly_rate"] is not None and row["hourly_rate"] < 0:
        raise RowError(f"the hourly rate is negative ({row['hourly_rate']})")
    country = (row["country"] or "").upper()
    located = row["latitude"] is not None and row["longitude"] is not None
    currency = (row["currency"] or "").upper()
    bio = excerpt(plain_text(row["bio"]), BIO_EXCERPT_CHARS)
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
    return PublicProviderCatalog(
        tenant_id=company.tenant_id,
        source_provider_id=row["id"],
        slug=slugify(name)[:80].strip("-") or "provider",
        synced_at=now,
        source_updated_at=row["updated_at"],
        content_hash=digest,
        search_text=_search_text(name, content["skills"], categories, content["city"], bio),
        **content,
    )
