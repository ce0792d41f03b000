"""What the marketplace admins share: unfold-styled step form fields, read-only inlines, the
workflow-only base and forms that write through a service."""

from django import forms
from unfold.admin import TabularInline
from unfold.widgets import (
    UnfoldAdminDecimalFieldWidget,
    UnfoldAdminEmailInputWidget,
    UnfoldAdminSelectWidget,
    UnfoldAdminSingleDateWidget,
    UnfoldAdminSplitDateTimeWidget,
    UnfoldAdminTextInputWidget,
    UnfoldBooleanSwitchWidget,
)

from people.admin_base import TenantOwnedAdmin
from people.admin_workflow import WorkflowActionsMixin, add_service_error, textarea


# --- step form fields --------------------------------------------------------------------------
def text(label, *, required=True, max_length=200, help_text=""):
    return forms.CharField(
        label=label,
        required=required,
        max_length=max_length,
        help_text=help_text,
        widget=UnfoldAdminTextInputWidget,
    )


def email(label):
    return forms.EmailField(label=label, widget=UnfoldAdminEmailInputWidget)


def note(label="Note", *, required=False, help_text="", error=None):
    extra = {"error_messages": {"required": error}} if error else {}
    return forms.CharField(label=label, required=required, help_text=help_text, widget=textarea(3), **extra)


def choice(label, choices=(), *, required=True, initial=None):
    return forms.ChoiceField(
        label=label, choices=choices, required=required, initial=initial, widget=UnfoldAdminSelectWidget
    )


def moment(label, *, required=True, help_text=""):
    return forms.SplitDateTimeField(
        label=label, required=required, help_text=help_text, widget=UnfoldAdminSplitDateTimeWidget
    )


def day(label, *, required=False, help_text=""):
    return forms.DateField(
        label=label, required=required, help_text=help_text, widget=UnfoldAdminSingleDateWidget
    )


def amount(label):
    return forms.DecimalField(
        label=label, max_digits=14, decimal_places=2, widget=UnfoldAdminDecimalFieldWidget
    )


def switch(label, *, initial=False, help_text=""):
    return forms.BooleanField(
        label=label, required=False, initial=initial, help_text=help_text, widget=UnfoldBooleanSwitchWidget
    )


# --- admins and inlines --------------------------------------------------------------------------
class ReadOnlyInline(TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


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
