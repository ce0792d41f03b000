"""Reads of the recruiting app that reports, dashboards and the digest share."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

from django.db.models import Count, Q
from django.utils import timezone

from recruiting.models import Application


def time_in_status(application_ids: Iterable[int]) -> dict[int, dict[str, int]]:
    """{application_id: {status: seconds}}: the time each application spent in each status.

    Left statuses come from the status changes (`seconds_in_previous_status`); the current status
    counts from `status_changed_at` until now (for a closed status that is the time since it
    closed; reports about the pipeline skip the closed statuses). One query: the applications
    left-joined to their changes. Ids of another tenant's applications are absent.
    """
    ids = list(application_ids)
    if not ids:
        return {}
    rows = Application.objects.filter(pk__in=ids).values_list(
        "pk",
        "status",
        "status_changed_at",
        "status_changes__pk",
        "status_changes__from_status",
        "status_changes__seconds_in_previous_status",
    )
    now = timezone.now()
    result: dict[int, dict[str, int]] = {}
    seen_current: set[int] = set()
    for app_id, status, since, change_id, from_status, seconds in rows:
        spent = result.setdefault(app_id, defaultdict(int))
        if app_id not in seen_current:
            seen_current.add(app_id)
            spent[status] += max(0, int((now - since).total_seconds()))
        if change_id is not None and from_status:
            spent[from_status] += seconds
    return {app_id: dict(spent) for app_id, spent in result.items()}


def funnel_reached(stages: Sequence[str]) -> dict[str, Count]:
    """Aggregates for an `Application` query (grouped or not): `stage_<i>` counts the applications
    that reached `stages[i]` or any later stage of `stages` (ordered), cumulatively.

    An application reached a stage when it is there now or a status change took it there; one
    that skipped a stage (Pending review straight to Technical assessment) still counts for the
    skipped one, since it got further, and a rejected or withdrawn application counts for every
    stage up to the furthest it reached. So each stage's count is at most the previous one's.
    All the counts come from the one query they are added to (a join to the status changes).
    """
    return {
        f"stage_{index}": Count(
            "pk",
            distinct=True,
            filter=Q(status__in=stages[index:]) | Q(status_changes__to_status__in=stages[index:]),
        )
        for index in range(len(stages))
    }
