"""The Stripe webhook: POST /billing/webhooks/stripe/.

1. The signature is verified with STRIPE_WEBHOOK_SECRET (the SDK's Webhook.construct_event): a
   bad or missing signature, or a body that is not an event, gets 400 and nothing is stored.
2. The tenant is our metadata tenant_id on the event's object, else the tenant of the payment or
   refund whose gateway reference the object names (a logged cross-tenant lookup). An event of no
   tenant of ours gets 200 (Stripe stops resending it), a warning in the log, and is not stored.
3. Inside that tenant the event is stored once (unique tenant, gateway, event id) and processed
   (billing.gateways.stripe_events). A delivery of an event already processed or ignored changes
   nothing; one that failed is processed again. Processing errors are recorded on the event
   (status failed, the error as its result) and answered 200: finance replays it from the admin
   (replay_gateway_event) once the cause is fixed.
"""

from __future__ import annotations

import json
import logging

import stripe
from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpResponseBadRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from billing.gateways.stripe_events import handle_event, metadata_id
from billing.models import EventStatus, GatewayEvent, PaymentTransaction, RefundRequest
from people.models import Tenant, User
from people.tenancy import all_tenants, tenant_context

logger = logging.getLogger("billing.webhooks")
DONE = (EventStatus.PROCESSED, EventStatus.IGNORED)


def _references(obj: dict) -> list[str]:
    """Gateway references an event object names: its own id and the payment intent it belongs to."""
    return [ref for ref in (obj.get("id"), obj.get("payment_intent")) if isinstance(ref, str) and ref]


def event_tenant(payload: dict) -> Tenant | None:
    """The active tenant an event belongs to, or None."""
    obj = (payload.get("data") or {}).get("object") or {}
    tenant_id = metadata_id(obj, "tenant_id")
    if tenant_id is None:
        references = _references(obj)
        if not references:
            return None
        with all_tenants(
            reason="stripe webhook: find the tenant of a payment or refund by its gateway reference"
        ):
            owners = set(
                PaymentTransaction.objects.filter(
                    gateway="stripe", gateway_reference__in=references
                ).values_list("tenant_id", flat=True)
            ) | set(
                RefundRequest.objects.filter(gateway_reference__in=references).values_list(
                    "tenant_id", flat=True
                )
            )
        if len(owners) != 1:
            return None
        [tenant_id] = owners
    return Tenant.objects.filter(pk=tenant_id, is_active=True).first()


def _store(payload: dict) -> tuple[GatewayEvent, bool]:
    """The event's row in the active tenant, created the first time it arrives."""
    fields = {"event_type": payload.get("type", "")[:100], "payload": payload}
    try:
        with transaction.atomic():
            return GatewayEvent.objects.get_or_create(
                gateway="stripe", event_id=payload["id"][:100], defaults=fields
            )
    except IntegrityError:  # the same event delivered twice at once: the other delivery stored it
        return GatewayEvent.objects.get(gateway="stripe", event_id=payload["id"][:100]), False


def process_event(event_pk: int, *, by: User | None = None, replay: bool = False) -> GatewayEvent:
    """Apply a stored event once (`replay`: again, which changes nothing already applied)."""
    try:
        with transaction.atomic():
            event = GatewayEvent.objects.select_for_update().get(pk=event_pk)
            if event.status in DONE and not replay:
                return event  # a concurrent delivery processed it while this one waited
            event.status, event.result = handle_event(event.payload, by=by)
            event.processed_at, event.attempts = timezone.now(), event.attempts + 1
            event._history_user = by
            event.save()
            return event
    except Exception as error:  # recorded on the event; finance replays it once the cause is fixed
        logger.exception("stripe event failed", extra={"event_pk": event_pk})
        event = GatewayEvent.objects.get(pk=event_pk)
        event.status, event.result = EventStatus.FAILED, f"{type(error).__name__}: {error}"[:2000]
        event.processed_at, event.attempts = timezone.now(), event.attempts + 1
        event._history_user = by
        event.save()
        return event


def receive_stripe_event(payload: dict) -> str:
    """Store and process a verified event; returns what happened (for the response and logs)."""
    tenant = event_tenant(payload)
    if tenant is None:
        logger.warning(
            "stripe event for no tenant of ours; not stored",
            extra={"event_id": payload.get("id"), "event_type": payload.get("type")},
        )
        return "unknown_tenant"
    with tenant_context(tenant):
        event, created = _store(payload)
        if not created and event.status in DONE:
            return "duplicate"
        return process_event(event.pk).status


def replay_gateway_event(*, event_id: int, by: User | None = None) -> GatewayEvent:
    """Admin action "replay": process a stored event again (`event_id` is the GatewayEvent's
    primary key). Safe on any event: processing is idempotent (a payment already recorded as
    succeeded is not counted on its invoice twice)."""
    GatewayEvent.objects.get(pk=event_id)  # scoped: another tenant's event does not exist here
    return process_event(event_id, by=by, replay=True)


@csrf_exempt
@require_POST
def stripe_webhook(request):
    payload = request.body
    try:
        stripe.Webhook.construct_event(
            payload, request.headers.get("Stripe-Signature"), settings.STRIPE_WEBHOOK_SECRET
        )
        data = json.loads(payload)
        if not isinstance(data.get("id"), str) or not isinstance(data.get("type"), str):
            raise ValueError("not an event")
    except (ValueError, TypeError, AttributeError, stripe.SignatureVerificationError) as error:
        logger.warning("refused stripe webhook", extra={"reason": str(error)[:200]})
        return HttpResponseBadRequest("Invalid Stripe webhook: bad signature or payload.")
    return JsonResponse({"received": True, "result": receive_stripe_event(data)})
