"""The platform page (/admin/platform/), for platform staff (superusers) only; anyone else gets 403.

It shows the schedules with their last run and result, failed tasks with their error and a retry,
the queue length and each tenant's latest health snapshot (people.tenant_health). It runs a
constant number of queries whatever the number of schedules, failures or tenants.
"""

import ast
import logging
from datetime import datetime
from functools import wraps

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.views.decorators.http import require_http_methods
from django_q.brokers import get_broker
from django_q.models import Failure, Schedule, Task

from people.background import TRAMPOLINE, send_again
from people.models import Tenant
from people.scheduling import FAN_OUT, RUN_GLOBAL
from people.tenant_health import latest_snapshots

logger = logging.getLogger("config.platform")

FAILED_SHOWN = 50  # newest first; the Failed tasks admin lists them all


def _scheduled_func(schedule: Schedule) -> str:
    """What a code-declared schedule runs: its trampoline's first argument."""
    if schedule.func in (FAN_OUT, RUN_GLOBAL):
        try:
            return ast.literal_eval(schedule.args or "()")[0]
        except (ValueError, SyntaxError, IndexError):
            pass
    return schedule.func


def _timing(schedule: Schedule) -> str:
    if schedule.schedule_type == Schedule.MINUTES:
        return f"every {schedule.minutes} minutes"
    if schedule.schedule_type == Schedule.CRON:
        return f"cron {schedule.cron}"
    return schedule.get_schedule_type_display().lower()


def schedule_rows() -> list[dict]:
    """Every schedule with its last task (two queries)."""
    schedules = list(Schedule.objects.order_by("name"))
    last_tasks = Task.objects.in_bulk([s.task for s in schedules if s.task])
    return [
        {
            "schedule": s,
            "runs": _scheduled_func(s),
            "per_tenant": s.func == FAN_OUT,
            "timing": _timing(s),
            "last": last_tasks.get(s.task),
        }
        for s in schedules
    ]


def failed_task_rows(failures) -> list[dict]:
    """Failed tasks with the tenant and function a trampoline task ran (one query for the tenants)."""
    tenant_ids = {f.args[0] for f in failures if f.func == TRAMPOLINE and f.args}
    tenants = Tenant.objects.in_bulk(tenant_ids)
    rows = []
    for failure in failures:
        tenant_task = failure.func == TRAMPOLINE and len(failure.args or ()) >= 2
        rows.append(
            {
                "task": failure,
                "runs": failure.args[1] if tenant_task else failure.func,
                "tenant": tenants.get(failure.args[0]) if tenant_task else None,
                "error": str(failure.result or ""),
            }
        )
    return rows


def queue_length() -> dict:
    """Tasks waiting in the broker, and (ORM broker) those a worker has taken and not finished."""
    broker = get_broker()
    try:
        return {"waiting": broker.queue_size(), "running": broker.lock_size(), "error": None}
    except Exception as exc:  # the page must still show schedules and failures
        logger.warning("broker unavailable on the platform page", extra={"error": str(exc)})
        return {"waiting": None, "running": None, "error": type(exc).__name__}


def health_rows() -> list[dict]:
    """The latest snapshot of each tenant (one query)."""
    rows = []
    for snapshot in latest_snapshots().select_related("tenant").order_by("tenant__name"):
        runs = snapshot.last_runs or {}
        rows.append(
            {
                "snapshot": snapshot,
                "records": sorted(snapshot.record_counts.items()),
                "last_runs": [
                    (name, datetime.fromisoformat(when) if when else None)
                    for name, when in sorted(runs.items())
                ],
                "never_ran": sum(1 for when in runs.values() if not when),
            }
        )
    return rows


def platform_status(request, site):
    context = {
        **site.each_context(request),
        "title": "Platform",
        "schedules": schedule_rows(),
        "failed": failed_task_rows(Failure.objects.order_by("-stopped")[:FAILED_SHOWN]),
        "failed_total": Failure.objects.count(),
        "failed_shown": FAILED_SHOWN,
        "queue": queue_length(),
        "health": health_rows(),
    }
    return TemplateResponse(request, "console/platform.html", context)


def retry_failed_task(request, site, task_id):
    """GET asks for confirmation; POST sends the task again as it was stored and forgets the failure,
    in one transaction (with the ORM broker the new queue row commits with the deletion)."""
    failure = get_object_or_404(Failure, pk=task_id)
    if request.method == "POST":
        with transaction.atomic():
            send_again(
                failure.func, failure.args, failure.kwargs, task_name=failure.name, group=failure.group
            )
            failure.delete()
        logger.info("failed task sent again", extra={"task": failure.name, "user_id": request.user.pk})
        messages.success(request, f"Task {failure.name} was sent to the queue again.")
        return HttpResponseRedirect(reverse("admin:platform"))
    context = {
        **site.each_context(request),
        "title": f"Retry {failure.name}?",
        "row": failed_task_rows([failure])[0],
    }
    return TemplateResponse(request, "console/platform_retry.html", context)


def platform_urls(site) -> list:
    def platform_only(view, methods=("GET",)):
        @require_http_methods(list(methods))
        def allowed(request, *args, **kwargs):
            return view(request, site, *args, **kwargs)

        @wraps(view)
        def guarded(request, *args, **kwargs):
            # Checked before the method, so tenant users get 403 whatever they send.
            if not request.user.is_superuser:
                raise PermissionDenied("The platform page is for platform staff.")
            return allowed(request, *args, **kwargs)

        return site.admin_view(guarded)

    return [
        path("platform/", platform_only(platform_status), name="platform"),
        path(
            "platform/failed-tasks/<str:task_id>/retry/",
            platform_only(retry_failed_task, methods=("GET", "POST")),
            name="platform_retry_task",
        ),
    ]
