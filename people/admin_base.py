"""The base admin class of every tenant-owned model.

Django's FK/M2M choices, related list filters and import lookups read the scoped default manager,
so they see the active tenant only. This class covers the rest: 404 (not a redirect) for another
tenant's object on every view including simple-history's, staff-user choices limited to the
tenant's members, import/export through the tenant resource, and role permissions (the auth
backend). Behaviour changes by overriding one of these small methods, never by copying a view.
"""

import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.admin.filters import RelatedFieldListFilter
from django.contrib.admin.utils import get_fields_from_path, unquote
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import models
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from import_export.admin import ImportExportModelAdmin
from import_export.resources import modelresource_factory
from simple_history.admin import SimpleHistoryAdmin
from unfold.admin import ModelAdmin
from unfold.contrib.import_export.forms import ExportForm, ImportForm

from people.resources import TenantResource
from people.resources.formats import SafeCSV, SafeXLSX
from people.tenancy import current_tenant, is_tenant_owned

audit_log = logging.getLogger("audit")


def related_only(filter_class):
    """`filter_class`, offering only the related rows the admin's (scoped) queryset points at."""

    class RelatedOnly(filter_class):
        def field_choices(self, field, request, model_admin):
            used = (
                model_admin.get_queryset(request).distinct().values_list(f"{self.field_path}__pk", flat=True)
            )
            ordering = self.field_admin_ordering(field, request, model_admin)
            return field.get_choices(
                include_blank=False, limit_choices_to={"pk__in": used}, ordering=ordering
            )

    RelatedOnly.__name__ = f"RelatedOnly{filter_class.__name__}"
    return RelatedOnly


class TenantOwnedAdmin(SimpleHistoryAdmin, ImportExportModelAdmin, ModelAdmin):
    import_form_class = ImportForm
    export_form_class = ExportForm
    formats = [SafeCSV, SafeXLSX]  # exports never carry a formula (people/resources/formats.py)
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

    # Django checks the change/delete permission before it looks the object up, so a role without
    # that permission would get 403 for another tenant's id where everyone else gets 404.
    def change_view(self, request, object_id, form_url="", extra_context=None):
        self._get_object_or_404(request, object_id)
        return super().change_view(request, object_id, form_url, extra_context)

    def delete_view(self, request, object_id, extra_context=None):
        self._get_object_or_404(request, object_id)
        return super().delete_view(request, object_id, extra_context)

    def history_view(self, request, object_id, extra_context=None):
        # simple-history would otherwise fall back to history rows looked up by id alone.
        self._get_object_or_404(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self._get_object_or_404(request, object_id)
        return super().history_form_view(request, object_id, version_id, extra_context)

    # --- related filters on global models (staff users): rows this tenant uses only ------
    def get_list_filter(self, request):
        return [self._scope_global_filter(spec) for spec in super().get_list_filter(request)]

    def _scope_global_filter(self, spec):
        """A filter on a relation to a global model (e.g. a recruiter, a user) would list every
        tenant's rows; offer only those this tenant's rows point at (RelatedOnly semantics)."""
        name, filter_class = spec if isinstance(spec, (list, tuple)) else (spec, None)
        if not isinstance(name, str):
            return spec  # a SimpleListFilter class: its own lookups
        field = get_fields_from_path(self.model, name)[-1]
        if not field.is_relation or is_tenant_owned(field.related_model):
            return spec
        return (name, related_only(filter_class or RelatedFieldListFilter))

    # --- choices of staff users: this tenant's members only -----------------------------
    def _limit_user_choices(self, db_field, kwargs):
        from people.models import User

        if db_field.related_model is User and "queryset" not in kwargs:
            kwargs["queryset"] = User.objects.filter(memberships__tenant=current_tenant()).distinct()
        return kwargs

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if isinstance(db_field, models.URLField):
            kwargs.setdefault("assume_scheme", "https")  # Django 6's default; a bare host means https
        return super().formfield_for_dbfield(db_field, request, **kwargs)

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

    # --- large files: validated and imported in the background ----------------------------
    def import_action(self, request, **kwargs):
        """A file past settings.IMPORT_BACKGROUND_ROWS rows becomes an ImportJob (validated, then
        imported once confirmed, by tasks); smaller files keep import-export's preview-then-confirm."""
        if request.method == "POST" and self.has_import_permission(request):
            response = self.start_background_import(request)
            if response is not None:
                return response
        return super().import_action(request, **kwargs)

    def start_background_import(self, request):
        """Start a background import of the posted file if it is large, and redirect to its job;
        None for a small file or a form with errors (import_action() then handles it as usual)."""
        from people.services.imports import FORMAT_CLASSES, MAX_IMPORT_BYTES, start_import

        form = self.create_import_form(request)
        if not form.is_valid():
            return None
        format_class = self.get_import_formats()[int(form.cleaned_data["format"])]
        input_format = next(
            (key for key, cls in FORMAT_CLASSES.items() if issubclass(format_class, cls)), None
        )
        if input_format is None:
            return None  # a format only the synchronous import reads
        import_file = form.cleaned_data["import_file"]
        if import_file.size > MAX_IMPORT_BYTES:
            return self._refuse_import(
                request,
                f"{import_file.name} is too large to import (the limit is "
                f"{MAX_IMPORT_BYTES // (1024 * 1024)} MB): split it into several files.",
            )
        reader = format_class(encoding=None if format_class().is_binary() else self.from_encoding)
        try:
            rows = len(reader.create_dataset(b"".join(import_file.chunks())))
        except Exception:
            return None  # unreadable: the synchronous path reports it on the form
        finally:
            import_file.seek(0)
        if rows <= settings.IMPORT_BACKGROUND_ROWS:
            return None
        try:
            job = start_import(
                admin_model_label=self.opts.label_lower,
                resource_class=self.choose_import_resource_class(form, request),
                uploaded_file=import_file,
                input_format=input_format,
                user=request.user,
                total_rows=rows,
            )
        except ValidationError as exc:  # ImportNotAllowed
            return self._refuse_import(request, " ".join(exc.messages))
        self.message_user(
            request,
            f"{import_file.name} has {rows} rows: it is being validated in the background. "
            "Its progress and errors are shown here; confirm the import once it is validated.",
            messages.INFO,
        )
        return HttpResponseRedirect(reverse(f"{self.admin_site.name}:people_importjob_change", args=[job.pk]))

    def _refuse_import(self, request, message):
        self.message_user(request, message, messages.ERROR)
        return HttpResponseRedirect(request.get_full_path())

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
