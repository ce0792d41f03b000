"""The base admin class of every tenant-owned model.

Django's FK/M2M choices, related list filters and import lookups read the scoped default manager,
so they see the active tenant only. This class covers the rest: 404 (not a redirect) for another
tenant's object on every view including simple-history's, staff-user choices limited to the
tenant's members, import/export through the tenant resource, and role permissions (the auth
backend). Behaviour changes by overriding one of these small methods, never by copying a view.
"""

import logging

from django.contrib.admin.utils import unquote
from django.core.exceptions import ImproperlyConfigured
from django.http import Http404
from import_export.admin import ImportExportModelAdmin
from import_export.formats.base_formats import CSV, XLSX
from import_export.resources import modelresource_factory
from simple_history.admin import SimpleHistoryAdmin
from unfold.admin import ModelAdmin
from unfold.contrib.import_export.forms import ExportForm, ImportForm

from people.resources import TenantResource
from people.tenancy import current_tenant

audit_log = logging.getLogger("audit")


class TenantOwnedAdmin(SimpleHistoryAdmin, ImportExportModelAdmin, ModelAdmin):
    import_form_class = ImportForm
    export_form_class = ExportForm
    formats = [CSV, XLSX]
    list_per_page = 50
    # Large tables set show_full_result_count = False and unfold's InfinitePaginator.

    # --- another tenant's object answers 404 on every view -------------------------------
    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        # Django redirects to the index with "doesn't exist"; for another tenant's id that
        # still confirms nothing, but a plain 404 is what every view here answers.
        raise Http404(f"No {opts.verbose_name} with id {object_id!r} here.")

    def _get_object_or_404(self, request, object_id):
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404
        return obj

    def history_view(self, request, object_id, extra_context=None):
        # simple-history would otherwise fall back to history rows looked up by id alone.
        self._get_object_or_404(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self._get_object_or_404(request, object_id)
        return super().history_form_view(request, object_id, version_id, extra_context)

    # --- choices of staff users: this tenant's members only -----------------------------
    def _limit_user_choices(self, db_field, kwargs):
        from people.models import User

        if db_field.related_model is User and "queryset" not in kwargs:
            kwargs["queryset"] = User.objects.filter(memberships__tenant=current_tenant()).distinct()
        return kwargs

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        return super().formfield_for_foreignkey(
            db_field, request, **self._limit_user_choices(db_field, kwargs)
        )

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        return super().formfield_for_manytomany(
            db_field, request, **self._limit_user_choices(db_field, kwargs)
        )

    # --- import/export through the tenant resource --------------------------------------
    def get_resource_classes(self, request):
        if not self.resource_classes:
            return [modelresource_factory(self.model, resource_class=TenantResource)]
        for resource_class in self.resource_classes:
            if not issubclass(resource_class, TenantResource):
                raise ImproperlyConfigured(
                    f"{resource_class.__name__} must inherit people.resources.TenantResource."
                )
        return self.resource_classes

    def get_resource_kwargs(self, request, *args, **kwargs):
        return {**super().get_resource_kwargs(request, *args, **kwargs), "tenant": request.tenant}

    def get_data_for_export(self, request, queryset, **kwargs):
        data = super().get_data_for_export(request, queryset, **kwargs)
        # Exports take data out of the console: record who took what, and when (the log line's time).
        audit_log.info(
            "admin export",
            extra={
                "user_id": request.user.pk,
                "tenant_id": request.tenant.pk,
                "model": self.model._meta.label,
                "rows": len(data),
            },
        )
        return data
