"""The services admin: what providers offer (title, category, price, duration), and "Book…", which
requests a booking for a client through marketplace.services.bookings."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from unfold.contrib.filters.admin import AutocompleteSelectFilter, RelatedDropdownFilter
from unfold.decorators import action, display

from marketplace.admin.common import WorkflowAdmin
from marketplace.models import Service
from marketplace.resources import ServiceResource
from marketplace.services import bookings
from people.admin_fields import email, moment, note, text
from people.admin_workflow import Step, StepForm


class BookForm(StepForm):
    client_name = text("Client name")
    client_email = email("Client e-mail")
    start = moment("Start")
    end = moment("End", required=False, help_text="Empty: the service's duration after the start.")
    notes = note("Notes")


def _booked(service, booking):
    url = reverse("admin:marketplace_booking_change", args=[booking.pk])
    return format_html('Requested: <a href="{}">{}</a>. Confirm it from the booking.', url, booking)


BOOK = Step(
    "book_service",
    "Book…",
    "Request a booking of this service for a client (confirm it from the booking).",
    lambda s, user, d: bookings.request_booking(
        service_id=s.pk,
        client_name=d["client_name"],
        client_email=d["client_email"],
        start=d["start"],
        end=d["end"],
        notes=d["notes"],
        by=user,
    ),
    BookForm,
    done=_booked,
    field_map={"start_at": "start", "end_at": "end"},
)


@admin.register(Service)
class ServiceAdmin(WorkflowAdmin):
    resource_classes = [ServiceResource]
    list_display = ["title", "provider", "category", "price_text", "duration_minutes", "is_active"]
    list_filter = [
        ("provider", AutocompleteSelectFilter),
        ("category", RelatedDropdownFilter),
        "is_active",
    ]
    list_filter_submit = True
    search_fields = ["title", "provider__display_name", "category__name"]
    list_select_related = ["provider", "category"]
    autocomplete_fields = ["provider", "category"]
    ordering = ["provider__display_name", "title", "pk"]
    fields = [
        "provider",
        "title",
        "category",
        "description",
        "price",
        "currency",
        "duration_minutes",
        "is_active",
    ]
    workflow_steps = (BOOK,)
    actions_row = [BOOK.name]
    actions_detail = [BOOK.name]

    def get_readonly_fields(self, request, obj=None):
        # A service's bookings carry its provider: a service never moves to another provider.
        return ["provider"] if obj is not None else []

    def allowed_step_names(self, request, obj):
        return {BOOK.name} if obj.is_active else set()

    @display(description="Price", ordering="price")
    def price_text(self, obj):
        return f"{obj.price:,.2f} {obj.currency}"

    @action(description="Book…", url_path="book", icon="event_available", permissions=["workflow"])
    def book_service(self, request, object_id):
        return self._step_view(request, object_id, BOOK)
