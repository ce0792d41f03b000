"""Dashboard widgets of the kernel: members per role and recent changes in the tenant."""

from collections import defaultdict
from datetime import timedelta

from django.apps import apps
from django.db.models import Count, Q, Value
from django.utils import timezone

from people import selectors
from people.analytics import metric_today
from people.models import Membership, RequestStatus, TimeOffRequest
from people.roles import Role
from people.tenancy import TenantOwned

RECENT_CHANGES = 10
CHANGE_KINDS = {"+": "Created", "~": "Changed", "-": "Deleted"}


def _role_counts(request) -> dict[str, int]:
    """Members per role, queried once per request for both widgets that show it."""
    if not hasattr(request, "_members_per_role"):
        request._members_per_role = dict(Membership.objects.values_list("role").annotate(n=Count("pk")))
    return request._members_per_role


def members_kpi(request):
    counts = _role_counts(request)
    return {
        "kind": "kpi",
        "title": "Members",
        "value": sum(counts.values()),
        "footer": f"{counts.get(Role.OWNER, 0)} owner(s)",
    }


def members_by_role_chart(request):
    counts = _role_counts(request)
    return {
        "kind": "chart",
        "chart": "bar",
        "title": "Members per role",
        "data": {
            "labels": [str(label) for label in Role.labels],
            "datasets": [{"label": "Members", "data": [counts.get(value, 0) for value in Role.values]}],
        },
    }


def _snapshot(record, related: list[str]):
    """The recorded object, with the related rows the history query already joined, so that its
    str() needs no further query."""
    instance = record.history_object
    for name in related:
        setattr(instance, name, getattr(record, name))
    return instance


def recent_changes(request):
    """The latest changes to any tenant-owned model the user may view: one UNION query over the
    history tables, then one query per model among the ten rows shown, whatever the history size."""
    parts = []
    for model in apps.get_models():
        if not issubclass(model, TenantOwned) or model.__name__.startswith("Historical"):
            continue
        opts = model._meta
        if not request.user.has_perm(f"{opts.app_label}.view_{opts.model_name}"):
            continue
        parts.append(
            model.history.order_by().values("history_id", "history_date").annotate(label=Value(opts.label))
        )
    if not parts:
        return None
    latest = list(parts[0].union(*parts[1:], all=True).order_by("-history_date")[:RECENT_CHANGES])
    ids_by_label = defaultdict(list)
    for row in latest:
        ids_by_label[row["label"]].append(row["history_id"])
    records = {}
    for label, ids in ids_by_label.items():
        model = apps.get_model(label)
        related = [f.name for f in model._meta.concrete_fields if f.is_relation and f.name != "tenant"]
        for record in model.history.filter(history_id__in=ids).select_related("history_user", *related):
            records[(label, record.history_id)] = (record, _snapshot(record, related))
    rows = []
    for row in latest:
        record, snapshot = records[(row["label"], row["history_id"])]
        kind = apps.get_model(row["label"])._meta.verbose_name
        rows.append(
            [
                record.history_date.strftime("%Y-%m-%d %H:%M"),
                CHANGE_KINDS.get(record.history_type, record.history_type),
                f"{str(kind).capitalize()}: {snapshot}",
                str(record.history_user or "system"),
            ]
        )
    return {
        "kind": "table",
        "title": "Recent changes",
        "headers": ["When", "What", "Record", "By"],
        "rows": rows,
    }


def _sees_people(request) -> bool:
    return request.user.has_perm("people.view_employee")


def _this_month(today):
    first = today.replace(day=1)
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    return first, last


def headcount_kpis(request):
    """HR cards: headcount, joiners and leavers this month (one query)."""
    if not _sees_people(request):
        return None
    first, last = _this_month(timezone.localdate())
    summary = selectors.headcount_summary(month_start=first, month_end=last)
    # The hourly snapshot when there is one today (the pattern for large tenants), else the live count.
    snapshot = metric_today("people.headcount")
    headcount = summary["headcount"] if snapshot is None else int(snapshot.value)
    footer = "active and on leave" + ("" if snapshot is None else f", as of {snapshot.updated_at:%H:%M} UTC")
    return [
        {"kind": "kpi", "title": "Headcount", "value": headcount, "footer": footer},
        {
            "kind": "kpi",
            "title": "Joiners / leavers",
            "value": f"{summary['joiners']} / {summary['leavers']}",
            "footer": f"{first:%B %Y}",
        },
    ]


def time_off_kpis(request):
    """HR cards: people off today and requests waiting for a decision."""
    if not request.user.has_perm("people.view_timeoffrequest"):
        return None
    today = timezone.localdate()
    counts = TimeOffRequest.objects.aggregate(
        off_today=Count(
            "employee",
            distinct=True,
            filter=Q(status=RequestStatus.APPROVED, start_date__lte=today, end_date__gte=today),
        ),
        pending=Count("pk", filter=Q(status=RequestStatus.PENDING)),
    )
    return [
        {"kind": "kpi", "title": "Off today", "value": counts["off_today"], "footer": f"{today:%A %d %B}"},
        {
            "kind": "kpi",
            "title": "Pending time-off requests",
            "value": counts["pending"],
            "footer": "waiting for a decision",
        },
    ]


def headcount_by_department_chart(request):
    if not _sees_people(request):
        return None
    rows = selectors.headcount_by_department()[:12]
    return {
        "kind": "chart",
        "chart": "bar",
        "title": "Headcount by department",
        "data": {
            "labels": [name for name, _n in rows],
            "datasets": [{"label": "People", "data": [n for _name, n in rows]}],
        },
    }


WIDGETS = [
    members_kpi,
    headcount_kpis,
    time_off_kpis,
    members_by_role_chart,
    headcount_by_department_chart,
    recent_changes,
]
