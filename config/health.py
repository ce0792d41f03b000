"""Liveness (/health/) and readiness (/ready/) probes for load balancers and orchestrators."""

import logging
import time
import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger("config.health")


@never_cache
@require_GET
def health(request):
    """The process is up and serving. Touches no backing service."""
    return JsonResponse({"status": "healthy", "service": "opsconsole", "time": time.time()})


def _check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _check_cache() -> None:
    key, value = f"ready:{uuid.uuid4().hex}", "ok"
    cache.set(key, value, 10)
    if cache.get(key) != value:
        raise RuntimeError("cache did not return the value just written")
    cache.delete(key)


def _check_broker() -> None:
    from django_q.brokers import get_broker

    broker = get_broker()
    if not broker.ping():
        raise RuntimeError("task broker did not answer")
    broker.queue_size()  # the ORM broker's ping is a no-op; this reads its table


CHECKS = {"database": _check_database, "cache": _check_cache, "broker": _check_broker}


@never_cache
@require_GET
def ready(request):
    """200 when every backing service answers, else 503 naming the failing checks."""
    results, errors = {}, {}
    for name, check in CHECKS.items():
        try:
            check()
            results[name] = True
        except Exception as exc:  # a probe reports every failure, it never raises
            results[name] = False
            errors[name] = str(exc) if settings.DEBUG else type(exc).__name__
            logger.warning("readiness check failed", extra={"check": name, "error": str(exc)})
    body = {"status": "ready" if not errors else "unavailable", "checks": results}
    if errors:
        body["failing"] = sorted(errors)
        body["errors"] = errors
    return JsonResponse(body, status=200 if not errors else 503)
