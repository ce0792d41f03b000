"""The project's one import/export resource base class: tenant from the user, never from the file."""

import gc
from contextlib import contextmanager
from copy import copy

from django.core.management.color import no_style
from django.db import connections
from django.db.models import signals
from django.db.models.base import ModelState
from django.db.models.fields import NOT_PROVIDED
from django.db.models.fields.files import FileDescriptor
from django.db.models.fields.related_descriptors import ForeignKeyDeferredAttribute
from django.db.models.query_utils import DeferredAttribute
from import_export import resources
from import_export.results import Result, RowResult

from people.tenancy import TenantMismatch, active_tenant_or_none, current_tenant, tenant_context

NEVER_IMPORTED = ("tenant", "created_at", "updated_at")

#: Attributes of model fields that store what is set on a new instance in its __dict__ as it is.
_PLAIN_DESCRIPTORS = (DeferredAttribute, ForeignKeyDeferredAttribute, FileDescriptor)


@contextmanager
def _old_objects_frozen(enabled):
    """While a large file imports, Python's cyclic garbage collector leaves alone the objects that
    existed before (the file's 100,000 rows, Django's own): every full collection would scan them
    again, and a large file triggers several. Nothing changes if something else froze objects."""
    if not enabled or gc.get_freeze_count():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


class LargeFileResult(Result):
    """The result of a large file: the totals and every error by row, but no per-row result of a
    valid row (100,000 RowResults, each naming its instance, cost memory and are never shown:
    the background import reports counts and errors only)."""

    def append_row_result(self, row_result):
        if not row_result.is_valid():  # errors keep their RowResult, as row_errors() reads them
            self.rows.append(row_result)

    def row_errors(self):
        # Result.row_errors() numbers its rows by their place in `rows`, which holds every row
        # there; here it holds the failed ones only, so their numbers come from `error_rows`.
        return [(row.number, row.errors) for row in self.error_rows]

    def valid_rows(self):
        return []


class TenantResource(resources.ModelResource):
    """Imports and exports one tenant's rows.

    - the tenant is given (the admin passes the importing user's active tenant) or is the active
      one; import and export run inside it, and refuse to run inside another;
    - `get_queryset()` and every FK widget read scoped managers, so lookups see this tenant only;
    - a file with any bad row writes nothing (transactions + rollback on validation errors),
      and model validation (`full_clean`) runs on every row, with errors by row and column.
    """

    class Meta:
        clean_model_instances = True
        use_transactions = True
        skip_unchanged = True
        report_skipped = True

    #: Rows between two calls of `on_progress(processed, total)` during an import.
    PROGRESS_EVERY = 1000

    def __init__(self, *, tenant=None, large_file=False, **kwargs):
        super().__init__(**kwargs)
        self.tenant = tenant or current_tenant()
        # A large file (imported in the background) keeps no per-row diff: nobody previews 100,000
        # diffs, and each costs a copy of the row's instance.
        self.large_file = large_file
        self._meta = copy(self._meta)  # per import: subclasses and large files adjust options
        if large_file:
            self._meta.skip_diff = True
            self._meta.skip_html_diff = True
        self.on_progress = None  # set by whoever runs the import, e.g. the background import task
        self.fields.pop("tenant", None)
        for name in NEVER_IMPORTED:
            if name in self.fields:
                self.fields[name].readonly = True

    @contextmanager
    def _inside_tenant(self):
        active = active_tenant_or_none()
        if active is None:
            with tenant_context(self.tenant):
                yield
        elif active.pk != self.tenant.pk:
            raise TenantMismatch(f"This resource works for tenant {self.tenant.pk}, not {active.pk}.")
        else:
            yield

    def import_data(self, dataset, **kwargs):
        kwargs.setdefault("rollback_on_validation_errors", True)
        with self._inside_tenant(), _old_objects_frozen(self.large_file):
            return super().import_data(dataset, **kwargs)

    acting_user = None  # the importing user, from import_data(..., user=...)

    def before_import(self, dataset, **kwargs):
        super().before_import(dataset, **kwargs)
        self._total_rows = len(dataset)
        self.acting_user = kwargs.get("user")  # the admin passes the importing user

    def after_import_row(self, row, row_result, **kwargs):
        super().after_import_row(row, row_result, **kwargs)
        number = kwargs.get("row_number") or 0
        if self.on_progress is not None and (number % self.PROGRESS_EVERY == 0 or number == self._total_rows):
            self.on_progress(number, self._total_rows)

    def get_result_class(self):
        return LargeFileResult if self.large_file else super().get_result_class()

    def after_import(self, dataset, result, **kwargs):
        super().after_import(dataset, result, **kwargs)
        if (
            self.large_file
            and not self._is_dry_run(kwargs)
            and result.totals[RowResult.IMPORT_TYPE_NEW]
            and self._meta.model._meta.pk.name in {f.attribute for f in self.get_import_fields()}
        ):
            # ModelResource.after_import() resets the table's id sequence when result.rows holds a
            # new row, which matters only if the file gave ids; a large file's result holds no
            # valid rows, so that case is handled here.
            connection = connections[self.get_db_connection_name()]
            statements = connection.ops.sequence_reset_sql(no_style(), [self._meta.model])
            if statements:
                with connection.cursor() as cursor:
                    for statement in statements:
                        cursor.execute(statement)

    def export(self, queryset=None, **kwargs):
        with self._inside_tenant():
            return super().export(queryset, **kwargs)

    def init_instance(self, row=None):
        # The tenant is known before validation, so full_clean() checks tenant-first uniqueness.
        instance = self._new_instance() if self.large_file else super().init_instance(row)
        instance.tenant = self.tenant
        return instance

    def _new_instance(self):
        """`Model()` for a large file, which makes one per row, without the per-field default
        lookups: each field's default is worked out once (a callable default, such as list, is
        still called per row). When nothing listens to the model's pre_init/post_init signals and
        its fields are plain attributes, Model.__init__() would only store the values in the
        instance's __dict__, which is done here directly; else the model is called with them."""
        if self._defaults is None:
            self._defaults = self._plan_defaults()
        values, fresh, plain = self._defaults
        values = values.copy()
        for key, make in fresh:
            values[key] = make()
        model = self._meta.model
        if plain is None:
            return model(*values)
        instance = model.__new__(model)
        instance.__dict__.update(zip(plain, values, strict=True))
        instance._state = ModelState()
        return instance

    def _plan_defaults(self):
        model = self._meta.model
        fields = model._meta.concrete_fields
        # A callable default (list, dict...) or a database default gives a new value per row.
        fresh = [
            (i, f.get_default)
            for i, f in enumerate(fields)
            if (f.has_default() and callable(f.default)) or f.db_default is not NOT_PROVIDED
        ]
        per_row = {i for i, _ in fresh}
        values = [None if i in per_row else f.get_default() for i, f in enumerate(fields)]
        plain = None
        if (
            not signals.pre_init.has_listeners(model)
            and not signals.post_init.has_listeners(model)
            and not model._meta.abstract
            and all(type(model.__dict__.get(f.attname)) in _PLAIN_DESCRIPTORS for f in fields)
        ):
            plain = [f.attname for f in fields]
        return values, fresh, plain

    _defaults = None

    def before_save_instance(self, instance, row, **kwargs):
        if instance.tenant_id is None:
            instance.tenant = self.tenant
        if self.acting_user is not None:
            # History names the importing user, also in a background task (no request there);
            # bulk writes take each instance's `_history_user` too.
            instance._history_user = self.acting_user
        super().before_save_instance(instance, row, **kwargs)
