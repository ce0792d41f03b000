"""The project's one import/export resource base class: tenant from the user, never from the file."""

from contextlib import contextmanager

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

    def __init__(self, *, tenant=None, **kwargs):
        super().__init__(**kwargs)
        self.tenant = tenant or current_tenant()
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
        super().before_save_instance(instance, row, **kwargs)
