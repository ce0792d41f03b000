"""What the billing admins share: the workflow admin bases, the form that writes through a service,
money and status columns (step form fields and read-only inlines are the kernel's:
people.admin_fields, people.admin_workflow)."""

from django import forms

from billing.money import display
from people.admin_base import TenantOwnedAdmin
from people.admin_workflow import WorkflowActionsMixin, add_service_error


def money(amount, currency) -> str:
    """An amount with its currency, as people read it: '€1,234.50'."""
    return display(amount, currency) if currency else "—"


class WorkflowAdmin(WorkflowActionsMixin, TenantOwnedAdmin):
    """A tenant-owned admin whose records also have workflow steps (row, detail and bulk actions);
    running a step needs the role's change permission (`has_workflow_permission`)."""


class RecordAdmin(WorkflowAdmin):
    """Records that only the billing services write (payments, refunds, escrow entries, gateway
    events, reports): never added, changed, deleted or imported here; exported and read only."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_import_permission(self, request):
        return False


class ServiceForm(forms.ModelForm):
    """An add form that writes through a service function: the service is the form's model
    validation, so its refusal becomes this form's error and nothing is written.

    Subclasses set `create(by)` -> the created object; the admin sets `by` per request."""

    by = None
    field_map: dict[str, str] = {}

    def create(self, by):  # pragma: no cover - subclasses define it
        raise NotImplementedError

    def _post_clean(self):
        if self.instance.pk is not None:
            super()._post_clean()  # a change: the model's own validation
            return
        if self._errors:
            return
        try:
            self.instance = self.create(self.by)
        except forms.ValidationError as exc:
            add_service_error(self, exc, self.field_map)


class ServiceFormAdminMixin:
    """Gives the add form the requesting user and leaves the write to the form's service call."""

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        return type(form.__name__, (form,), {"by": request.user})

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
        # Adding: the form's service call has written the record.
