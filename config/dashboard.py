"""The per-tenant dashboard (unfold DASHBOARD_CALLBACK).

Each project app may define `WIDGETS` in `<app>/dashboard.py`: callables taking the request and
returning a widget dict, a list of them, or None when they do not apply to the user's role:
    {"kind": "kpi", "title": ..., "value": ..., "footer": ...}
    {"kind": "chart", "title": ..., "chart": "bar"|"line", "data": {...chart.js data...}}
    {"kind": "table", "title": ..., "headers": [...], "rows": [[...], ...]}
Widgets run aggregate queries; the whole set is cached briefly per tenant and user role.
"""

import hashlib
import json

from django.core.cache import cache

from people.registry import collect

CACHE_SECONDS = 60


def _widgets(request) -> list[dict]:
    widgets = []
    for _app, builders in collect("dashboard", "WIDGETS"):
        for build in builders:
            built = build(request)  # a widget, a list of widgets, or None
            for widget in built if isinstance(built, list) else [built] if built else []:
                if widget.get("kind") == "chart":
                    widget["data_json"] = json.dumps(widget["data"])
                widgets.append(widget)
    return widgets


def _cache_key(request) -> str:
    # Widgets depend on what the user may see: key on the set of permissions, not the user.
    perms = request.user.get_all_permissions()
    digest = hashlib.sha256("\n".join(sorted(perms)).encode()).hexdigest()[:16]
    scope = "superuser" if request.user.is_superuser else digest
    return f"dashboard:{request.tenant.pk}:{scope}"


def dashboard_callback(request, context):
    tenant = getattr(request, "tenant", None)
    context["active_tenant"] = tenant
    if tenant is None:
        context["widgets"] = []
        return context
    widgets = cache.get_or_set(_cache_key(request), lambda: _widgets(request), CACHE_SECONDS)
    context["kpis"] = [w for w in widgets if w["kind"] == "kpi"]
    context["charts"] = [w for w in widgets if w["kind"] == "chart"]
    context["tables"] = [w for w in widgets if w["kind"] == "table"]
    return context
