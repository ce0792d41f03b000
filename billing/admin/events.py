"""Gateway events (webhooks as the gateway sent them, stored once) and the invoice numbering:
records read here. An event can be replayed (billing.webhooks.replay_gateway_event), e.g. once
the cause of its failure is fixed; processing is idempotent, so replaying never counts a payment
twice."""

import json

from django.contrib import admin
from django.utils.html import format_html
from unfold.contrib.filters.admin import ChoicesDropdownFilter
from unfold.decorators import action, display

from billing.admin.common import RecordAdmin
from billing.models import EventStatus, GatewayEvent, InvoiceSequence
from billing.webhooks import replay_gateway_event
from people.admin_workflow import Step

E = EventStatus
STATUS_COLOURS = {E.RECEIVED: "info", E.PROCESSED: "success", E.IGNORED: "info", E.FAILED: "danger"}


REPLAY = Step(
    "replay_event",
    "Replay",
    "Process this event again? What it already changed is not applied twice.",
    lambda event, user, data: replay_gateway_event(event_id=event.pk, by=user),
    done=lambda event, result: f"{result}: {result.get_status_display().lower()}. {result.result}".strip(),
)


@admin.register(GatewayEvent)
class GatewayEventAdmin(RecordAdmin):
    list_display = [
        "received_at",
        "event_type",
        "event_id",
        "gateway",
        "status_label",
        "attempts",
        "processed_at",
    ]
    list_filter = [("status", ChoicesDropdownFilter), "gateway"]
    list_filter_submit = True
    search_fields = ["event_id", "event_type", "result"]
    date_hierarchy = "received_at"
    ordering = ["-received_at", "-pk"]
    fields = readonly_fields = [
        "gateway",
        "event_id",
        "event_type",
        "status_label",
        "result",
        "received_at",
        "processed_at",
        "attempts",
        "payload_text",
    ]
    workflow_steps = (REPLAY,)
    actions = ["replay_selected"]
    actions_row = [REPLAY.name]
    actions_detail = actions_row

    @display(description="Status", ordering="status", label=STATUS_COLOURS)
    def status_label(self, obj):
        return obj.status, obj.get_status_display()

    @display(description="Payload")
    def payload_text(self, obj):
        return format_html(
            '<pre style="white-space:pre-wrap;font-size:12px">{}</pre>',
            json.dumps(obj.payload, indent=2, sort_keys=True),
        )

    @action(description="Replay", url_path="replay", icon="replay", permissions=["workflow"])
    def replay_event(self, request, object_id):
        return self._step_view(request, object_id, REPLAY)

    @admin.action(description="Replay selected events", permissions=["workflow"])
    def replay_selected(self, request, queryset):
        return self._bulk_step(request, queryset, REPLAY, "replay_selected")


@admin.register(InvoiceSequence)
class InvoiceSequenceAdmin(RecordAdmin):
    """The last invoice number given per year: gap-free, drawn only by issuing an invoice."""

    list_display = ["year", "last_number", "updated_at"]
    fields = readonly_fields = ["year", "last_number", "updated_at"]
    search_fields = ["year"]
    ordering = ["-year"]
