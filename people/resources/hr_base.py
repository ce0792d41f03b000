"""Widgets, loader and the shared base of the HR imports: lookups by name or number cached per
import, errors keyed by column."""

import logging
import re
from copy import copy
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import cached_property, partial

from django.core import validators
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import connections, models
from django.db.models.fields import NOT_PROVIDED
from django.db.models.fields.files import FileDescriptor
from django.utils import timezone
from django.utils.encoding import force_str
from import_export import fields, resources, widgets
from import_export.instance_loaders import ModelInstanceLoader
from import_export.results import RowResult

from people.reports import FORMULA_TRIGGERS
from people.resources import bulk
from people.resources.base import TenantResource

# --- HR imports (departments, employees, holidays, opening balances) -------------------------
#
# `HRResource` adds to TenantResource what HR files need, once for all of them:
# - foreign keys by a natural key (a department's name, an employee's number), looked up through
#   the related model's scoped default manager (another tenant's rows are never found). Every value
#   of a column is fetched before the first row, one query per 500 values, so a 2,000-row file
#   runs a handful of lookup queries instead of one per row and column (`KeyedLookupWidget`);
# - the rows a file updates are found with one query, not one per row (`KeyedInstanceLoader`);
# - a key that appears twice in one file is an error on its second row;
# - every error is keyed by, and names, the file's column;
# - a foreign key to the same model (a department's parent, an employee's manager) may name a row
#   further down the file. Such a row is saved without the link, and the link is set in
#   `after_import()`, once every row is saved, and checked with the model's clean() (cycles). A
#   link that fails there turns its row into an invalid row, so the whole file rolls back like for
#   any other bad row. We chose this over reordering the file (rows would be reported under the
#   wrong numbers) and over two full passes (every row would be validated and saved twice).

LOOKUP_CHUNK = 500
logger = logging.getLogger("import_export.resources")  # row errors are logged where import-export logs them


def as_text(value) -> str:
    """A cell as trimmed text; an XLSX number cell 1001.0 reads as "1001", and the quote our CSV
    exports put before text that starts like a formula ("'+49 30...") is dropped."""
    if type(value) is str:  # a CSV cell: the common case, without the checks below
        text = value.strip()
    elif value is None:
        return ""
    else:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        text = str(value).strip()
    if text[:1] == "'" and text[1:2] and text[1] in FORMULA_TRIGGERS:
        return text[1:]
    return text


def chunked(values, size=LOOKUP_CHUNK):
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start : start + size]


#: Values per lookup query on PostgreSQL, where they travel as one array parameter.
ARRAY_CHUNK = 20_000


class _AnyOf(models.Lookup):
    """`<column> = ANY(%s)`, the values as one array (not registered on any field: see where_in)."""

    lookup_name = "any_of"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        values = list(self.rhs)
        if all(type(value) is str for value in values):
            # Text (e-mails, names, phones) as one array literal: psycopg would adapt the values
            # one by one, which costs 4 times more than the lookup.
            return f"{lhs} = ANY(%s::text[])", (*lhs_params, _text_array(values))
        return f"{lhs} = ANY(%s)", (*lhs_params, values)


def _text_array(values) -> str:
    """PostgreSQL's literal of a text array: each value in double quotes, \\ and " escaped."""
    return "{" + ",".join('"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"' for v in values) + "}"


def in_chunks(queryset, values):
    """`values` in chunks of as many as one lookup query of `queryset` should take."""
    postgres = connections[queryset.db].vendor == "postgresql"
    return chunked(values, ARRAY_CHUNK if postgres else LOOKUP_CHUNK)


def where_in(queryset, name, values):
    """`queryset.filter(<name>__in=values)`; on PostgreSQL as `= ANY(array)`, one parameter
    however many values (500 values as 500 parameters cost more to send than to look up)."""
    if connections[queryset.db].vendor == "postgresql":
        return queryset.filter(_AnyOf(models.F(name), values))
    return queryset.filter(**{f"{name}__in": values})


def column(name, widget=None, **kwargs) -> fields.Field:
    """A resource field whose column is named like the model field it fills."""
    return fields.Field(attribute=name, column_name=name, widget=widget or TextWidget(), **kwargs)


class TextWidget(widgets.CharWidget):
    """Text, trimmed; an empty cell is an empty string."""

    def clean(self, value, row=None, **kwargs):
        return as_text(value)


def lower_text(value) -> str:
    return as_text(value).lower()


class EmailWidget(TextWidget):
    normalise = staticmethod(lower_text)  # two spellings of one e-mail are one key

    def clean(self, value, row=None, **kwargs):
        return lower_text(value)


def key_text(widget, value) -> str:
    """A cell as the key it stands for (an e-mail's case does not matter)."""
    return getattr(widget, "normalise", as_text)(value)


def _is_iso_date(text: str) -> bool:
    """YYYY-MM-DD with digits only: what both date.fromisoformat() and strptime("%Y-%m-%d") read
    the same way (fromisoformat() also reads other ISO spellings, such as 20260131)."""
    digits = text[:4] + text[5:7] + text[8:]
    return len(text) == 10 and text[4] == text[7] == "-" and digits.isascii() and digits.isdigit()


def _iso_moment(text: str):
    """YYYY-MM-DD, YYYY-MM-DD HH:MM or YYYY-MM-DD HH:MM:SS (or a T for the space), read by
    datetime.fromisoformat(), or None for any other text (IsoDateTimeWidget's strptime() loop
    then reads it or says why not)."""
    if not _is_iso_date(text[:10]):
        return None
    if len(text) == 10:
        clock = ""
    elif len(text) in (16, 19) and text[10] in " T":
        clock = text[11:]
        if not (clock.isascii() and clock[2] == ":" and clock[:2].isdigit() and clock[3:5].isdigit()):
            return None
        if len(clock) == 8 and not (clock[5] == ":" and clock[6:].isdigit()):
            return None
    else:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


class IsoDateWidget(widgets.DateWidget):
    """A date written YYYY-MM-DD, or an XLSX date cell. Other spellings (01/02/2026) are refused:
    they mean different days in different countries."""

    def __init__(self):
        super().__init__(format="%Y-%m-%d")

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        text = as_text(value)
        if not text:
            return None
        if _is_iso_date(text):
            try:  # the usual spelling, read in C (strptime costs ~10x more)
                return date.fromisoformat(text)
            except ValueError:
                pass  # e.g. 2026-02-30: strptime says why
        try:
            return datetime.strptime(text, "%Y-%m-%d").date()
        except ValueError:
            raise ValueError(f"{text!r} is not a date; write it as YYYY-MM-DD (e.g. 2026-01-31).") from None


class IsoDateTimeWidget(widgets.DateTimeWidget):
    """A moment written YYYY-MM-DD HH:MM (seconds optional; a date alone means midnight), in the
    project's time zone, or an XLSX date cell."""

    FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d")

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, datetime):
            moment = value
        elif isinstance(value, date):
            moment = datetime.combine(value, datetime.min.time())
        else:
            text = as_text(value)
            if not text:
                return None
            moment = _iso_moment(text) or self._strptime(text)
            # What make_aware() does with a naive moment, without its checks (text is naive).
            return moment.replace(tzinfo=self._zone or timezone.get_current_timezone())
        return timezone.make_aware(moment) if timezone.is_naive(moment) else moment

    _zone = None

    def begin_file(self):
        """Called before each file (HRResource.before_import): the time zone is read once per file,
        not once per cell."""
        self._zone = timezone.get_current_timezone()

    def _strptime(self, text):
        for fmt in self.FORMATS:
            try:
                return datetime.strptime(text, fmt)
            except ValueError:
                continue
        raise ValueError(f"{text!r} is not a date and time; write it as YYYY-MM-DD HH:MM.")


class MoneyWidget(widgets.DecimalWidget):
    """An amount: 52000, 52000.50 or 52000,50 (no thousands separators)."""

    def clean(self, value, row=None, **kwargs):
        text = as_text(value)
        if not text:
            return None
        try:
            amount = Decimal(text.replace(",", "."))
        except InvalidOperation:
            amount = None
        if amount is None or not amount.is_finite():
            raise ValueError(f"{text!r} is not an amount (e.g. 52000 or 52000.50).")
        return amount


class CountWidget(widgets.IntegerWidget):
    """A whole number of at least 0."""

    def clean(self, value, row=None, **kwargs):
        text = as_text(value)
        if not text:
            return None
        if not text.isdigit():
            raise ValueError(f"{text!r} is not a whole number (e.g. 3).")
        return int(text)


class YesNoWidget(widgets.BooleanWidget):
    """yes/no, true/false or 1/0 in any case; an empty cell keeps the current value (pair with
    saves_null_values=False)."""

    YES, NO = {"yes", "y", "true", "1"}, {"no", "n", "false", "0"}

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, bool):
            return value
        text = as_text(value).lower()
        if not text:
            return None
        if text in self.YES:
            return True
        if text in self.NO:
            return False
        raise ValueError(f"{as_text(value)!r} is not yes or no.")

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else ("yes" if value else "no")


class TextListWidget(widgets.Widget):
    """A list of words (skills, tags) as one cell: "python, django, sql"."""

    def clean(self, value, row=None, **kwargs):
        seen = {}
        for item in as_text(value).replace(";", ",").split(","):
            if item.strip():
                seen.setdefault(item.strip().lower(), item.strip())
        return list(seen.values())

    def render(self, value, obj=None, **kwargs):
        return ", ".join(value or [])


class DaysWidget(widgets.DecimalWidget):
    """A number of days: 12, 12.5 or 12,5."""

    def clean(self, value, row=None, **kwargs):
        text = as_text(value)
        if not text:
            return None
        try:
            days = Decimal(text.replace(",", "."))
        except InvalidOperation:
            days = None
        if days is None or not days.is_finite():
            raise ValueError(f"{text!r} is not a number of days (e.g. 12.5).")
        return days


class ChoiceWidget(TextWidget):
    """A choice by its value or its label, in any case ("on_leave" or "On leave"). An empty cell
    keeps the current value (the model's default for a new row): pair with saves_null_values=False."""

    def __init__(self, choices):
        super().__init__()
        self.choices = choices
        self._by_spelling = None  # built on first use: labels are translated in the active language

    def clean(self, value, row=None, **kwargs):
        text = as_text(value)
        if not text:
            return None
        if self._by_spelling is None:
            self._by_spelling = {str(c.label).lower(): c.value for c in self.choices}
            self._by_spelling.update({c.value.lower(): c.value for c in self.choices})
        choice = self._by_spelling.get(text.lower())
        if choice is None:
            raise ValueError(f"{text!r} is not one of: {', '.join(self.choices.values)}.")
        return choice


class KeyedLookupWidget(widgets.ForeignKeyWidget):
    """A foreign key by a natural key (a department's name, an employee's number).

    Lookups go through the related model's default manager, which is scoped to the active tenant,
    so another tenant's names and numbers are never found. `prime()` fetches all the values of a
    file's column before the first row; without it, each value costs one query.
    """

    def __init__(self, model, field, *, missing, required=False, normalise=as_text):
        super().__init__(model, field=field)
        self.missing = missing  # message for an unknown key, with {key}
        self.required = required
        self.normalise = normalise  # cell -> key as stored (e.g. lower_text for e-mails)
        self.file_rows = {}  # key -> row of this file that creates it (self references only)
        self._cache = None

    def get_queryset(self, value, row, *args, **kwargs):
        return self.model.objects.all()

    def prime(self, values) -> None:
        self._cache = {}
        keys = sorted({self.normalise(value) for value in values} - {""})
        queryset = self.get_queryset(None, None)
        for chunk in in_chunks(queryset, keys):
            for obj in where_in(queryset, self.field, chunk):
                self.remember(obj)

    def remember(self, obj) -> None:
        if self._cache is not None:
            self._cache[as_text(getattr(obj, self.field))] = obj

    def find(self, key: str):
        if self._cache is not None:
            return self._cache.get(key)
        return self.get_queryset(key, None).filter(**{self.field: key}).first()

    def clean(self, value, row=None, **kwargs):
        key = self.normalise(value)
        if not key:
            if self.required:
                raise ValueError("a value is required.")
            return None
        obj = self.find(key)
        if obj is not None:
            return obj
        if key in self.file_rows:
            raise ValueError(
                f"{key!r} is on row {self.file_rows[key]} of this file, which could not be imported; "
                "fix that row first."
            )
        raise ValueError(self.missing.format(key=key))


#: The clean() of the widgets above: none reads the import's keyword arguments (dry_run, user...),
#: so the lean row loop calls them without (see HRResource._plan_rows).
_CLEAN_WITHOUT_KWARGS = frozenset(
    widget.clean
    for widget in (
        TextWidget,
        EmailWidget,
        IsoDateWidget,
        IsoDateTimeWidget,
        MoneyWidget,
        CountWidget,
        YesNoWidget,
        TextListWidget,
        DaysWidget,
        ChoiceWidget,
        KeyedLookupWidget,
    )
)


class KeyedInstanceLoader(ModelInstanceLoader):
    """Finds the rows a file updates with one query per 500 keys instead of one query per row.

    A key is the row's import id fields, cleaned. A row whose key cannot be read (a bad date, an
    unknown employee) counts as new here, and reports its error, by column, when it is imported.
    """

    def __init__(self, resource, dataset=None):
        super().__init__(resource, dataset)
        self._by_key = None

    def _id_fields(self):
        if self._fields is None:
            self._fields = [self.resource.fields[name] for name in self.resource.get_import_id_fields()]
        return self._fields

    _fields = None

    def _key(self, row):
        values = []
        for field in self._id_fields():
            try:
                if type(field) is fields.Field and field.default is NOT_PROVIDED:  # what Field.clean() does
                    value = field.widget.clean(row[field.column_name], row=row)
                else:
                    value = field.clean(row)
            except (ValueError, LookupError, ValidationError):
                return None
            if value is None or value == "":
                return None
            values.append(value.pk if isinstance(value, models.Model) else value)
        return tuple(values)

    def _load(self):
        self._by_key = {}
        # Column by column: `dataset.dict` would build a dict of every cell of every row first.
        names = [field.column_name for field in self._id_fields()]
        if not all(name in (self.dataset.headers or ()) for name in names):
            return
        cells = zip(*(self.dataset[name] for name in names), strict=True)
        keys = {key for values in cells if (key := self._key(dict(zip(names, values, strict=True))))}
        opts = self.resource._meta.model._meta
        attnames = [opts.get_field(field.attribute).attname for field in self._id_fields()]
        queryset = self.get_queryset()
        for chunk in in_chunks(queryset, sorted(keys, key=str)):
            found = queryset
            for i, attname in enumerate(attnames):
                found = where_in(found, attname, sorted({key[i] for key in chunk}, key=str))
            for obj in found:
                self._by_key[tuple(getattr(obj, attname) for attname in attnames)] = obj

    def get_instance(self, row):
        if self._by_key is None:
            self._load()
        key = self._key(row)
        return self._by_key.get(key) if key else None


# --- model validation of large files ---------------------------------------------------------
#
# Django's full_clean() costs more per row than reading the row: each field's clean() runs
# to_python(), validate() and every validator through several calls, for values that are almost
# always fine. `ModelChecks.full_clean()` gives the same result with less work per value: a
# field whose value passes a quick test that is never looser than Django's (type, blank, choices,
# length, the field's own validators) is left as it is, and any other value goes through the
# field's clean(), which makes the error message or converts the value exactly as full_clean()
# would. Models that override clean_fields() or full_clean() keep them.

_TEXT_FIELDS = (models.CharField, models.TextField, models.EmailField, models.SlugField, models.URLField)
_INTEGER_FIELDS = (
    models.IntegerField,
    models.BigIntegerField,
    models.SmallIntegerField,
    models.PositiveIntegerField,
    models.PositiveBigIntegerField,
    models.PositiveSmallIntegerField,
)
_PLAIN_FIELD_TYPES = (
    (_TEXT_FIELDS, str),
    (_INTEGER_FIELDS, int),
    ((models.BooleanField,), bool),
    ((models.DateField,), date),
    ((models.DateTimeField,), datetime),
)


def _compiled(validator):
    """The same validator, with the patterns Django compiles lazily compiled now: a lazy pattern
    costs two proxy calls per use (the e-mail check of every row uses two)."""
    names = {
        validators.EmailValidator: ("user_regex", "domain_regex", "literal_regex"),
        validators.RegexValidator: ("regex",),
    }.get(type(validator), ())
    if not names:
        return validator
    compiled = copy(validator)
    for name in names:
        lazy = getattr(validator, name)
        setattr(compiled, name, re.compile(lazy.pattern, lazy.flags))
    return compiled


def _quick_check(field):
    """A test value -> True only if Django's clean_fields() would leave `value` as it is without an
    error: skipped (blank and empty), or cleaned by `field.clean()` into itself."""
    empty_values, blank = field.empty_values, field.blank

    def skipped(value):  # clean_fields() does not clean an empty value of a blank field
        return blank and value in empty_values

    if field.is_relation or field.generated:
        return skipped
    cls = type(field)
    if cls is models.JSONField and field.encoder is None and not field.validators:

        def check_json(value):  # a list of text (tags, skills) is always valid JSON
            if type(value) is list and value and all(type(item) is str for item in value):
                return True
            return skipped(value)

        return check_json
    plain = next((kind for classes, kind in _PLAIN_FIELD_TYPES if cls in classes), None)
    if plain is None:
        return skipped
    choices = None
    if field.choices is not None:
        try:
            choices = frozenset(key for key, _ in field.flatchoices)
        except TypeError:
            return skipped
    max_length, low, high, others = None, None, None, []
    for validator in field.validators:
        kind, limit = type(validator), getattr(validator, "limit_value", None)
        if kind is validators.MaxLengthValidator and type(limit) is int and max_length is None:
            max_length = limit
        elif kind is validators.MinValueValidator and type(limit) is int and low is None:
            low = limit
        elif kind is validators.MaxValueValidator and type(limit) is int and high is None:
            high = limit
        else:
            others.append(_compiled(validator))
    # Of the plain types only text has an empty value ("").
    text = plain is str

    def check(value):
        if type(value) is not plain:
            return skipped(value)  # None, or a value to_python() would convert
        if text and not value:
            return blank  # not validated further by Django either
        if choices is not None and value not in choices:
            return False
        if max_length is not None and len(value) > max_length:
            return False
        if (low is not None and value < low) or (high is not None and value > high):
            return False
        try:
            for validator in others:
                validator(value)
        except ValidationError:
            return False
        return True

    return check


_UNREAD = object()


class ModelChecks:
    """`full_clean()` of one model, with quick tests for the common values (see above)."""

    _cache: dict = {}

    @classmethod
    def of(cls, model):
        if model not in cls._cache:
            overridden = (
                model.full_clean is not models.Model.full_clean
                or model.clean_fields is not models.Model.clean_fields
            )
            cls._cache[model] = None if overridden else cls(model)
        return cls._cache[model]

    def __init__(self, model):
        self.fields = [
            (field, field.name, field.attname, _quick_check(field), self._no_file(model, field))
            for field in model._meta.fields
            if not field.generated
        ]

    @staticmethod
    def _no_file(model, field) -> bool:
        """Whether an empty file field of a blank=True field can be told from the stored name,
        without the FieldFile that reading the attribute makes (then an empty one, skipped)."""
        return (
            field.blank
            and type(field) is models.FileField
            and type(model.__dict__.get(field.attname)) is FileDescriptor
        )

    def clean_fields(self, instance, exclude):
        errors = {}
        for field, name, attname, quick, no_file in self.fields:
            if name in exclude:
                continue
            if no_file and instance.__dict__.get(attname, _UNREAD) in ("", None):
                continue
            raw_value = getattr(instance, attname)
            if quick(raw_value):
                continue
            try:
                setattr(instance, attname, field.clean(raw_value, instance))
            except ValidationError as exc:
                errors[name] = exc.error_list
        if errors:
            raise ValidationError(errors)

    def full_clean(self, instance, exclude=None, validate_unique=True, validate_constraints=True):
        """Model.full_clean(), with clean_fields() above."""
        errors = {}
        exclude = set() if exclude is None else set(exclude)
        try:
            self.clean_fields(instance, exclude)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        try:
            instance.clean()
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        for step, wanted in (
            (instance.validate_unique, validate_unique),
            (instance.validate_constraints, validate_constraints),
        ):
            if not wanted:
                continue
            exclude.update(name for name in errors if name != NON_FIELD_ERRORS)
            try:
                step(exclude=exclude)
            except ValidationError as exc:
                errors = exc.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)


class _TrackedDiff(resources.Diff):
    """The preview's diff of a row, kept so that a link set in after_import() shows in it."""

    def __init__(self, resource, instance, new):
        super().__init__(resource, instance, new)
        resource._last_diff = self


class HRResource(TenantResource):
    """Base of the keyed imports (HR's, recruiting's...): see the comment at the top of this section."""

    #: Name of the field that points at another row of the same model ("parent", "manager"). Its
    #: values are keys of the resource's (single) import id field and may name a later row.
    self_reference: str | None = None

    #: Write new and changed rows in batches of `Meta.batch_size`, with their history
    #: (`bulk_create_with_history` / `bulk_update_with_history`), instead of one INSERT or UPDATE
    #: plus one history INSERT per row. Every row is still validated first, and the whole file
    #: still runs in one transaction that rolls back on any bad row. Not for resources with a
    #: `self_reference` (a later row's link needs the earlier row's id), nor for models whose
    #: save() does more than the resource's `before_save_instance()` repeats.
    bulk_writes = False

    class Meta(TenantResource.Meta):
        instance_loader_class = KeyedInstanceLoader
        batch_size = 1000

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        if self.bulk_writes:
            assert self.self_reference is None, "bulk writes cannot link rows to later rows"
            self._meta.use_bulk = True
        self._row_plan = None  # see _plan_rows()
        self._model_checks = None  # see ModelChecks
        self._needs_unique_checks = None

    # --- bulk writes (bulk_writes = True) ----------------------------------------------------------
    def before_save_instance(self, instance, row, **kwargs):
        super().before_save_instance(instance, row, **kwargs)
        if self._meta.use_bulk and instance.pk is not None:
            instance.updated_at = timezone.now()  # bulk_update skips auto_now

    def get_bulk_update_fields(self):
        model_fields = {f.name for f in self._meta.model._meta.concrete_fields}
        names = {f.attribute for f in self.get_import_fields() if f.attribute in model_fields}
        names -= set(self.get_import_id_fields()) | {"id", "tenant"}
        return sorted(names | set(self.extra_bulk_update_fields) | {"updated_at"})

    #: Model fields the resource sets itself (not from a column) that a bulk update must write.
    extra_bulk_update_fields: tuple[str, ...] = ()

    def bulk_create(self, using_transactions, dry_run, raise_errors, batch_size=None, result=None):
        if self.create_instances and (using_transactions or not dry_run):
            try:
                bulk.bulk_create_with_history(
                    self.create_instances,
                    self._meta.model,
                    batch_size=batch_size,
                    default_user=self.acting_user,
                )
            except Exception as exc:  # reported as the file's error: the transaction rolls back
                self.handle_import_error(result, exc, raise_errors)
            finally:
                self.create_instances.clear()

    def bulk_update(self, using_transactions, dry_run, raise_errors, batch_size=None, result=None):
        if self.update_instances and (using_transactions or not dry_run):
            try:
                bulk.bulk_update_with_history(
                    self.update_instances,
                    self._meta.model,
                    self.get_bulk_update_fields(),
                    batch_size=batch_size,
                    default_user=self.acting_user,
                )
            except Exception as exc:
                self.handle_import_error(result, exc, raise_errors)
            finally:
                self.update_instances.clear()

    @classmethod
    def get_diff_class(cls):
        return _TrackedDiff

    def get_queryset(self):
        # Exports and the rows an import updates read their related rows' names and numbers
        # (and compare them for the diff): join them rather than run a query per row.
        relations = {f.name for f in self._meta.model._meta.concrete_fields if f.many_to_one}
        related = [f.attribute for f in self.fields.values() if f.attribute in relations]
        return super().get_queryset().select_related(*related)

    # --- per-import state -------------------------------------------------------------------
    def before_import(self, dataset, **kwargs):
        super().before_import(dataset, **kwargs)
        self._instances, self._row_results, self._row_values, self._diffs = {}, {}, {}, {}
        self._deferred = {}  # row number -> key of the later row its self reference names
        self._first_row_of = {}  # import key -> first row with it
        self._duplicate_of = {}  # row number -> earlier row with the same key
        self._last_diff = None
        headers = set(dataset.headers or ())
        id_fields = [self.fields[name] for name in self.get_import_id_fields()]
        if all(f.column_name in headers for f in id_fields):
            normalise = [getattr(f.widget, "normalise", as_text) for f in id_fields]  # as key_text()
            if len(id_fields) == 1:  # the usual case, without a tuple built by a generator per row
                keys = (((normalise[0](value)),) for value in dataset[id_fields[0].column_name])
            else:
                cells = zip(*(dataset[f.column_name] for f in id_fields), strict=True)
                keys = (
                    tuple(n(value) for n, value in zip(normalise, values, strict=True)) for values in cells
                )
            for number, key in enumerate(keys, 1):
                if not all(key):
                    continue  # no key: a new row (e.g. an employee whose number is generated)
                first = self._first_row_of.setdefault(key, number)
                if first != number:
                    self._duplicate_of[number] = first
        for field in self.fields.values():
            if isinstance(field.widget, KeyedLookupWidget) and field.column_name in headers:
                field.widget.prime(dataset[field.column_name])
            if hasattr(field.widget, "begin_file"):
                field.widget.begin_file()
        if self.self_reference:
            self.fields[self.self_reference].widget.file_rows = {
                key[0]: number for key, number in self._first_row_of.items()
            }
        self._needs_unique_checks = None
        self._row_plan = self._plan_rows(headers) if self._lean_rows() else None
        self._model_checks = ModelChecks.of(self._meta.model) if self._row_plan is not None else None

    def before_import_row(self, row, **kwargs):
        super().before_import_row(row, **kwargs)
        self._last_diff = None
        first = self._duplicate_of.get(kwargs.get("row_number"))
        if first is not None:
            id_fields = [self.fields[name] for name in self.get_import_id_fields()]
            columns = ", ".join(f.column_name for f in id_fields)
            values = ", ".join(as_text(row[f.column_name]) for f in id_fields)
            raise ValidationError(
                {
                    id_fields[0].column_name: (
                        f"Column {columns}: {values} is also on row {first} of this file; "
                        "each may appear only once."
                    )
                }
            )

    def after_init_instance(self, instance, new, row, **kwargs):
        super().after_init_instance(instance, new, row, **kwargs)
        if self.self_reference:  # kept to link rows to later rows in after_import()
            self._instances[kwargs.get("row_number")] = instance

    def after_import_row(self, row, row_result, **kwargs):
        super().after_import_row(row, row_result, **kwargs)
        if self.self_reference:
            number = kwargs.get("row_number")
            self._row_results[number], self._row_values[number] = row_result, row
            self._diffs[number] = self._last_diff

    # --- large files written in bulk: the lean row loop ---------------------------------------
    # A background import of a large file (large_file=True) into a resource with bulk_writes runs
    # import-export's row loop (import_row) with the same hooks, validation and errors, minus
    # its per-row, per-column overhead: the columns to read and their widgets are worked out
    # once per file instead of once per cell.
    def _lean_rows(self) -> bool:
        return (
            self.large_file
            and self._meta.use_bulk
            and not self.self_reference
            and type(self).import_field is HRResource.import_field
        )

    def _plan_rows(self, headers):
        """[(field, attribute, column, widget's clean or None, saves_null_values, kwargs)] of the
        columns a row fills, as import-export's import_instance() would visit them: a plain field
        (most) is cleaned by its widget here, any other through import_field(); a widget of this
        module is not handed the import's keyword arguments, which it does not read."""
        plan = []
        for field in self.get_import_fields():
            if (
                isinstance(field.widget, widgets.ManyToManyWidget)
                or not field.attribute
                or field.column_name not in headers
                or field.readonly
            ):
                continue  # import_instance() skips it, import_field() too, or Field.save()
            plain = (
                type(field) is fields.Field and "__" not in field.attribute and field.default is NOT_PROVIDED
            )
            clean = field.widget.clean if plain else None
            kwargs = getattr(type(field.widget), "clean", None) not in _CLEAN_WITHOUT_KWARGS
            plan.append((field, field.attribute, field.column_name, clean, field.saves_null_values, kwargs))
        return plan

    def _import_planned(self, instance, row, **kwargs):
        """import_instance() for the planned columns: the same values, setattr()s and errors."""
        errors = {}
        for field, attribute, column, clean, saves_null_values, with_kwargs in self._row_plan:
            if clean is None:
                try:
                    self.import_field(field, instance, row, **kwargs)
                except ValueError as exc:
                    errors[attribute] = ValidationError(force_str(exc), code="invalid")
                continue
            try:
                value = clean(row[column], row, **kwargs) if with_kwargs else clean(row[column], row)
            except ValueError as exc:
                errors[attribute] = ValidationError(f"Column {column}: {exc}", code="invalid")
                continue
            if value is not None or saves_null_values:
                setattr(instance, attribute, value)
        if errors:
            raise ValidationError(errors)

    def import_row(self, row, instance_loader, **kwargs):
        if (
            self._row_plan is None
            or kwargs.get("retain_instance_in_row_result")
            or self._meta.store_instance
            or type(self).for_delete is not resources.Resource.for_delete
        ):
            return super().import_row(row, instance_loader, **kwargs)
        return self._import_row_lean(row, instance_loader, kwargs)

    def _import_row_lean(self, row, instance_loader, kwargs):
        """import-export's import_row() as it runs for a large file written in bulk: the same hooks
        in the same order, without the steps such a file never takes (diffs, deletes, many-to-many
        fields, kept instances) nor the row's object name (a large file's result keeps no valid row,
        see LargeFileResult)."""
        row_result = self.get_row_result_class()()
        if self._meta.store_row_values:
            row_result.row_values = row
        try:
            self.before_import_row(row, **kwargs)
            instance, new = self.get_or_init_instance(instance_loader, row)
            self.after_init_instance(instance, new, row, **kwargs)
            row_result.import_type = RowResult.IMPORT_TYPE_NEW if new else RowResult.IMPORT_TYPE_UPDATE
            import_validation_errors = {}
            try:
                self.import_instance(instance, row, **kwargs)
            except ValidationError as exc:
                import_validation_errors = exc.update_error_dict(import_validation_errors)
            if self.skip_row(instance, None, row, import_validation_errors):
                row_result.import_type = RowResult.IMPORT_TYPE_SKIP
            else:
                self.validate_instance(instance, import_validation_errors)
                self.save_instance(instance, new, row, **kwargs)
            self.after_import_row(row, row_result, **kwargs)
        except ValidationError as exc:
            row_result.import_type = RowResult.IMPORT_TYPE_INVALID
            row_result.validation_error = exc
        except Exception as exc:
            row_result.import_type = RowResult.IMPORT_TYPE_ERROR
            logger.debug(exc, exc_info=True)
            row_result.errors.append(self.get_error_result_class()(exc, row=row, number=kwargs["row_number"]))
        return row_result

    def _unique_checks_needed(self, instance) -> bool:
        """Whether validate_unique() can find anything: not when the model's only unique field is
        its primary key, which a file never sets (the row's identity is the import key, checked
        against the file and the database once per file), as Django then skips every check."""
        if self._needs_unique_checks is None:
            pk = instance._meta.pk.name
            unique_checks, date_checks = instance._get_unique_checks(exclude={"tenant"})
            imported = {field.attribute for field in self.get_import_fields()}
            self._needs_unique_checks = bool(
                date_checks or pk in imported or any(names != (pk,) for _, names in unique_checks)
            )
        return self._needs_unique_checks

    # --- rows ---------------------------------------------------------------------------------
    def import_field(self, field, instance, row, is_m2m=False, **kwargs):
        try:
            super().import_field(field, instance, row, is_m2m, **kwargs)
        except ValueError as exc:
            raise ValueError(f"Column {field.column_name}: {exc}") from exc

    def import_instance(self, instance, row, **kwargs):
        if self.self_reference:
            field = self.fields[self.self_reference]
            key = as_text(row.get(field.column_name))
            later_row = field.widget.file_rows.get(key)
            if (
                key
                and later_row is not None
                and later_row >= kwargs.get("row_number", 0)
                and field.widget.find(key) is None
            ):
                # The row it names comes further down: save this one without the link for now.
                self._deferred[kwargs.get("row_number")] = key
                row = {**row, field.column_name: ""}
        if self._row_plan is not None:
            return self._import_planned(instance, row, **kwargs)
        return super().import_instance(instance, row, **kwargs)

    def check_instance(self, instance) -> dict[str, list[str]]:
        """Rules of a resource beyond the model's clean(), as {field name: [messages]}."""
        return {}

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        errors = dict(import_validation_errors or {})
        for name, messages in self.check_instance(instance).items():
            errors.setdefault(name, messages)
        if self._meta.clean_model_instances:
            # A related row the widget found is known to exist: Django would query it again
            # (once per row and column) to validate the key.
            # The tenant is the importing user's own, filled by TenantResource.init_instance().
            exclude = set(errors) | self._found_relations(instance) | {"tenant"}
            try:
                # Constraints are left to the database (a violation is a row error that rolls the
                # file back): the unique ones are checked against the whole file and the database
                # in check_instance() from lookups made once per import, the others are mirrored
                # in clean(), and each check here would cost a query per row.
                checks = self._model_checks
                full_clean = instance.full_clean if checks is None else partial(checks.full_clean, instance)
                full_clean(
                    exclude=exclude,
                    validate_unique=validate_unique and self._unique_checks_needed(instance),
                    validate_constraints=False,
                )
            except ValidationError as exc:
                errors = exc.update_error_dict(errors)
        if errors:
            raise ValidationError(self.errors_by_column(errors))

    def _found_relations(self, instance) -> set[str]:
        found = set()
        for relation in self._imported_relations:
            if getattr(instance, relation.attname) is not None and relation.is_cached(instance):
                found.add(relation.name)
        return found

    @cached_property
    def _imported_relations(self):
        """The model's foreign keys that a field of this resource fills."""
        relations = {f.name: f for f in self._meta.model._meta.concrete_fields if f.many_to_one}
        return [relations[f.attribute] for f in self.fields.values() if f.attribute in relations]

    def errors_by_column(self, errors: dict) -> dict[str, list[str]]:
        """{field name: errors} -> {column: ["Column <column>: message", ...]}."""
        columns = {f.attribute: f.column_name for f in self.fields.values() if f.attribute}
        by_column = {}
        for name, value in errors.items():
            messages = ValidationError(value).messages
            if name == NON_FIELD_ERRORS:
                by_column.setdefault(name, []).extend(messages)
                continue
            col = columns.get(name, name)
            by_column.setdefault(col, []).extend(
                m if m.startswith("Column ") else f"Column {col}: {m}" for m in messages
            )
        return by_column

    def after_save_instance(self, instance, row, **kwargs):
        super().after_save_instance(instance, row, **kwargs)
        if self.self_reference and instance.pk is not None:
            self.fields[self.self_reference].widget.remember(instance)

    # --- links to later rows ------------------------------------------------------------------
    def after_import(self, dataset, result, **kwargs):
        if self.self_reference and self._deferred:
            self._link_deferred(result, **kwargs)
        super().after_import(dataset, result, **kwargs)

    def _link_deferred(self, result, **kwargs):
        field = self.fields[self.self_reference]
        saving = self._is_using_transactions(kwargs) or not self._is_dry_run(kwargs)
        for number, key in sorted(self._deferred.items()):
            row_result, instance = self._row_results.get(number), self._instances.get(number)
            if row_result is None or not row_result.is_valid() or instance is None or instance.pk is None:
                continue  # the row has errors of its own, or was not saved
            target = field.widget.find(key)
            try:
                if target is None:
                    raise ValidationError(
                        {
                            field.attribute: f"{key!r} is on row {field.widget.file_rows[key]} of this "
                            "file, which could not be imported; fix that row first."
                        }
                    )
                setattr(instance, field.attribute, target)
                instance.clean()  # refuses cycles, with the error on this field
            except ValidationError as exc:
                self._mark_invalid(result, number, row_result, exc)
                continue
            if saving:
                instance.save(update_fields=[field.attribute, "updated_at"])
            self._refresh_row(result, number, row_result, instance)

    def _mark_invalid(self, result, number, row_result, exc):
        error = ValidationError(self.errors_by_column(exc.update_error_dict({})))
        result.totals[row_result.import_type] -= 1
        result.totals[RowResult.IMPORT_TYPE_INVALID] += 1
        row_result.import_type = RowResult.IMPORT_TYPE_INVALID
        row_result.validation_error = error
        result.append_invalid_row(number, self._row_values[number], error)

    def _refresh_row(self, result, number, row_result, instance):
        if row_result.import_type == RowResult.IMPORT_TYPE_SKIP:  # only its link changed
            result.totals[RowResult.IMPORT_TYPE_SKIP] -= 1
            result.totals[RowResult.IMPORT_TYPE_UPDATE] += 1
            row_result.import_type = RowResult.IMPORT_TYPE_UPDATE
        row_result.add_instance_info(instance)
        diff = self._diffs.get(number)
        if diff is not None:
            diff.compare_with(self, instance)
            if not self._meta.skip_html_diff:
                row_result.diff = diff.as_html()
