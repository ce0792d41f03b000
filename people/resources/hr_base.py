"""Widgets, loader and the shared base of the HR imports: lookups by name or number cached per
import, errors keyed by column."""

from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models
from django.utils import timezone
from import_export import fields, resources, widgets
from import_export.instance_loaders import ModelInstanceLoader
from import_export.results import RowResult
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from people.reports import FORMULA_TRIGGERS
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


def as_text(value) -> str:
    """A cell as trimmed text; an XLSX number cell 1001.0 reads as "1001", and the quote our CSV
    exports put before text that starts like a formula ("'+49 30...") is dropped."""
    if value is None:
        return ""
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
            for fmt in self.FORMATS:
                try:
                    moment = datetime.strptime(text, fmt)
                    break
                except ValueError:
                    continue
            else:
                raise ValueError(f"{text!r} is not a date and time; write it as YYYY-MM-DD HH:MM.")
        return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


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
        for chunk in chunked(keys):
            for obj in self.get_queryset(None, None).filter(**{f"{self.field}__in": chunk}):
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


class KeyedInstanceLoader(ModelInstanceLoader):
    """Finds the rows a file updates with one query per 500 keys instead of one query per row.

    A key is the row's import id fields, cleaned. A row whose key cannot be read (a bad date, an
    unknown employee) counts as new here, and reports its error, by column, when it is imported.
    """

    def __init__(self, resource, dataset=None):
        super().__init__(resource, dataset)
        self._by_key = None

    def _id_fields(self):
        return [self.resource.fields[name] for name in self.resource.get_import_id_fields()]

    def _key(self, row):
        values = []
        for field in self._id_fields():
            try:
                value = field.clean(row)
            except (ValueError, LookupError, ValidationError):
                return None
            if value is None or value == "":
                return None
            values.append(value.pk if isinstance(value, models.Model) else value)
        return tuple(values)

    def _load(self):
        self._by_key = {}
        keys = {key for row in self.dataset.dict if (key := self._key(row))}
        opts = self.resource._meta.model._meta
        attnames = [opts.get_field(field.attribute).attname for field in self._id_fields()]
        queryset = self.get_queryset()
        for chunk in chunked(sorted(keys, key=str)):
            lookups = {f"{attname}__in": {key[i] for key in chunk} for i, attname in enumerate(attnames)}
            for obj in queryset.filter(**lookups):
                self._by_key[tuple(getattr(obj, attname) for attname in attnames)] = obj

    def get_instance(self, row):
        if self._by_key is None:
            self._load()
        key = self._key(row)
        return self._by_key.get(key) if key else None


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
                bulk_create_with_history(
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
                bulk_update_with_history(
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
            for number, row in enumerate(dataset.dict, 1):
                key = tuple(key_text(f.widget, row[f.column_name]) for f in id_fields)
                if not all(key):
                    continue  # no key: a new row (e.g. an employee whose number is generated)
                first = self._first_row_of.setdefault(key, number)
                if first != number:
                    self._duplicate_of[number] = first
        for field in self.fields.values():
            if isinstance(field.widget, KeyedLookupWidget) and field.column_name in headers:
                field.widget.prime(dataset[field.column_name])
        if self.self_reference:
            self.fields[self.self_reference].widget.file_rows = {
                key[0]: number for key, number in self._first_row_of.items()
            }

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
        super().import_instance(instance, row, **kwargs)

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
                instance.full_clean(
                    exclude=exclude, validate_unique=validate_unique, validate_constraints=False
                )
            except ValidationError as exc:
                errors = exc.update_error_dict(errors)
        if errors:
            raise ValidationError(self.errors_by_column(errors))

    def _found_relations(self, instance) -> set[str]:
        relations = {f.name: f for f in instance._meta.concrete_fields if f.many_to_one}
        found = set()
        for field in self.fields.values():
            relation = relations.get(field.attribute)
            if (
                relation is not None
                and getattr(instance, relation.attname) is not None
                and relation.is_cached(instance)
            ):
                found.add(relation.name)
        return found

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
