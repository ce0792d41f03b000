"""Cross-app hooks by module convention: people never imports the other apps.

Each project app may have a module named after the hook (`schedules`, `demo`, `dashboard`)
that defines one attribute; `collect()` imports it from every app in PROJECT_APPS order.
"""

from importlib import import_module
from importlib.util import find_spec

from django.conf import settings


def collect(module_name: str, attribute: str) -> list[tuple[str, object]]:
    """[(app_label, value)] for each project app whose `<app>.<module_name>` defines `attribute`."""
    found = []
    for app in settings.PROJECT_APPS:
        dotted = f"{app}.{module_name}"
        if find_spec(dotted) is None:
            continue
        value = getattr(import_module(dotted), attribute, None)
        if value is not None:
            found.append((app, value))
    return found
