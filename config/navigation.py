"""The admin sidebar: one group per app, one item per model the user's role may see."""

from django.contrib import admin
from django.urls import reverse

# Material Symbols icon per app; models fall back to their app's icon.
APP_ICONS = {
    "people": "groups",
    "recruiting": "work",
    "marketplace": "storefront",
    "billing": "payments",
    "catalog": "public",
    "django_q": "schedule",
}


def sidebar_navigation(request):
    """Groups for unfold's sidebar, read from `get_app_list`, which already applies the role's view
    permissions in the active tenant; a model the role cannot see never appears."""
    groups = [
        {
            "title": "",
            "items": [{"title": "Dashboard", "icon": "dashboard", "link": reverse("admin:index")}],
        }
    ]
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
                ],
            }
        )
    return groups
