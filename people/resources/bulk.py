"""Bulk writes with history for the keyed imports: PostgreSQL's COPY where it can, else Django's.

`bulk_create_with_history()`, `bulk_update_with_history()` and `bulk_update()` take the same
arguments and write the same rows as simple-history's `bulk_create_with_history` /
`bulk_update_with_history` and the manager's `bulk_update()`, and fall back to them wherever COPY
cannot be used (SQLite, the embedded default; a model without an auto-incremented primary key; a
history model with fields simple-history's bulk writer would not fill either).

On PostgreSQL (psycopg 3):
- new rows get their ids from the table's sequence first (one `nextval()` query per batch), then
  the rows and their history rows ("+", the importing user) are each written by one COPY;
- changed rows are copied into a temporary table and written by one `UPDATE ... FROM` per batch
  (Django's bulk_update builds one CASE WHEN per row and column, which grows with the square of
  the batch), then their history rows ("~") by one COPY.
Everything runs in the caller's transaction: a rollback removes rows and history rows alike.

Like Django's bulk_create/bulk_update, nothing here calls save() or sends signals. Tenant-owned
rows get what `TenantOwnedManager.bulk_create` does (tenant from the context, no foreign key to
another tenant's row), and changed rows are refused unless they belong to the active tenant.
"""

from __future__ import annotations

import itertools
import json
import uuid
from datetime import date, datetime
from decimal import Decimal
from json.encoder import encode_basestring_ascii
from operator import attrgetter, itemgetter

from django.conf import settings
from django.db import connections, models, router, transaction
from django.db.models.fields import AutoFieldMixin
from django.db.models.fields.files import FieldFile, FileDescriptor
from django.utils import timezone
from simple_history import utils as history_utils

DEFAULT_BATCH = 1000
_temp_names = itertools.count(1)


# --- entry points ------------------------------------------------------------------------------------
def bulk_create_with_history(
    objs, model, *, batch_size=None, default_user=None, default_change_reason=None, default_date=None
):
    """Insert `objs` (new instances of `model`) and one "+" history row each; returns `objs`, with
    their ids set."""
    objs = list(objs)
    using = router.db_for_write(model)
    if not objs:
        return objs
    if not _copy_supported(model, using, create=True):
        return history_utils.bulk_create_with_history(
            objs,
            model,
            batch_size=batch_size,
            default_user=default_user,
            default_change_reason=default_change_reason,
            default_date=default_date,
        )
    connection = connections[using]
    plan = _TablePlan(model, connection)
    history = _history(model, connection, plan)
    with transaction.atomic(using=using, savepoint=False):
        for batch in _batches(objs, batch_size):
            _prepare_new(batch, model, connection)
            values, rows = [], []

            def table_rows(batch=batch, values=values, rows=rows):
                # Each row is made while COPY sends the ones before it: the server stores rows while
                # the next ones are made, instead of waiting for the whole batch.
                for obj_values in plan.values(batch, add=True):
                    values.append(obj_values)
                    rows.append(plan.row(obj_values))
                    yield rows[-1]

            with connection.cursor() as cursor:
                _copy(cursor, plan.table, plan.columns, table_rows())
                if history is not None:
                    history_rows = history.rows(
                        batch, values, rows, "+", default_user, default_change_reason, default_date
                    )
                    _copy(cursor, history.table, history.columns, history_rows)
    return objs


def bulk_update_with_history(
    objs, model, fields, *, batch_size=None, default_user=None, default_change_reason=None, default_date=None
):
    """Write `fields` of `objs` (stored instances of `model`) and one "~" history row each; returns
    the number of rows updated."""
    objs = list(objs)
    using = router.db_for_write(model)
    if not objs:
        return 0
    if not _copy_supported(model, using, create=False):
        return history_utils.bulk_update_with_history(
            objs,
            model,
            fields,
            batch_size=batch_size,
            default_user=default_user,
            default_change_reason=default_change_reason,
            default_date=default_date,
        )
    connection = connections[using]
    plan = _TablePlan(model, connection)
    history = _history(model, connection, plan)
    updated = 0
    with transaction.atomic(using=using, savepoint=False):
        for batch in _batches(objs, batch_size):
            with connection.cursor() as cursor:
                updated += _update_rows(cursor, model, connection, batch, fields) if fields else 0
                if history is not None:
                    values = list(plan.values(batch))
                    rows = [plan.row(obj_values) for obj_values in values]
                    history_rows = history.rows(
                        batch, values, rows, "~", default_user, default_change_reason, default_date
                    )
                    _copy(cursor, history.table, history.columns, history_rows)
    return updated


def bulk_update(objs, model, fields, *, batch_size=None):
    """`model.objects.bulk_update(objs, fields)` without history; one UPDATE ... FROM per batch on
    PostgreSQL."""
    objs = list(objs)
    using = router.db_for_write(model)
    if not objs or not fields:
        return 0
    if not _copy_supported(model, using, create=False, history=False):
        return model._default_manager.bulk_update(objs, fields, batch_size=batch_size)
    connection = connections[using]
    updated = 0
    with transaction.atomic(using=using, savepoint=False):
        for batch in _batches(objs, batch_size):
            with connection.cursor() as cursor:
                updated += _update_rows(cursor, model, connection, batch, fields)
    return updated


# --- plain rows: values without instances or history (global, derived tables) --------------------------------
def copy_supported(using="default") -> bool:
    """Whether `copy_rows()` and `upsert_rows()` can run on database `using` (PostgreSQL, psycopg 3)."""
    from django.db.backends.postgresql.psycopg_any import is_psycopg3

    return connections[using].vendor == "postgresql" and is_psycopg3


def copy_rows(model, fields, rows, *, using="default") -> None:
    """COPY `rows` into `model`'s table, each a sequence of values in the order of `fields` (field
    names), as the instance attributes would hold them (a foreign key's id). Values are converted
    as `field.get_db_prep_save()` converts them; nothing else runs (no save(), no signals, no
    history, no defaults for the listed fields). `rows` may be a generator: each row is made while
    the server stores the ones before it. Database errors are Django's (IntegrityError...), as
    the ORM raises them. PostgreSQL only (see copy_supported())."""
    connection = connections[using]
    plan = _values_plan(model, fields, connection)
    with connection.cursor() as cursor, connection.wrap_database_errors:
        _copy(cursor, plan.table, plan.columns, map(plan.row, rows))


def upsert_rows(model, fields, rows, *, unique_fields, update_fields, using="default") -> int:
    """`INSERT ... ON CONFLICT (unique_fields) DO UPDATE SET update_fields` of `rows` (as in
    copy_rows()) in one statement: the rows are copied into a temporary table first. Writes what
    `bulk_create(update_conflicts=True, ...)` writes; returns the number of rows inserted or
    updated. PostgreSQL only."""
    connection = connections[using]
    plan = _values_plan(model, fields, connection)
    opts, quote = model._meta, connection.ops.quote_name
    unique = ", ".join(quote(opts.get_field(name).column) for name in unique_fields)
    assignments = ", ".join(
        f"{column} = EXCLUDED.{column}" for column in (quote(opts.get_field(n).column) for n in update_fields)
    )
    temp = quote(f"_bulk_upsert_{next(_temp_names)}")
    with connection.cursor() as cursor, connection.wrap_database_errors:
        cursor.execute(f"CREATE TEMPORARY TABLE {temp} AS SELECT {plan.columns} FROM {plan.table} LIMIT 0")
        _copy(cursor, temp, plan.columns, map(plan.row, rows))
        cursor.execute(
            f"INSERT INTO {plan.table} ({plan.columns}) SELECT {plan.columns} FROM {temp} "
            f"ON CONFLICT ({unique}) DO UPDATE SET {assignments}"
        )
        written = cursor.rowcount
        # On an error the caller's transaction rolls back, and the temporary table with it.
        cursor.execute(f"DROP TABLE {temp}")
    return written


def _values_plan(model, fields, connection) -> _TablePlan:
    if hasattr(model, "assign_tenant"):
        # Tenant-owned rows need the tenant checks of bulk_create_with_history() and history rows.
        raise TypeError(f"{model._meta.label} is tenant-owned: use bulk_create_with_history()")
    return _TablePlan(model, connection, [model._meta.get_field(name) for name in fields])


# --- when COPY is used ---------------------------------------------------------------------------------
def _copy_supported(model, using, *, create, history=True) -> bool:
    connection = connections[using]
    if connection.vendor != "postgresql":
        return False
    from django.db.backends.postgresql.psycopg_any import is_psycopg3

    if not is_psycopg3 or model._meta.parents or model._meta.pk is None:
        return False
    if create and not isinstance(model._meta.pk, AutoFieldMixin):
        return False
    if any(f.db_default is not models.NOT_PROVIDED for f in model._meta.concrete_fields):
        return False  # a database default is an expression, which COPY cannot write
    return (
        not (history and getattr(settings, "SIMPLE_HISTORY_ENABLED", True))
        or _history(model, connection) is not None
    )


def _history(model, connection, plan=None):
    if not getattr(settings, "SIMPLE_HISTORY_ENABLED", True):
        return None
    return _HistoryPlan.build(model, connection, plan or _TablePlan(model, connection))


def _batches(objs, batch_size):
    size = batch_size or DEFAULT_BATCH
    for start in range(0, len(objs), size):
        yield objs[start : start + size]


# --- values as COPY takes them -------------------------------------------------------------------------
_INTEGER_FIELDS = (
    models.IntegerField,
    models.BigIntegerField,
    models.SmallIntegerField,
    models.PositiveIntegerField,
    models.PositiveBigIntegerField,
    models.PositiveSmallIntegerField,
    models.AutoField,
    models.BigAutoField,
    models.SmallAutoField,
)
_TEXT_FIELDS = (models.CharField, models.TextField, models.SlugField, models.URLField, models.EmailField)


def _json_text_list(value):
    """json.dumps(value) for a list of text (tags, skills), about 4 times faster; else None."""
    if type(value) is list and all(type(item) is str for item in value):
        return "[" + ", ".join(map(encode_basestring_ascii, value)) + "]"
    return None


def _iso(value):
    return value.isoformat()


def _converter(field, connection):
    """(kind, function): attribute value -> what COPY writes, the same value that
    `field.get_db_prep_save()` gives the database.

    Django's own conversion costs a few calls per value; for the common field classes and value
    types it is the identity, or ISO text for dates and moments (psycopg formats those in Python,
    ISO text costs a third), so Django's is used for everything else only. Two fields of the same
    kind (not None) convert a value alike.
    """

    def slow(value):
        return field.get_db_prep_save(value, connection)

    def plain(kind, python_type, text=None):
        if text is None:
            return kind, lambda value: value if value is None or type(value) is python_type else slow(value)
        return (
            kind,
            lambda value: (
                None if value is None else text(value) if type(value) is python_type else slow(value)
            ),
        )

    if field.is_relation:
        target = field.target_field
        while target.is_relation:
            target = target.target_field
        return plain("int", int) if type(target) in _INTEGER_FIELDS else (None, slow)
    cls = type(field)
    if cls is models.DateTimeField:
        last = [None, None]  # the moment converted last (an auto_now moment is one per batch)

        def moment(value):
            if value is last[0]:
                return last[1]
            if value is None:
                return None
            text = value.isoformat() if type(value) is datetime and value.tzinfo is not None else slow(value)
            last[0], last[1] = value, text
            return text

        return "moment", moment
    if cls is models.DateField:
        return plain("date", date, _iso)
    if cls is models.FileField:  # a FieldFile is stored as its name, as str() gives it; a name as is
        return (
            "text",
            lambda value: (
                value
                if value is None or type(value) is str
                else str(value)
                if type(value) is FieldFile
                else slow(value)
            ),
        )
    if cls is models.DecimalField:  # Django's is Decimal(value), refusing what is not finite
        return (
            "decimal",
            lambda value: (
                value if value is None or (type(value) is Decimal and value.is_finite()) else slow(value)
            ),
        )
    if cls is models.UUIDField and connection.features.has_native_uuid_field:
        return plain("uuid", uuid.UUID)
    if cls is models.JSONField and field.encoder is None:
        return (
            "json",
            lambda value: (
                _json_text_list(value) or (json.dumps(value) if type(value) in (list, dict) else slow(value))
            ),
        )
    if cls in _INTEGER_FIELDS:
        return plain("int", int)
    if cls in _TEXT_FIELDS:
        return plain("text", str)
    if cls is models.BooleanField:
        return plain("bool", bool)
    return None, slow


_UNREAD = object()


def _auto_now(field):
    """ "moment" or "day" for a Django date or moment field set on save (auto_now, auto_now_add);
    "file" for a Django file field (whose stored name needs no pre_save())."""
    if type(field) in (models.DateField, models.DateTimeField) and (field.auto_now or field.auto_now_add):
        return "moment" if type(field) is models.DateTimeField else "day"
    if type(field) is models.FileField and type(field.model.__dict__.get(field.attname)) is FileDescriptor:
        return "file"
    return None


def _needs_pre_save(field) -> bool:
    """Whether `field.pre_save()` may give another value than the attribute (auto_now, files)."""
    cls = type(field)
    if cls.pre_save is models.Field.pre_save:
        return False
    return not (
        cls in (models.DateField, models.DateTimeField) and not (field.auto_now or field.auto_now_add)
    )


class _TablePlan:
    """Columns of a model's table, and how to read each from an instance."""

    def __init__(self, model, connection, fields=None):
        quote = connection.ops.quote_name
        self.fields = list(fields if fields is not None else model._meta.concrete_fields)
        self.table = quote(model._meta.db_table)
        self.columns = ", ".join(quote(f.column) for f in self.fields)
        self.attnames = [f.attname for f in self.fields]
        converters = [_converter(f, connection) for f in self.fields]
        self.kinds = [kind for kind, _ in converters]
        self.convert = [convert for _, convert in converters]
        # Only fields that change a value on save (auto_now, files...) need pre_save(); Django's
        # bulk_update() calls none. An auto_now(_add) moment is the same for a whole batch.
        self.pre_save = [(i, f, _auto_now(f)) for i, f in enumerate(self.fields) if _needs_pre_save(f)]
        saved = {i for i, _, _ in self.pre_save}
        self.read = attrgetter(*self.attnames, "_state")  # one more: a tuple even for a single field
        self.read_saved = attrgetter(
            *("_state" if i in saved else a for i, a in enumerate(self.attnames)), "_state"
        )

    def values(self, objs, add=None):
        """Each instance's values, as Django's bulk_create (add=True) or bulk_update() (add=None)
        would write them (before conversion), one list per instance."""
        pre_save = self.pre_save if add is not None else ()
        # One C call reads every attribute; one that pre_save() gives is read there, not twice.
        read = self.read_saved if pre_save else self.read
        now = {"moment": timezone.now(), "day": date.today()} if pre_save else {}
        for obj in objs:
            values = list(read(obj))
            values.pop()  # the "_state" read to make a tuple
            for i, field, auto in pre_save:
                if auto == "file":
                    # No file, or one already stored: pre_save() would only wrap the name in a
                    # FieldFile (which COPY writes as its name, "" for none).
                    name = obj.__dict__.get(field.attname, _UNREAD)
                    values[i] = (
                        "" if name is None else name if type(name) is str else field.pre_save(obj, add)
                    )
                elif auto is None:
                    values[i] = field.pre_save(obj, add)
                elif field.auto_now or add:  # what DateField.pre_save() sets
                    values[i] = now[auto]
                    setattr(obj, field.attname, values[i])
                else:
                    values[i] = getattr(obj, field.attname)
            yield values

    def row(self, values):
        return [convert(value) for convert, value in zip(self.convert, values, strict=True)]


def _copy(cursor, table, columns, rows):
    with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


# --- new rows ----------------------------------------------------------------------------------------------
def _prepare_new(objs, model, connection):
    """What Model.save() / bulk_create do before an INSERT: tenant checks, related ids, primary
    keys (from the table's sequence here, so history rows and callers see them at once)."""
    if hasattr(model, "assign_tenant"):
        for obj in objs:
            obj.assign_tenant()
        _check_related_tenants(objs, model)
    relations = [f for f in model._meta.concrete_fields if f.is_relation]
    private = bool(model._meta.private_fields)
    for obj in objs:
        if private or any(_related_needs_care(obj, field) for field in relations):
            obj._prepare_related_fields_for_save(operation_name="bulk_create")
    missing = [obj for obj in objs if obj.pk is None]
    if missing:
        table, pk = connection.ops.quote_name(model._meta.db_table), model._meta.pk.column
        with connection.cursor() as cursor:
            # The sequence's name first: pg_get_serial_sequence() in the next query would run per row.
            cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [table, pk])
            sequence = cursor.fetchone()[0]
            cursor.execute(
                "SELECT nextval(%s::regclass) FROM generate_series(1, %s)", [sequence, len(missing)]
            )
            ids = sorted(row[0] for row in cursor.fetchall())
        for obj, pk_value in zip(missing, ids, strict=True):
            obj.pk = pk_value
    for obj in objs:
        obj._state.adding = False
        obj._state.db = connection.alias


def _related_needs_care(obj, field) -> bool:
    """Whether Model._prepare_related_fields_for_save() has anything to do for this foreign key:
    a related object is cached and its id is not the one the row holds (unsaved, or changed)."""
    if not field.is_cached(obj):
        return False
    related = field.get_cached_value(obj)
    if related is None:
        return False
    value = getattr(obj, field.attname)
    return value is None or getattr(related, field.target_field.attname) != value


def _check_related_tenants(objs, model):
    """TenantOwned.check_related_tenants() for many rows: one query per foreign key and batch
    for the related rows that are not loaded, instead of one per row."""
    from people.tenancy import TenantMismatch, is_tenant_owned

    for field in model._meta.concrete_fields:
        if not field.is_relation or field.name == "tenant" or not is_tenant_owned(field.related_model):
            continue
        unloaded = {}
        for obj in objs:
            value = getattr(obj, field.attname)
            if value is None:
                continue
            if field.is_cached(obj):
                related_tenant_id = getattr(field.get_cached_value(obj), "tenant_id", None)
                if related_tenant_id is not None and related_tenant_id != obj.tenant_id:
                    _refuse(obj, field, TenantMismatch)
            else:
                unloaded.setdefault(value, []).append(obj)
        if unloaded:
            target = field.target_field.attname
            tenants = dict(
                field.related_model._base_manager.filter(**{f"{target}__in": list(unloaded)}).values_list(
                    target, "tenant_id"
                )
            )
            for value, owners in unloaded.items():
                for obj in owners:
                    if tenants.get(value) is not None and tenants[value] != obj.tenant_id:
                        _refuse(obj, field, TenantMismatch)


def _refuse(obj, field, error):
    raise error(
        f"{obj._meta.label}.{field.name} points at a {field.related_model._meta.label} of another tenant."
    )


# --- changed rows ------------------------------------------------------------------------------------------
def _update_rows(cursor, model, connection, objs, field_names) -> int:
    opts = model._meta
    fields = [opts.get_field(name) for name in field_names]
    if any(not f.concrete or f.many_to_many or f.primary_key for f in fields):
        raise ValueError("bulk_update() can only update concrete, non-primary-key fields.")
    tenant_owned = hasattr(model, "assign_tenant")
    for obj in objs:
        if obj.pk is None:
            raise ValueError("All bulk_update() objects must have a primary key set.")
        if tenant_owned:
            obj.assign_tenant()  # refuses another tenant's row
        obj._prepare_related_fields_for_save(operation_name="bulk_update", fields=fields)
    plan = _TablePlan(model, connection, [opts.pk, *fields])
    quote = connection.ops.quote_name
    temp = quote(f"_bulk_update_{next(_temp_names)}")
    cursor.execute(f"CREATE TEMPORARY TABLE {temp} AS SELECT {plan.columns} FROM {plan.table} LIMIT 0")
    _copy(cursor, temp, plan.columns, [plan.row(values) for values in plan.values(objs)])
    assignments = ", ".join(f"{quote(f.column)} = s.{quote(f.column)}" for f in fields)
    pk = quote(opts.pk.column)
    cursor.execute(f"UPDATE {plan.table} AS t SET {assignments} FROM {temp} AS s WHERE t.{pk} = s.{pk}")
    updated = cursor.rowcount
    # On an error the caller's transaction rolls back, and the temporary table with it.
    cursor.execute(f"DROP TABLE {temp}")
    return updated


# --- history rows ------------------------------------------------------------------------------------------
class _HistoryPlan:
    """The history table's columns: the tracked fields as the instance's row has them, then
    history_date, history_change_reason, history_type and history_user, filled as simple-history's
    `bulk_history_create()` fills them."""

    EXTRA = ("history_date", "history_change_reason", "history_type", "history_user")

    def __init__(self, history_model, connection, plan):
        quote = connection.ops.quote_name
        self.history_model = history_model
        tracked = {f.attname for f in history_model.tracked_fields}
        fields = [f for f in history_model._meta.concrete_fields if f.attname in tracked]
        self.table = quote(history_model._meta.db_table)
        extra = [history_model._meta.get_field(name) for name in self.EXTRA]
        self.columns = ", ".join(quote(f.column) for f in [*fields, *extra])
        # Each tracked column from the instance's value at the same place of the table's row,
        # converted already when both columns convert alike.
        self.sources = []
        for field in fields:
            index = plan.attnames.index(field.attname)
            kind, convert = _converter(field, connection)
            self.sources.append((index, kind is not None and kind == plan.kinds[index], convert))
        self.convert_date = _converter(extra[0], connection)[1]
        # The table row's values in the history's order (one C call), then the others converted.
        self.take = itemgetter(*(index for index, _, _ in self.sources), 0)
        self.others = [
            (at, index, convert) for at, (index, same, convert) in enumerate(self.sources) if not same
        ]

    @classmethod
    def build(cls, model, connection, plan):
        try:
            history_model = history_utils.get_history_model_for_model(model)
        except Exception:  # not a model with history
            return None
        if hasattr(history_model, "history_relation"):
            return None
        opts = history_model._meta
        tracked = {f.attname for f in history_model.tracked_fields}
        if not (opts.pk.name == "history_id" and isinstance(opts.pk, AutoFieldMixin)):
            return None
        user = next((f for f in opts.concrete_fields if f.name == "history_user"), None)
        if not isinstance(user, models.ForeignKey):
            return None
        known = tracked | {
            "history_id",
            "history_date",
            "history_change_reason",
            "history_type",
            user.attname,
        }
        if {f.attname for f in opts.concrete_fields} != known or not tracked <= set(plan.attnames):
            return None  # fields simple-history fills otherwise, or that we would not know how to fill
        return cls(history_model, connection, plan)

    def rows(self, objs, values, rows, history_type, default_user, default_change_reason, default_date):
        """One history row per instance, from its `values` and its table row `rows`."""
        history_model = self.history_model
        now = default_date or timezone.now()
        for obj, obj_values, row in zip(objs, values, rows, strict=True):
            history = list(self.take(row))
            history.pop()  # the extra item that makes take() return a tuple
            for at, index, convert in self.others:
                history[at] = convert(obj_values[index])
            user = getattr(obj, "_history_user", default_user or history_model.get_default_history_user(obj))
            history.append(self.convert_date(getattr(obj, "_history_date", now)))
            history.append(getattr(obj, "_change_reason", None) or default_change_reason)
            history.append(history_type)
            history.append(getattr(user, "pk", user))
            yield history
