"""Background imports: the jobs of large import files, their progress, errors and confirmation.

Jobs are made only by the import page of a model (TenantOwnedAdmin.import_action sends a file past
settings.IMPORT_BACKGROUND_ROWS rows to people.services.imports.start_import), never added or edited
here. Who sees a job: the person who uploaded it, and everyone whose role may import the job's model
in the active tenant (the model admin's has_import_permission, i.e. the role's permission groups).
The file is served only through this admin (looked up through that scoped, filtered queryset),
never from a public media URL.
"""

import logging

from django.contrib import admin
from django.db.models import Q
from django.http import FileResponse, Http404
from django.urls import path, reverse
from django.utils.html import format_html
from unfold.contrib.filters.admin import ChoicesDropdownFilter
from unfold.decorators import action, display

from people.admin_base import TenantOwnedAdmin
from people.admin_workflow import Step, WorkflowActionsMixin
from people.models import ImportJob, ImportStatus
from people.resources import TenantResource
from people.services import imports as import_service

audit_log = logging.getLogger("audit")

STATUS_COLOURS = {
    ImportStatus.QUEUED_FOR_VALIDATION: "info",
    ImportStatus.VALIDATING: "info",
    ImportStatus.VALIDATED: "warning",
    ImportStatus.VALIDATION_FAILED: "danger",
    ImportStatus.QUEUED_FOR_IMPORT: "info",
    ImportStatus.IMPORTING: "info",
    ImportStatus.IMPORTED: "success",
    ImportStatus.FAILED: "danger",
}
REFRESH_SECONDS = 3  # the detail page reloads itself while a job waits or runs


def model_name(label: str) -> str:
    from django.apps import apps

    try:
        return str(apps.get_model(label)._meta.verbose_name_plural).capitalize()
    except (LookupError, ValueError):
        return label


class ImportJobResource(TenantResource):
    """Exports the job list (never the stored file or the errors)."""

    class Meta(TenantResource.Meta):
        model = ImportJob
        fields = (
            "id",
            "original_name",
            "model_label",
            "status",
            "total_rows",
            "new_count",
            "updated_count",
            "skipped_count",
            "invalid_count",
            "error_count",
            "created_at",
            "finished_at",
        )


class ImportedModelFilter(admin.SimpleListFilter):
    title = "model"
    parameter_name = "model"

    def lookups(self, request, model_admin):
        labels = model_admin.get_queryset(request).order_by().values_list("model_label", flat=True).distinct()
        return sorted(((label, model_name(label)) for label in labels), key=lambda choice: choice[1])

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(model_label=self.value())
        return queryset


CONFIRM = Step(
    name="confirm_import",
    title="Confirm import",
    question="Import every row of this validated file? It runs in the background, all or nothing.",
    run=lambda obj, user, data: import_service.confirm_import(job=obj, user=user),
    done=lambda obj, result: f"{result}: confirmed, the import runs in the background.",
    back_label="Not now",
)


@admin.register(ImportJob)
class ImportJobAdmin(WorkflowActionsMixin, TenantOwnedAdmin):
    resource_classes = [ImportJobResource]
    change_form_template = "people/admin/import_job_change_form.html"
    list_display = [
        "original_name",
        "status_label",
        "model",
        "total_rows",
        "progress",
        "created_by",
        "created_at",
    ]
    list_filter = [("status", ChoicesDropdownFilter), ImportedModelFilter]
    list_filter_submit = True
    search_fields = ["original_name"]
    list_select_related = ["created_by"]
    date_hierarchy = "created_at"
    ordering = ["-created_at", "-pk"]
    fieldsets = [
        ("File", {"fields": ["download", "model", "input_format", "created_by", "created_at"]}),
        (
            "Result",
            {
                "fields": [
                    "status_label",
                    "total_rows",
                    ("new_count", "updated_count", "skipped_count"),
                    ("invalid_count", "error_count"),
                    "failure_message",
                    "confirmed_by",
                    ("started_at", "finished_at"),
                ]
            },
        ),
    ]
    readonly_fields = [
        "download",
        "model",
        "input_format",
        "created_by",
        "created_at",
        "status_label",
        "total_rows",
        "new_count",
        "updated_count",
        "skipped_count",
        "invalid_count",
        "error_count",
        "failure_message",
        "confirmed_by",
        "started_at",
        "finished_at",
    ]
    actions_detail = [CONFIRM.name]
    workflow_steps = (CONFIRM,)

    # --- who sees which jobs ------------------------------------------------------------------
    def importable_labels(self, request) -> frozenset[str]:
        """Models ("app_label.model_name") the user may import in the active tenant, per their role."""
        cached = getattr(request, "_importable_model_labels", None)
        if cached is None:
            cached = frozenset(
                model._meta.label_lower
                for model, model_admin in self.admin_site._registry.items()
                if model is not ImportJob
                and hasattr(model_admin, "has_import_permission")
                and model_admin.has_import_permission(request)
            )
            request._importable_model_labels = cached
        return cached

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .filter(Q(created_by=request.user) | Q(model_label__in=self.importable_labels(request)))
            .select_related("created_by", "confirmed_by")
        )

    def has_view_permission(self, request, obj=None):
        # unfold passes an object's id (a string) when it checks an action's permissions.
        if isinstance(obj, ImportJob) and obj.created_by_id == request.user.pk:
            return True
        return bool(self.importable_labels(request)) or super().has_view_permission(request, obj)

    def has_module_permission(self, request):
        return self.has_view_permission(request)

    def has_add_permission(self, request):
        return False  # jobs come from the import page of a model

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # the people.delete_old_imports schedule deletes jobs after 30 days

    def has_import_permission(self, request):
        return False

    def has_workflow_permission(self, request, obj=None):
        """Confirming needs the permission to import the job's model (checked once the job is
        found, so another tenant's job answers 404 like every other view)."""
        return obj is not None and obj.model_label in self.importable_labels(request)

    def allowed_step_names(self, request, obj) -> set[str]:
        if (
            obj.status == ImportStatus.VALIDATED
            and not obj.error_count
            and self.has_workflow_permission(request, obj)
        ):
            return {CONFIRM.name}
        return set()

    @action(description="Confirm import", url_path="confirm", icon="upload", permissions=["view"])
    def confirm_import(self, request, object_id):
        return self._step_view(request, object_id, CONFIRM)

    # --- the stored file, through this admin only ------------------------------------------------
    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<path:object_id>/file/",
                self.admin_site.admin_view(self.download_view),
                name="{}_{}_file".format(*info),
            ),
            *super().get_urls(),
        ]

    def download_view(self, request, object_id):
        job = self._get_object_or_404(request, object_id)  # scoped to the tenant and the user's roles
        if not self.has_view_permission(request, job) or not job.file:
            raise Http404
        try:
            stored = job.file.open("rb")
        except FileNotFoundError:
            raise Http404("The file of this import is no longer stored.") from None
        audit_log.info(
            "import file download",
            extra={"user_id": request.user.pk, "tenant_id": job.tenant_id, "import_job_id": job.pk},
        )
        return FileResponse(stored, as_attachment=True, filename=job.original_name)

    # --- the detail page: progress (cache while running) and errors ------------------------------
    def change_view(self, request, object_id, form_url="", extra_context=None):
        job = self._get_object_or_404(request, object_id)
        context = {
            "import_job": job,
            "import_progress": import_service.job_progress(job),
            "refresh_seconds": REFRESH_SECONDS if job.is_running or job.is_waiting else None,
            "model_url": self._model_changelist_url(job.model_label),
            **(extra_context or {}),
        }
        return super().change_view(request, object_id, form_url, context)

    def _model_changelist_url(self, label):
        app_label, _, name = label.partition(".")
        try:
            return reverse(f"{self.admin_site.name}:{app_label}_{name}_changelist")
        except Exception:
            return None

    # --- columns ---------------------------------------------------------------------------------
    @display(description="Status", ordering="status", label=STATUS_COLOURS)
    def status_label(self, obj):
        return obj.status, obj.get_status_display()

    @display(description="Model", ordering="model_label")
    def model(self, obj):
        url = self._model_changelist_url(obj.model_label)
        name = model_name(obj.model_label)
        return format_html('<a href="{}">{}</a>', url, name) if url else name

    @display(description="Progress")
    def progress(self, obj):
        figures = import_service.job_progress(obj)
        if not figures["total"]:
            return "—"
        return f"{figures['processed']:,} / {figures['total']:,} ({figures['percent']}%)"

    @display(description="File")
    def download(self, obj):
        if not obj.pk or not obj.file:
            return obj.original_name
        url = reverse(f"{self.admin_site.name}:people_importjob_file", args=[obj.pk])
        return format_html('<a href="{}" class="text-primary-600">{}</a>', url, obj.original_name)
