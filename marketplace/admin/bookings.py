"""The bookings admin: the add form requests a booking through marketplace.services.bookings;
a booking is then read-only, and confirm / complete / no-show / cancel are row, detail and bulk
actions (confirming refuses a time at which the provider already has a confirmed booking)."""

from django.contrib import admin
from unfold.contrib.filters.admin import AutocompleteSelectFilter, ChoicesDropdownFilter
from unfold.decorators import action, display
from unfold.paginator import InfinitePaginator

from marketplace.admin.common import ServiceForm, WorkflowRecordAdmin
from marketplace.models import Booking, BookingStatus
from marketplace.services import bookings
from people.admin_fields import note
from people.admin_workflow import Step, StepForm

B = BookingStatus
STATUS_COLOURS = {
    B.REQUESTED: "info",
    B.CONFIRMED: "primary",
    B.COMPLETED: "success",
    B.CANCELLED: "danger",
    B.NO_SHOW: "warning",
}


class BookingServiceForm(ServiceForm):
    field_map = {"end_at": "end_at", "start_at": "start_at"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "end_at" in self.fields:
            self.fields["end_at"].required = False
            self.fields["end_at"].help_text = "Empty: the service's duration after the start."

    def create(self, by):
        data = self.cleaned_data
        return bookings.request_booking(
            service_id=data["service"].pk,
            client_name=data["client_name"],
            client_email=data["client_email"],
            start=data["start_at"],
            end=data.get("end_at"),
            notes=data.get("notes", ""),
            by=by,
        )


class CancelForm(StepForm):
    reason = note("Reason", help_text="Optional; kept with the booking.")


CONFIRM = Step(
    "confirm_booking",
    "Confirm",
    "Confirm this booking? The provider's time is then taken.",
    lambda b, user, d: bookings.confirm_booking(booking_id=b.pk, by=user),
    done=lambda b, result: f"{result}: confirmed.",
)
COMPLETE = Step(
    "complete_booking",
    "Complete",
    "Record that this appointment took place?",
    lambda b, user, d: bookings.complete_booking(booking_id=b.pk, by=user),
    done=lambda b, result: f"{result}: completed.",
)
NO_SHOW = Step(
    "mark_no_show",
    "No-show",
    "Record that the client did not come?",
    lambda b, user, d: bookings.mark_no_show(booking_id=b.pk, by=user),
    done=lambda b, result: f"{result}: recorded as a no-show.",
)
CANCEL = Step(
    "cancel_booking",
    "Cancel…",
    "Cancel this booking? The provider is free at that time again.",
    lambda b, user, d: bookings.cancel_booking(booking_id=b.pk, by=user, reason=d.get("reason", "")),
    CancelForm,
    done=lambda b, result: f"{result}: cancelled.",
    back_label="Keep the booking",
)
STEPS_BY_STATUS = {
    B.REQUESTED: {CONFIRM.name, CANCEL.name},
    B.CONFIRMED: {COMPLETE.name, NO_SHOW.name, CANCEL.name},
}


@admin.register(Booking)
class BookingAdmin(WorkflowRecordAdmin):
    form = BookingServiceForm
    list_display = ["start_at", "end_time", "provider", "service_title", "client_name", "status_label"]
    list_filter = [
        ("status", ChoicesDropdownFilter),
        ("provider", AutocompleteSelectFilter),
        ("service__category", AutocompleteSelectFilter),
    ]
    list_filter_submit = True
    search_fields = ["client_name", "client_email", "provider__display_name", "service__title"]
    list_select_related = ["service", "provider"]
    autocomplete_fields = ["service"]
    date_hierarchy = "start_at"
    ordering = ["-start_at", "-pk"]
    paginator = InfinitePaginator
    show_full_result_count = False
    fields = ["service", "client_name", "client_email", "start_at", "end_at", "notes"]
    readonly_fields = ["provider", "status", "confirmed_at", "cancelled_at", "cancellation_reason"]
    workflow_steps = (CONFIRM, COMPLETE, NO_SHOW, CANCEL)
    actions = ["confirm_selected", "cancel_selected"]
    actions_row = [step.name for step in workflow_steps]
    actions_detail = actions_row

    def get_fields(self, request, obj=None):
        if obj is None:
            return self.fields
        return [
            "service",
            "provider",
            "status",
            "client_name",
            "client_email",
            "start_at",
            "end_at",
            "notes",
            "confirmed_at",
            "cancelled_at",
            "cancellation_reason",
        ]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.readonly_fields

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        return type(form.__name__, (form,), {"by": request.user})

    def has_change_permission(self, request, obj=None):
        return False  # a booking changes through its steps only

    def save_model(self, request, obj, form, change):
        pass  # the form's service call has written the booking

    def allowed_step_names(self, request, obj):
        return STEPS_BY_STATUS.get(obj.status, set())

    @display(description="Ends")
    def end_time(self, obj):
        return (
            f"{obj.end_at:%H:%M}"
            if obj.end_at.date() == obj.start_at.date()
            else f"{obj.end_at:%Y-%m-%d %H:%M}"
        )

    @display(description="Service", ordering="service__title")
    def service_title(self, obj):
        return obj.service.title

    @display(description="Status", ordering="status", label=STATUS_COLOURS)
    def status_label(self, obj):
        return obj.status, obj.get_status_display()

    @action(description="Confirm", url_path="confirm", icon="event_available", permissions=["workflow"])
    def confirm_booking(self, request, object_id):
        return self._step_view(request, object_id, CONFIRM)

    @action(description="Complete", url_path="complete", icon="task_alt", permissions=["workflow"])
    def complete_booking(self, request, object_id):
        return self._step_view(request, object_id, COMPLETE)

    @action(description="No-show", url_path="no-show", icon="person_off", permissions=["workflow"])
    def mark_no_show(self, request, object_id):
        return self._step_view(request, object_id, NO_SHOW)

    @action(description="Cancel…", url_path="cancel", icon="event_busy", permissions=["workflow"])
    def cancel_booking(self, request, object_id):
        return self._step_view(request, object_id, CANCEL)

    @admin.action(description="Confirm selected bookings", permissions=["workflow"])
    def confirm_selected(self, request, queryset):
        return self._bulk_step(request, queryset, CONFIRM, "confirm_selected")

    @admin.action(description="Cancel selected bookings…", permissions=["workflow"])
    def cancel_selected(self, request, queryset):
        return self._bulk_step(request, queryset, CANCEL, "cancel_selected")
