"""Dashboard widgets of the kernel: members per role and recent changes in the tenant."""

from django.apps import apps
from django.db.models import Count

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
    """The latest changes to any tenant-owned model the user may view: one query per model,
    whatever the amount of history."""
    entries = []
    for model in apps.get_models():
        if not issubclass(model, TenantOwned) or model.__name__.startswith("Historical"):
            continue
        opts = model._meta
        if not request.user.has_perm(f"{opts.app_label}.view_{opts.model_name}"):
            continue
        history = model.history.select_related("history_user").order_by("-history_date")[:RECENT_CHANGES]
        entries += [(row.history_date, opts.verbose_name, row) for row in history]
    entries.sort(key=lambda entry: entry[0], reverse=True)
    rows = [
        [
            date.strftime("%Y-%m-%d %H:%M"),
            CHANGE_KINDS.get(row.history_type, row.history_type),
            f"{str(kind).capitalize()}: {row.history_object}",
            str(row.history_user or "system"),
        ]
        for date, kind, row in entries[:RECENT_CHANGES]
    ]
    return {
        "kind": "table",
        "title": "Recent changes",
        "headers": ["When", "What", "Record", "By"],
        "rows": rows,
    }


WIDGETS = [members_kpi, members_by_role_chart, recent_changes]
