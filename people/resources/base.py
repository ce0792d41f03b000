"""The project's one import/export resource base class: tenant from the user, never from the file."""

from contextlib import contextmanager
from copy import copy

from import_export import resources

from people.tenancy import TenantMismatch, active_tenant_or_none, current_tenant, tenant_context

NEVER_IMPORTED = ("tenant", "created_at", "updated_at")


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
        with self._inside_tenant():
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

    def export(self, queryset=None, **kwargs):
        with self._inside_tenant():
            return super().export(queryset, **kwargs)

    def init_instance(self, row=None):
        # The tenant is known before validation, so full_clean() checks tenant-first uniqueness.
        instance = super().init_instance(row)
        instance.tenant = self.tenant
        return instance

    def before_save_instance(self, instance, row, **kwargs):
        if instance.tenant_id is None:
            instance.tenant = self.tenant
        if self.acting_user is not None:
            # History names the importing user, also in a background task (no request there);
            # bulk writes take each instance's `_history_user` too.
            instance._history_user = self.acting_user
        super().before_save_instance(instance, row, **kwargs)
