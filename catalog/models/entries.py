"""The public catalogs: one row per published job and per listed provider, across all tenants.

GLOBAL BY DESIGN (plain models.Model, not TenantOwned): the public /careers/ and
/browse-freelancers/ pages list every tenant's entries in one paginated, searchable query, with
no tenant active. Safety comes from what a row may hold, not from scoping: the sync copies an
allowlist of public fields (catalog.sync.rows), never candidate data, e-mail addresses, staff
accounts or internal notes, and descriptions are reduced to plain text.

Each row points at its tenant and its source row (the only global->tenant references the design
allows); (tenant, source) is unique, so a sync is an idempotent upsert. Entries are derived data:
deleting the source through the ORM deletes the entry (CASCADE, as Django does it), and
`content_hash` / `source_updated_at` let the integrity check find stale entries.

The source reference has no foreign key constraint in the database (SOURCE_REFERENCE). PostgreSQL
checks a foreign key by locking the referenced row (FOR KEY SHARE) for every row written. That
lock is written to the source row itself: each entry the sync wrote dirtied its job's page in the
tenant's own table and logged it to the WAL, a full page image after every checkpoint (a quarter
of the sync's WAL, measured). A source deleted without the ORM (or between a bulk sync's read and
its write) leaves an entry pointing nowhere; the bulk sync's settle step and the integrity
schedule take it off, and the pages never show it (an application re-reads the job).

Search: `search_text` is plain text on both engines. On PostgreSQL, migration 0003 adds a stored
generated column `search_document` (to_tsvector('simple', search_text)) with a GIN index, which
catalog.selectors.search queries; it is not a model field, so Django never writes it. On SQLite a
search is an icontains over search_text.
"""

import uuid

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from marketplace.models import ServiceProvider
from people.models import EmploymentType
from recruiting.models import JobPosting, RemotePolicy

MONEY = {"max_digits": 14, "decimal_places": 2}
# The source row of an entry: cascaded by the ORM, no database constraint (see the docstring).
SOURCE_REFERENCE = {
    "on_delete": models.CASCADE,
    "related_name": "+",
    "editable": False,
    "db_constraint": False,
}
COORDINATE = {"max_digits": 9, "decimal_places": 6}


class CatalogEntry(models.Model):
    """Fields every public entry has: owner, public identity and sync bookkeeping."""

    # No index of its own: the (tenant, source) unique index serves every per-tenant lookup.
    tenant = models.ForeignKey(
        "people.Tenant", on_delete=models.CASCADE, related_name="+", editable=False, db_index=False
    )
    # Public URLs use these, never the sequential id. The UUID is kept when an entry is updated.
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    slug = models.SlugField(max_length=80, db_index=False)  # for readable URLs; found by public_id
    synced_at = models.DateTimeField(_("synced at"))
    source_updated_at = models.DateTimeField(help_text=_("The source row's updated_at when copied."))
    content_hash = models.CharField(max_length=32, help_text=_("Digest of the copied fields."))
    search_text = models.TextField(blank=True, help_text=_("Plain text the public search matches."))

    # Derived data, written by bulk upserts (which write no history rows); the history of an
    # entry is its source row's history plus the CatalogSyncRun rows.
    history = HistoricalRecords(inherit=True)

    class Meta:
        abstract = True


class PublicJobCatalog(CatalogEntry):
    source_job = models.ForeignKey(JobPosting, **SOURCE_REFERENCE)
    title = models.CharField(_("title"), max_length=200)
    company_name = models.CharField(_("company"), max_length=200)
    company_logo = models.FileField(_("logo"), max_length=255, blank=True)
    location = models.CharField(_("location"), max_length=120, blank=True)
    remote_policy = models.CharField(max_length=20, choices=RemotePolicy.choices)
    employment_type = models.CharField(max_length=20, choices=EmploymentType.choices)
    category = models.CharField(_("category"), max_length=80, blank=True)
    # Only when the tenant chose to publish salaries (CatalogSettings.publish_salaries).
    salary_min = models.DecimalField(_("salary from"), **MONEY, null=True, blank=True)
    salary_max = models.DecimalField(_("salary to"), **MONEY, null=True, blank=True)
    salary_currency = models.CharField(_("currency"), max_length=3, blank=True)
    skills = models.JSONField(_("skills"), default=list, blank=True)
    description = models.TextField(_("description"), blank=True, help_text=_("Plain text."))
    requirements = models.TextField(_("requirements"), blank=True, help_text=_("Plain text."))
    published_at = models.DateTimeField(_("published at"))
    closes_at = models.DateTimeField(_("closes at"), null=True, blank=True)

    class Meta:
        verbose_name = _("public job")
        verbose_name_plural = _("public job catalog")
        ordering = ["-published_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "source_job"], name="catalog_job_unique_source"),
        ]
        # The careers page filters across tenants and orders by newest first: category and
        # location (dozens of values each) lead an index that ends with the order, so a filtered
        # page reads in order. The remote policy (3 values) and employment type (5) have none: a
        # third or a fifth of the newest entries match, so the newest-first index filtered on
        # them is as quick, and an index of theirs made plans AND a bitmap of 40,000 rows into a
        # search (~17 ms at 200,000 entries) and cost every sync write two more index entries.
        indexes = [
            models.Index(fields=["-published_at", "-id"], name="catalog_job_newest"),
            models.Index(fields=["category", "-published_at"], name="catalog_job_category"),
            models.Index(fields=["location", "-published_at"], name="catalog_job_location"),
            models.Index(
                fields=["closes_at"], name="catalog_job_closes", condition=Q(closes_at__isnull=False)
            ),
        ]

    def __str__(self):
        return f"{self.title} — {self.company_name}"


class PublicProviderCatalog(CatalogEntry):
    source_provider = models.ForeignKey(ServiceProvider, **SOURCE_REFERENCE)
    display_name = models.CharField(_("name"), max_length=200)
    avatar = models.FileField(_("avatar"), max_length=255, blank=True)
    bio_excerpt = models.TextField(_("bio"), blank=True, help_text=_("Plain text, at most 300 characters."))
    skills = models.JSONField(_("skills"), default=list, blank=True)
    categories = models.JSONField(_("categories"), default=list, blank=True)
    city = models.CharField(_("city"), max_length=120, blank=True)
    country = models.CharField(_("country"), max_length=2, blank=True)
    latitude = models.DecimalField(**COORDINATE, null=True, blank=True)
    longitude = models.DecimalField(**COORDINATE, null=True, blank=True)
    hourly_rate = models.DecimalField(_("hourly rate"), **MONEY, null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, blank=True)
    rating = models.DecimalField(_("rating"), max_digits=3, decimal_places=2, null=True, blank=True)
    review_count = models.PositiveIntegerField(_("reviews"), default=0)
    completed_contracts = models.PositiveIntegerField(_("completed contracts"), default=0)
    is_verified = models.BooleanField(_("verified"), default=False)
    accepting_projects = models.BooleanField(_("accepting projects"), default=True)

    class Meta:
        verbose_name = _("public provider")
        verbose_name_plural = _("public provider catalog")
        # Unrated providers last on both engines (PostgreSQL puts NULL first in a descending order).
        ordering = [F("rating").desc(nulls_last=True), "-review_count", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "source_provider"], name="catalog_provider_unique_source"
            ),
            models.CheckConstraint(
                condition=Q(hourly_rate__isnull=True) | Q(hourly_rate__gte=0),
                name="catalog_provider_rate_not_negative",
            ),
        ]
        # Filters of the provider page (city/country, verified, available), each ending with the
        # default order (best rated first); categories get a GIN index on PostgreSQL (0002).
        # SQLite sorts NULL last in a descending index already; on PostgreSQL migration 0004
        # rebuilds the three rating indexes with NULLS LAST (SQLite cannot declare it).
        indexes = [
            models.Index(fields=["-rating", "-review_count", "id"], name="catalog_provider_best"),
            models.Index(fields=["country", "city"], name="catalog_provider_place"),
            models.Index(fields=["city"], name="catalog_provider_city"),
            models.Index(fields=["is_verified", "-rating"], name="catalog_provider_verified"),
            models.Index(fields=["accepting_projects", "-rating"], name="catalog_provider_accepting"),
        ]

    def __str__(self):
        return self.display_name
