"""What the marketplace admins share: the workflow admin bases and forms that write through a
service (step form fields and read-only inlines are the kernel's: people.admin_fields,
people.admin_workflow)."""

from django import forms

from people.admin_base import TenantOwnedAdmin
from people.admin_workflow import WorkflowActionsMixin, add_service_error


class WorkflowAdmin(WorkflowActionsMixin, TenantOwnedAdmin):
    """A tenant-owned admin whose records also have workflow steps (row, detail and bulk actions);
    running a step needs the role's change permission (`has_workflow_permission`)."""


class WorkflowRecordAdmin(WorkflowAdmin):
    """Records whose status only the marketplace services change: no import (statuses come from
    the workflow, never from a file) and no delete (the provider's figures follow them)."""

    def has_import_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ServiceForm(forms.ModelForm):
    """An add form that writes through a service function: the service is the form's model
    validation, so its refusal becomes this form's error and nothing is written.

    Subclasses set `create(form, by)` -> the created object; the admin sets `by` per request."""

    by = None

    def create(self, by):  # pragma: no cover - subclasses define it
        raise NotImplementedError

    def _post_clean(self):
        if self._errors or self.instance.pk is not None:
            if self.instance.pk is not None:
                super()._post_clean()  # a change: the model's own validation
            return
        try:
            self.instance = self.create(self.by)
        except forms.ValidationError as exc:
            add_service_error(self, exc, getattr(self, "field_map", None))
