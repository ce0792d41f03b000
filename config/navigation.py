"""The admin sidebar: one group per app, one item per model the user's role may see."""

from django.contrib import admin
from django.urls import reverse

from people.registry import collect

# Material Symbols icon per app; models fall back to their app's icon.
APP_ICONS = {
    "people": "groups",
    "recruiting": "work",
    "marketplace": "storefront",
    "billing": "payments",
    "catalog": "public",
    "django_q": "schedule",
}


def _app_pages(request, app_label):
    """Extra pages an app lists in `<app>/admin_views.py` as NAVIGATION, if the user may see them:
    [{"title": ..., "icon": ..., "url_name": "admin:...", "permission": "app.codename"}]."""
    pages = dict(collect("admin_views", "NAVIGATION")).get(app_label, [])
    return [
        {"title": page["title"], "icon": page.get("icon", "article"), "link": reverse(page["url_name"])}
        for page in pages
        if request.user.has_perm(page["permission"])
    ]


def sidebar_navigation(request):
    """Groups for unfold's sidebar, read from `get_app_list`, which already applies the role's view
    permissions in the active tenant; a model the role cannot see never appears. App pages follow
    their app's models."""
    home = [{"title": "Dashboard", "icon": "dashboard", "link": reverse("admin:index")}]
    if request.user.is_superuser:  # platform staff: schedules, failed tasks, queue, tenant health
        home.append({"title": "Platform", "icon": "monitor_heart", "link": reverse("admin:platform")})
    groups = [{"title": "", "items": home}]
    for app in admin.site.get_app_list(request):
        icon = APP_ICONS.get(app["app_label"], "folder")
        groups.append(
            {
                "title": app["name"],
                "collapsible": True,
                "items": [
                    {"title": model["name"], "icon": icon, "link": model["admin_url"]}
                    for model in app["models"]
                    if model.get("admin_url")
                ]
                + _app_pages(request, app["app_label"]),
            }
        )
    return groups
