"""A local fake of the few Stripe API endpoints billing uses, for the real stripe SDK to talk to.

    POST /v1/customers             GET /v1/customers/<id>
    POST /v1/payment_intents       GET /v1/payment_intents/<id>
    POST /v1/refunds

It records every request (method, path, form params, Idempotency-Key), answers a repeated
idempotency key with the first answer (as Stripe does), and can be told what the next calls
answer: `server.plan("payment_intents", "decline" | "fail" | "processing" | "requires_action")`,
`server.plan("refunds", "fail" | "pending" | "failed")`. "fail" is a 500 with
Stripe-Should-Retry: false (what Stripe sends), so the SDK does not retry and sleep.
Started on 127.0.0.1 and a free port by the `stripe_api` fixture (tests/billing/conftest.py).
"""

from __future__ import annotations

import itertools
import json
import threading
from collections import defaultdict, deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl


def unflatten(pairs) -> dict:
    """Stripe's form encoding (metadata[tenant_id]=1) back into nested dicts."""
    params: dict = {}
    for key, value in pairs:
        parts = key.replace("]", "").split("[")
        node = params
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return params


@dataclass
class Recorded:
    method: str
    path: str
    params: dict
    idempotency_key: str | None


@dataclass
class FakeStripe:
    requests: list[Recorded] = field(default_factory=list)
    customers: dict = field(default_factory=dict)
    payment_intents: dict = field(default_factory=dict)
    refunds: dict = field(default_factory=dict)
    plans: dict = field(default_factory=lambda: defaultdict(deque))
    replies: dict = field(default_factory=dict)  # idempotency key -> (status, body)
    default_payment_method: str | None = "pm_card_visa"
    lock: threading.Lock = field(default_factory=threading.Lock)
    ids: itertools.count = field(default_factory=lambda: itertools.count(1))
    url: str = ""

    def plan(self, resource: str, *outcomes: str) -> None:
        """What the next calls to `resource` answer, in order (then: success)."""
        self.plans[resource].extend(outcomes)

    def calls(self, method: str, path_prefix: str) -> list[Recorded]:
        return [r for r in self.requests if r.method == method and r.path.startswith(path_prefix)]

    def _id(self, prefix: str) -> str:
        return f"{prefix}_{next(self.ids):06d}"

    # --- endpoints ------------------------------------------------------------------------------

    def create_customer(self, params):
        customer = {
            "id": self._id("cus"),
            "object": "customer",
            "email": params.get("email"),
            "name": params.get("name"),
            "metadata": params.get("metadata", {}),
            "invoice_settings": {"default_payment_method": self.default_payment_method},
        }
        self.customers[customer["id"]] = customer
        return 200, customer

    def create_payment_intent(self, params):
        outcome = self.plans["payment_intents"].popleft() if self.plans["payment_intents"] else "succeed"
        if outcome == "fail":
            return 500, {"error": {"type": "api_error", "message": "Something went wrong on Stripe's end."}}
        intent = {
            "id": self._id("pi"),
            "object": "payment_intent",
            "amount": int(params["amount"]),
            "currency": params["currency"],
            "customer": params.get("customer"),
            "payment_method": params.get("payment_method"),
            "metadata": params.get("metadata", {}),
            "status": {"processing": "processing", "requires_action": "requires_action"}.get(
                outcome, "succeeded"
            ),
            "last_payment_error": None,
        }
        if outcome == "decline":
            error = {
                "type": "card_error",
                "code": "card_declined",
                "decline_code": "insufficient_funds",
                "message": "Your card has insufficient funds.",
            }
            intent.update(status="requires_payment_method", last_payment_error=error)
            self.payment_intents[intent["id"]] = intent
            return 402, {"error": {**error, "payment_intent": intent}}
        self.payment_intents[intent["id"]] = intent
        return 200, intent

    def create_refund(self, params):
        outcome = self.plans["refunds"].popleft() if self.plans["refunds"] else "succeed"
        if outcome == "fail":
            return 500, {"error": {"type": "api_error", "message": "Something went wrong on Stripe's end."}}
        if params.get("payment_intent") not in self.payment_intents:
            return 404, {
                "error": {
                    "type": "invalid_request_error",
                    "code": "resource_missing",
                    "message": f"No such payment_intent: '{params.get('payment_intent')}'",
                }
            }
        refund = {
            "id": self._id("re"),
            "object": "refund",
            "amount": int(params["amount"]),
            "payment_intent": params["payment_intent"],
            "metadata": params.get("metadata", {}),
            "status": {"pending": "pending", "failed": "failed"}.get(outcome, "succeeded"),
            "failure_reason": "lost_or_stolen_card" if outcome == "failed" else None,
        }
        self.refunds[refund["id"]] = refund
        return 200, refund

    def retrieve(self, collection: dict, object_id: str, kind: str):
        if object_id not in collection:
            return 404, {
                "error": {
                    "type": "invalid_request_error",
                    "code": "resource_missing",
                    "message": f"No such {kind}: '{object_id}'",
                }
            }
        return 200, collection[object_id]

    def answer(self, method: str, path: str, params: dict, key: str | None):
        with self.lock:
            self.requests.append(Recorded(method, path, params, key))
            if key and (method, key) in self.replies:
                return self.replies[(method, key)]
            if method == "POST" and path == "/v1/customers":
                reply = self.create_customer(params)
            elif method == "POST" and path == "/v1/payment_intents":
                reply = self.create_payment_intent(params)
            elif method == "POST" and path == "/v1/refunds":
                reply = self.create_refund(params)
            elif method == "GET" and path.startswith("/v1/customers/"):
                reply = self.retrieve(self.customers, path.rsplit("/", 1)[1], "customer")
            elif method == "GET" and path.startswith("/v1/payment_intents/"):
                reply = self.retrieve(self.payment_intents, path.rsplit("/", 1)[1], "payment_intent")
            else:
                reply = (
                    404,
                    {"error": {"type": "invalid_request_error", "message": f"Unknown endpoint {path}"}},
                )
            if key and method == "POST" and reply[0] < 500:
                self.replies[(method, key)] = reply  # Stripe does not keep 500s for a key
            return reply


class _Handler(BaseHTTPRequestHandler):
    fake: FakeStripe

    def _serve(self, method: str):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode() if length else ""
        path, _, query = self.path.partition("?")
        params = unflatten(parse_qsl(body or query, keep_blank_values=True))
        status, payload = self.fake.answer(method, path, params, self.headers.get("Idempotency-Key"))
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Request-Id", "req_fake")
        if status >= 500:
            self.send_header("Stripe-Should-Retry", "false")
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        self._serve("GET")

    def do_POST(self):
        self._serve("POST")

    def log_message(self, format, *args):  # quiet
        pass


class StripeServer:
    """Runs a FakeStripe on 127.0.0.1:<free port> in a thread; use as a context manager."""

    def __init__(self):
        self.fake = FakeStripe()
        handler = type("Handler", (_Handler,), {"fake": self.fake})
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.fake.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )

    def __enter__(self) -> FakeStripe:
        self.thread.start()
        return self.fake

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)
