"""django-unfold configuration: branding, sidebar and dashboard wiring of the admin console."""

from django.templatetags.static import static
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

UNFOLD = {
    "SITE_TITLE": _("Ops Console"),
    "SITE_HEADER": _("Ops Console"),
    "SITE_SUBHEADER": _("Recruiting · People · Marketplace · Billing"),
    "SITE_URL": "/",
    "SITE_SYMBOL": "hub",
    "SITE_FAVICONS": [
        {
            "rel": "icon",
            "sizes": "any",
            "type": "image/svg+xml",
            "href": lambda request: static("console/favicon.svg"),
        },
    ],
    "SHOW_HISTORY": True,
    "SHOW_VIEW_ON_SITE": True,
    "SHOW_BACK_BUTTON": True,
    "ENVIRONMENT": "config.admin_site.environment_badge",
    "DASHBOARD_CALLBACK": "config.dashboard.dashboard_callback",
    "GLOBAL_CALLBACK": "config.admin_site.tenant_switcher_context",
    "COLORS": {
        "primary": {
            "50": "oklch(97.7% .014 255)",
            "100": "oklch(93.2% .032 255)",
            "200": "oklch(88.2% .059 255)",
            "300": "oklch(80.9% .105 255)",
            "400": "oklch(70.7% .165 255)",
            "500": "oklch(62.3% .214 255)",
            "600": "oklch(54.6% .245 255)",
            "700": "oklch(48.8% .243 255)",
            "800": "oklch(42.4% .199 255)",
            "900": "oklch(37.9% .146 255)",
            "950": "oklch(28.2% .091 255)",
        },
    },
    "SIDEBAR": {
        "show_search": True,
        "show_all_applications": False,
        # Built per request from the admin registry: grouped by app, filtered by the role's permissions.
        "navigation": "config.navigation.sidebar_navigation",
    },
    "ACCOUNT": {
        "navigation": [
            {"title": _("Change password"), "link": reverse_lazy("admin:password_change")},
        ],
    },
}
