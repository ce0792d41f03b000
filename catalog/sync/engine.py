"""The sync engine: bulk per tenant (command, schedules, admin resync) and one row (change tasks).

Both read the source rows of the active tenant, copy the allowlist (catalog.sync.rows) and upsert
on the (tenant, source) unique key, so running either twice, or after a crash, leaves the same
catalog. An entry is rewritten only when its copy differs (content hash) or is older than its
source row (updated_at).

How they write: the one-row path, and the bulk path on SQLite (the embedded default), with
`bulk_create(update_conflicts=True)`. The bulk path on PostgreSQL with COPY (_copy_write): new
entries straight into the table, changed ones through a temporary table and one INSERT ... ON
CONFLICT DO UPDATE, each entry made while the server indexes the ones before it; the same rows,
and the ORM path again for a batch the database refuses (a conflict, a bad row).

Concurrency: every write happens in a transaction that first takes a share lock on the tenant row
(tenant_still_active), so it either finishes before a deactivation (whose own transaction then
deletes the entries) or waits for it and writes nothing. The one-row path also locks the source
row, so change tasks of one row apply in commit order. The bulk path does not lock 100,000 rows:
after writing it re-syncs, one by one, the entries whose source changed meanwhile ("settle").
"""

import logging
import os
import uuid
from collections import Counter, deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from itertools import repeat
from operator import itemgetter

from django.db import DatabaseError, connection, transaction
from django.db.models import BooleanField, Case, Exists, OuterRef, Value, When
from django.utils import timezone

from catalog import sanitize
from catalog.models.runs import ERROR_SAMPLES
from catalog.sync.catalogs import CATALOGS, company_of, update_fields
from catalog.sync.rows import RowError, read, source_values
from people.models import Tenant
from people.resources import bulk
from people.tenancy import current_tenant

logger = logging.getLogger("catalog.sync")

BATCH = 1000
# PostgreSQL's COPY path: each batch is one transaction (a commit, a tenant lock, a read query):
# larger batches spend less time waiting on those; 5,000 entries hold ~10 MB of text.
COPY_BATCH = 5000
DELETE_CHUNK = 500  # ids per DELETE ... IN (...): well under SQLite's parameter limit


@dataclass
class SyncResult:
    synced: int = 0
    skipped: int = 0
    removed: int = 0
    errors: int = 0
    error_samples: list = field(default_factory=list)
    details: Counter = field(default_factory=Counter)

    def error(self, catalog: str, tenant_id: int, source_id, message: str) -> None:
        self.errors += 1
        log_row_error(catalog, tenant_id, source_id, message)
        if len(self.error_samples) < ERROR_SAMPLES:
            self.error_samples.append(
                {"catalog": catalog, "tenant": tenant_id, "id": source_id, "error": message}
            )

    def add(self, other: "SyncResult") -> "SyncResult":
        for name in ("synced", "skipped", "removed", "errors"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.error_samples = (self.error_samples + other.error_samples)[:ERROR_SAMPLES]
        self.details.update(other.details)
        return self

    def line(self) -> str:
        return f"{self.synced} synced, {self.skipped} skipped, {self.removed} removed, {self.errors} errors"


def log_row_error(catalog: str, tenant_id: int, source_id, message: str) -> None:
    logger.error(
        "catalog row not copied",
        extra={"catalog": catalog, "tenant_id": tenant_id, "source_id": source_id, "error": message},
    )


class TenantDeactivated(Exception):
    """The tenant was deactivated while its catalog was being synced (its entries are gone)."""


def tenant_still_active(tenant_id: int) -> bool:
    """Is the tenant active? On PostgreSQL, also hold a share lock on its row until the commit."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT is_active FROM {Tenant._meta.db_table} WHERE id = %s FOR SHARE", [tenant_id]
            )
            found = cursor.fetchone()
        return bool(found and found[0])
    # SQLite serialises writers: the transaction's first write waits for any deactivation.
    return bool(Tenant.objects.filter(pk=tenant_id).values_list("is_active", flat=True).first())


def delete_entries(queryset) -> int:
    """DELETE in one statement. Django's delete() would load every entry and write a history row
    for each (simple-history's signal): entries are derived data, rebuilt from their sources."""
    return queryset._raw_delete(queryset.db)


def remove_tenant_entries(tenant_id: int) -> int:
    """Take every entry of a tenant off both catalogs (its deactivation)."""
    return sum(delete_entries(c.entry_model.objects.filter(tenant_id=tenant_id)) for c in CATALOGS.values())


def remove_inactive_tenants_entries() -> int:
    return sum(
        delete_entries(c.entry_model.objects.filter(tenant__is_active=False)) for c in CATALOGS.values()
    )


def _upsert(catalog, entries, result: SyncResult, tenant_id: int) -> None:
    """Write `entries` in one statement; if the database refuses the batch, row by row, so one
    bad row is reported and the others are written."""
    options = {
        "update_conflicts": True,
        "unique_fields": ["tenant", catalog.source_field],
        "update_fields": update_fields(catalog.entry_model),
    }
    try:
        with transaction.atomic():
            catalog.entry_model.objects.bulk_create(entries, **options)
        result.synced += len(entries)
        return
    except DatabaseError:
        pass
    for entry in entries:
        try:
            with transaction.atomic():
                catalog.entry_model.objects.bulk_create([entry], **options)
            result.synced += 1
        except DatabaseError as exc:
            source_id = getattr(entry, f"{catalog.source_field}_id")
            result.error(catalog.name, tenant_id, source_id, f"the database refused the entry: {exc}")


def _existing(catalog, tenant, only_ids) -> dict:
    entries = catalog.entry_model.objects.filter(tenant=tenant)
    if only_ids is not None:
        entries = entries.filter(**{f"{catalog.source_field}__in": only_ids})
    source_id = f"{catalog.source_field}_id"
    return {
        sid: (h, at) for sid, h, at in entries.values_list(source_id, "content_hash", "source_updated_at")
    }


def _source_batches(catalog, now, only_ids, size=BATCH):
    """Eligible source rows of the active tenant, `size` at a time in id order (keyset pages)."""
    sources = catalog.source_model.objects.filter(catalog.eligible(now)).order_by("pk")
    if only_ids is not None:
        sources = sources.filter(pk__in=only_ids)
    last = 0
    while True:
        batch = read(source_values(sources.filter(pk__gt=last), catalog.fields)[:size])
        if not batch:
            return
        yield batch
        last = batch[-1]["id"]


def sync_tenant(name: str, *, dry_run: bool = False, only_ids=None) -> SyncResult:
    """Bring the active tenant's entries of catalog `name` in line with its source rows.

    `only_ids` limits the work to those source ids (the admin's resync). Counts: synced =
    written, skipped = already up to date, removed = taken off; details: missing, stale,
    orphaned (what an integrity check reports).
    """
    catalog, tenant, now = CATALOGS[name], current_tenant(), timezone.now()
    result = SyncResult()
    existing = _existing(catalog, tenant, only_ids)
    company = company_of(tenant)
    seen, failed = set(), set()
    copy = not dry_run and bulk.copy_supported(catalog.entry_model.objects.db)
    pool = ThreadPoolExecutor(1, thread_name_prefix="catalog-text") if copy else None
    try:
        for batch in _source_batches(catalog, now, only_ids, COPY_BATCH if copy else BATCH):
            extras = catalog.extras([row["id"] for row in batch])
            todo = []
            for row in batch:
                seen.add(row["id"])
                digest = catalog.fingerprint(row, company, extras)
                old = existing.get(row["id"])
                if old == (digest, row["updated_at"]):
                    result.skipped += 1
                    continue
                todo.append((row, digest, "missing" if old is None else "stale"))
            if not todo:
                continue
            entries = partial(_entries, catalog, company=company, extras=extras, now=now, result=result,
                              failed=failed, pool=pool)  # fmt: skip
            if copy:
                with transaction.atomic():
                    if not tenant_still_active(tenant.pk):
                        deque(entries(todo), maxlen=0)  # counted as before, written never
                        raise TenantDeactivated
                    kinds = {kind for _row, _digest, kind in todo}
                    _copy_write(catalog, [(entries(todo, kind), kind == "stale") for kind in sorted(kinds)],
                                result, tenant.pk)  # fmt: skip
                continue
            pending = [catalog.entry_model(**values) for values in entries(todo)]
            if dry_run:
                result.synced += len(pending)
            elif pending:
                with transaction.atomic():
                    if not tenant_still_active(tenant.pk):
                        raise TenantDeactivated
                    _upsert(catalog, pending, result, tenant.pk)
        orphans = [sid for sid in existing if sid not in seen]
        result.details["orphaned"] += len(orphans)
        if dry_run:
            result.removed += len(orphans)
        else:
            result.removed += _remove_orphans(catalog, tenant, orphans, now)
            result.details["settled"] += _settle(catalog, tenant, exclude=failed)
    except TenantDeactivated:
        result.details["tenant deactivated"] += 1
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    return result


def _entries(catalog, todo, kind=None, *, company, extras, now, result, failed, pool=None):
    """The entry values of the rows in `todo` ((row, digest, kind) in id order; only those of
    `kind` when given), made one at a time. A row that cannot be copied is reported and left out.
    With a `pool`, its thread makes the rows' plain text ahead of this loop."""
    selected = todo if kind is None else [item for item in todo if item[2] == kind]
    texts = _plain_texts(catalog, selected, pool) if pool is not None else repeat(None)
    for (row, digest, row_kind), plain in zip(selected, texts, strict=False):  # texts may be endless
        try:
            values = catalog.values(row, company, extras, now, digest, plain)
        except RowError as exc:
            failed.add(row["id"])
            result.error(catalog.name, company.tenant_id, row["id"], str(exc))
            continue
        result.details[row_kind] += 1
        yield values


def _plain_texts(catalog, todo, pool):
    """plain_texts() of each row in `todo`, in order, their HTML parsed by `pool`'s thread
    ahead of the caller (catalog.sanitize.plain_texts)."""
    fields = catalog.text_fields
    texts = sanitize.plain_texts([row[name] for row, *_ in todo for name in fields], pool)
    for _item in todo:
        yield {name: next(texts) for name in fields}


def _copy_write(catalog, parts, result: SyncResult, tenant_id: int) -> None:
    """Write a batch with PostgreSQL's COPY. `parts`: (entries, upsert) pairs, entries being an
    iterator of entry values. New entries (upsert false: their source had none) go straight into
    the catalog table, changed ones into a temporary table and from there by one INSERT ... ON
    CONFLICT DO UPDATE (public_id kept). Each entry is made while the server stores and indexes
    the ones before it: the sanitising here and the index upkeep there run side by side
    instead of one after the other.

    If the database refuses a part (an entry a change task inserted meanwhile, a value it
    rejects), that part is written again by the ORM path: a conflict becomes an update, and a
    bad row is reported on its own while the others are written."""
    model = catalog.entry_model
    fields = catalog.write_fields
    row_of = itemgetter(*fields)
    public_ids = _new_public_ids()
    for entries, upsert in parts:
        made = []

        def rows(entries=entries, made=made):
            for values in entries:
                values["public_id"] = next(public_ids)
                made.append(values)
                yield row_of(values)

        try:
            with transaction.atomic():
                if upsert:
                    bulk.upsert_rows(model, fields, rows(), unique_fields=catalog.unique_fields,
                                     update_fields=update_fields(model), using=model.objects.db)  # fmt: skip
                else:
                    bulk.copy_rows(model, fields, rows(), using=model.objects.db)
        except DatabaseError:
            made.extend(entries)  # what the failed COPY had not asked for yet
            _upsert(catalog, [model(**values) for values in made], result, tenant_id)
            continue
        result.synced += len(made)


def _new_public_ids():
    """What uuid.uuid4() gives, the random bytes read 1,000 ids at a time (a system call each
    time costs more than making the id)."""
    while True:
        data = os.urandom(16 * 1000)
        for start in range(0, len(data), 16):
            yield uuid.UUID(bytes=data[start : start + 16], version=4)


def _remove_orphans(catalog, tenant, orphans, now) -> int:
    """Delete entries whose source is no longer eligible, re-checking eligibility in the DELETE
    itself: a row that became eligible again since it was read keeps its entry."""
    still_eligible = catalog.source_model.objects.filter(catalog.eligible(now)).values("pk")
    removed = 0
    for start in range(0, len(orphans), DELETE_CHUNK):
        chunk = orphans[start : start + DELETE_CHUNK]
        entries = catalog.entry_model.objects.filter(
            tenant=tenant, **{f"{catalog.source_field}__in": chunk}
        ).exclude(**{f"{catalog.source_field}__in": still_eligible})
        removed += delete_entries(entries)
    return removed


def _settle(catalog, tenant, exclude) -> int:
    """Re-sync, one by one, entries whose source row changed after the bulk read (its change task
    may have run before this sync wrote the older copy) or is gone (deleted after the read: no
    database constraint refuses the entry, catalog.models.entries). Usually none: one query."""
    field_name = catalog.source_field
    as_copied = catalog.source_model.objects.filter(
        pk=OuterRef(f"{field_name}_id"), updated_at=OuterRef("source_updated_at")
    )
    drifted = (
        catalog.entry_model.objects.filter(tenant=tenant)
        .filter(~Exists(as_copied))
        .exclude(**{f"{field_name}__in": list(exclude)})
        .values_list(f"{field_name}_id", flat=True)
    )
    settled = 0
    for source_id in list(drifted):
        sync_row(catalog.name, source_id)
        settled += 1
    return settled


def sync_row(name: str, source_id: int) -> str:
    """Bring one source row's entry in line (the change task). Returns what happened: "listed",
    "unchanged", "removed", "not listed" or "error: <why>"."""
    catalog, tenant, now = CATALOGS[name], current_tenant(), timezone.now()
    entries = catalog.entry_model.objects.filter(tenant=tenant, **{catalog.source_field: source_id})
    with transaction.atomic():
        if not tenant_still_active(tenant.pk):
            return "removed" if delete_entries(entries) else "not listed"
        source = (
            catalog.source_model.objects.select_for_update()
            .filter(pk=source_id)
            .annotate(eligible=Case(When(catalog.eligible(now), then=Value(True)), default=Value(False),
                                    output_field=BooleanField()))
        )  # fmt: skip
        row = source_values(source, catalog.fields, "eligible").first()
        if row is None or not row.pop("eligible"):
            return "removed" if delete_entries(entries) else "not listed"
        company, extras = company_of(tenant), catalog.extras([source_id])
        digest = catalog.fingerprint(row, company, extras)
        if entries.values_list("content_hash", "source_updated_at").first() == (digest, row["updated_at"]):
            return "unchanged"
        try:
            entry = catalog.build(row, company, extras, now, digest)
        except RowError as exc:
            log_row_error(name, tenant.pk, source_id, str(exc))
            return f"error: {exc}"
        result = SyncResult()
        _upsert(catalog, [entry], result, tenant.pk)
        return "listed" if result.synced else f"error: {result.error_samples[0]['error']}"


def remove_closed_jobs(now=None) -> int:
    """Take jobs past their closing time off the catalog (every tenant; global table)."""
    closed = CATALOGS["jobs"].entry_model.objects.filter(closes_at__lte=now or timezone.now())
    return delete_entries(closed)
