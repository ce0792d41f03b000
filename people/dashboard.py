"""Dashboard widgets of the kernel: members per role and recent changes in the tenant."""

from collections import defaultdict

from django.apps import apps
from django.db.models import Count, Value

from people.models import Membership
from people.roles import Role
from people.tenancy import TenantOwned

RECENT_CHANGES = 10
CHANGE_KINDS = {"+": "Created", "~": "Changed", "-": "Deleted"}


def members_kpi(request):
    counts = dict(Membership.objects.values_list("role").annotate(n=Count("pk")))
    return {
        "kind": "kpi",
        "title": "Members",
        "value": sum(counts.values()),
        "footer": f"{counts.get(Role.OWNER, 0)} owner(s)",
    }


def members_by_role_chart(request):
    counts = dict(Membership.objects.values_list("role").annotate(n=Count("pk")))
    return {
        "kind": "chart",
        "chart": "bar",
        "title": "Members per role",
        "data": {
            "labels": [str(label) for label in Role.labels],
            "datasets": [{"label": "Members", "data": [counts.get(value, 0) for value in Role.values]}],
        },
    }


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
        history = apps.get_model(label).history
        for record in history.filter(history_id__in=ids).select_related("history_user"):
            records[(label, record.history_id)] = record
    rows = []
    for row in latest:
        record = records[(row["label"], row["history_id"])]
        kind = apps.get_model(row["label"])._meta.verbose_name
        rows.append(
            [
                record.history_date.strftime("%Y-%m-%d %H:%M"),
                CHANGE_KINDS.get(record.history_type, record.history_type),
                f"{str(kind).capitalize()}: {record.history_object}",
                str(record.history_user or "system"),
            ]
        )
    return {
        "kind": "table",
        "title": "Recent changes",
        "headers": ["When", "What", "Record", "By"],
        "rows": rows,
    }


WIDGETS = [members_kpi, members_by_role_chart, recent_changes]
