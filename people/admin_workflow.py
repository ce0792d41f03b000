"""The workflow machinery every admin shares: one `Step` per action a person can take on a record
(approve a time-off request, move an application, verify a provider...), and a mixin that serves
each step as a row, detail or bulk action of a ModelAdmin.

GET shows a confirmation page with the step's form and changes nothing; POST runs the step's
service function. The object is always re-fetched through the admin's (scoped) queryset, so another
tenant's id answers 404. A refusal (any `ValidationError` a service raises: the apps' domain errors
subclass it) never becomes an error page: a form with inputs re-renders with the service's message
on the field it names (or above the form); a plain confirmation goes back with the message shown as
an error. Nothing is written on a refusal (each service runs in one transaction).
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django import forms
from django.contrib import messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from unfold.admin import TabularInline
from unfold.widgets import UnfoldAdminTextareaWidget

STEP_TEMPLATE = "admin/workflow_step.html"


def textarea(rows=3):
    return UnfoldAdminTextareaWidget(attrs={"rows": rows})


class ReadOnlyInline(TabularInline):
    """Records written by the workflow, shown on their parent's page: never added, changed or
    deleted here."""

    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ConfirmForm(forms.Form):
    """A step that needs no input: the page only asks for confirmation."""

    def __init__(self, *args, obj=None, request=None, **kwargs):
        super().__init__(*args, **kwargs)


class StepForm(ConfirmForm):
    """Base of the step forms: they receive the object and the request (for per-object choices)."""

    def __init__(self, *args, obj=None, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.obj, self.request = obj, request


@dataclass(frozen=True)
class Step:
    """One workflow step the admin offers on a record, and the service call behind it."""

    name: str  # the admin method's name (the action)
    title: str  # the button
    question: str  # what the confirmation page asks
    run: Callable  # run(obj, user, cleaned_data) -> result; raises ValidationError to refuse
    form_class: type[forms.Form] = ConfirmForm
    done: Callable | None = None  # done(obj, result) -> success message (str or safe HTML)
    field_map: dict[str, str] = field(default_factory=dict)  # service error key -> form field
    back_label: str = "Cancel"


def add_service_error(form: forms.BaseForm, exc: ValidationError, field_map=None) -> None:
    """Put a service's refusal on the form: on the field it names, else as a non-field error."""
    field_map = field_map or {}
    if hasattr(exc, "error_dict"):
        for key, errors in exc.error_dict.items():
            name = field_map.get(key, key)
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def refusal_text(exc: ValidationError) -> str:
    return " ".join(exc.messages)


class WorkflowActionsMixin:
    """Serves `Step`s as unfold row/detail actions and Django bulk actions of a ModelAdmin.

    Subclasses declare their steps in `workflow_steps`, define an `@action` method per step that
    returns `self._step_view(request, object_id, STEP)`, and may override
    `allowed_step_names(request, obj)` to offer only the steps the object's status allows (the
    service still has the last word).
    """

    workflow_steps: tuple[Step, ...] = ()

    # --- who may run a step ----------------------------------------------------------------
    def has_workflow_permission(self, request, obj=None):
        """Running a workflow step needs the role's change permission on the model (the admins
        themselves are read-only: WorkflowOnlyAdmin answers no to has_change_permission)."""
        opts = self.opts
        return request.user.has_perm(f"{opts.app_label}.change_{opts.model_name}")

    def allowed_step_names(self, request, obj) -> set[str]:
        return {step.name for step in self.workflow_steps}

    def get_actions_detail(self, request, object_id):
        obj = self.get_object(request, unquote(object_id))
        allowed = self.allowed_step_names(request, obj) if obj is not None else set()
        prefix = f"{self.opts.app_label}_{self.opts.model_name}_"
        return [
            unfold_action
            for unfold_action in super().get_actions_detail(request, object_id)
            if unfold_action.action_name.removeprefix(prefix) in allowed
        ]

    # --- one object: row and detail actions ----------------------------------------------------
    def _step_view(self, request, object_id, step: Step, permission="workflow"):
        obj = self._get_object_or_404(request, object_id)  # through self.get_queryset(request)
        if not getattr(self, f"has_{permission}_permission")(request, obj):
            raise PermissionDenied
        change_url = reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[obj.pk])
        back_url = self._back_url(request, change_url)
        data = request.POST if request.method == "POST" else None
        form = step.form_class(data, obj=obj, request=request)
        if request.method == "POST" and form.is_valid():
            try:
                result = step.run(obj, request.user, form.cleaned_data)
            except ValidationError as exc:
                if not form.fields:  # nothing to correct on the page: go back with the message
                    self.message_user(request, f"{obj}: {refusal_text(exc)}", messages.ERROR)
                    return HttpResponseRedirect(back_url)
                add_service_error(form, exc, step.field_map)
            else:
                self.message_user(request, self._done_message(step, obj, result), messages.SUCCESS)
                return HttpResponseRedirect(self.step_success_url(request, step, obj, result, back_url))
        return self._step_page(request, step, form, [obj], back_url)

    def step_success_url(self, request, step, obj, result, back_url):
        return back_url

    def _done_message(self, step, obj, result):
        return step.done(obj, result) if step.done else f"{obj}: {step.title.rstrip('…').lower()} done."

    def _back_url(self, request, default):
        """Where the step page returns: the page it was opened from (same host only)."""
        if request.method == "POST":
            candidate = request.POST.get("next")
        else:
            candidate = request.GET.get("next") or request.META.get("HTTP_REFERER")
        if candidate and url_has_allowed_host_and_scheme(
            candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return candidate
        return default

    def _step_page(self, request, step, form, objects, back_url, bulk_action=None):
        context = {
            **self.admin_site.each_context(request),
            "title": f"{step.title.rstrip('…')}: {objects[0] if len(objects) == 1 else self.opts.verbose_name_plural}",
            "opts": self.opts,
            "step": step,
            "form": form,
            "objects": objects,
            "back_url": back_url,
            "bulk_action": bulk_action,
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
            "media": self.media + form.media,
        }
        return TemplateResponse(request, STEP_TEMPLATE, context)

    # --- several objects: bulk changelist actions ----------------------------------------------
    def _bulk_step(self, request, queryset, step: Step, bulk_action: str):
        """Run `step` on each selected object (re-fetched through this admin's queryset); a step
        with inputs first shows its form, posted back with the selection."""
        selected = list(self.get_queryset(request).filter(pk__in=queryset.values("pk")))
        form = step.form_class(request.POST if "post" in request.POST else None)
        if form.fields and not form.is_valid():
            return self._step_page(
                request, step, form, selected, request.get_full_path(), bulk_action=bulk_action
            )
        data = form.cleaned_data if form.fields else {}
        results = []
        for obj in selected:
            try:
                results.append(step.run(obj, request.user, data))
            except ValidationError as exc:
                self.message_user(request, f"{obj}: {refusal_text(exc)}", messages.ERROR)
        if results:
            self.message_user(request, self.bulk_done_message(step, results), messages.SUCCESS)
        return None

    def bulk_done_message(self, step: Step, results: list) -> str:
        """The success message of a bulk step that ran on `results` (each its step's return value)."""
        done = len(results)
        noun = self.opts.verbose_name if done == 1 else self.opts.verbose_name_plural
        return f"{step.title.rstrip('…')}: done for {done} {noun}."
