"""Roles of a tenant's staff and the permissions each role grants.

Each role maps to one Django permission group (`role:<name>`), kept up to date after every
migrate and by `manage.py sync_role_groups`. The auth backend grants a user the permissions of
their role's group in the active tenant only.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    OWNER = "owner", _("Owner")
    RECRUITER = "recruiter", _("Recruiter")
    HIRING_MANAGER = "hiring_manager", _("Hiring manager")
    HR = "hr", _("HR")
    FINANCE = "finance", _("Finance")
    OPS = "ops", _("Operations")
    VIEWER = "viewer", _("Viewer")


ALL = ("view", "add", "change", "delete")
EDIT = ("view", "add", "change")
VIEW = ("view",)

# Per role: app label -> actions granted on every model of that app.
ROLE_GRANTS: dict[str, dict[str, tuple[str, ...]]] = {
    Role.OWNER: {"people": ALL, "recruiting": ALL, "marketplace": ALL, "billing": ALL, "catalog": VIEW},
    Role.RECRUITER: {"recruiting": ALL, "people": VIEW},
    Role.HIRING_MANAGER: {"recruiting": ("view", "change"), "people": VIEW},
    Role.HR: {"people": ALL, "recruiting": VIEW},
    Role.FINANCE: {"billing": ALL, "marketplace": VIEW},
    Role.OPS: {"marketplace": ALL, "catalog": VIEW, "people": VIEW, "recruiting": VIEW},
    Role.VIEWER: {"people": VIEW, "recruiting": VIEW, "marketplace": VIEW, "billing": VIEW, "catalog": VIEW},
}

# Models no tenant role may touch, whatever its app grants: they belong to the platform.
PLATFORM_ONLY_MODELS = {
    "people.tenant",
    "people.user",
    # The public catalogs hold every tenant's entries: platform staff browse them.
    "catalog.publicjobcatalog",
    "catalog.publicprovidercatalog",
    "catalog.catalogsyncrun",
}
# Models only the listed roles may touch (app grants do not apply to them).
RESTRICTED_MODELS = {
    "people.membership": {Role.OWNER: ALL},
    # What the tenant publishes (e.g. salaries) is the owner's decision.
    "catalog.catalogsettings": {Role.OWNER: EDIT, Role.OPS: VIEW, Role.VIEWER: VIEW},
}

GROUP_PREFIX = "role:"


def group_name(role: str) -> str:
    return f"{GROUP_PREFIX}{role}"


def permissions_for_role(role: str, models_by_label) -> set[tuple[str, str]]:
    """(app_label, codename) pairs the role grants, for the given {"app.model": model} map."""
    grants = ROLE_GRANTS[role]
    perms = set()
    for label, model in models_by_label.items():
        if label in PLATFORM_ONLY_MODELS:
            continue
        if label in RESTRICTED_MODELS:
            actions = RESTRICTED_MODELS[label].get(role, ())
        else:
            actions = grants.get(model._meta.app_label, ())
        perms.update((model._meta.app_label, f"{action}_{model._meta.model_name}") for action in actions)
    return perms


def sync_role_groups(*, verbosity: int = 0, stdout=None) -> dict[str, tuple[int, int]]:
    """Create or update one permission group per role. Returns {role: (added, removed)}."""
    from django.apps import apps
    from django.contrib.auth.models import Group, Permission

    models_by_label = {
        model._meta.label_lower: model
        for model in apps.get_models()
        if not model.__name__.startswith("Historical")
    }
    all_perms = {
        (p.content_type.app_label, p.codename): p for p in Permission.objects.select_related("content_type")
    }
    changes = {}
    for role in Role.values:
        group, _ = Group.objects.get_or_create(name=group_name(role))
        wanted = {all_perms[key] for key in permissions_for_role(role, models_by_label) if key in all_perms}
        current = set(group.permissions.all())
        added, removed = wanted - current, current - wanted
        if added:
            group.permissions.add(*added)
        if removed:
            group.permissions.remove(*removed)
        changes[role] = (len(added), len(removed))
        if stdout is not None and verbosity and (added or removed):
            stdout.write(f"  {group.name}: +{len(added)} -{len(removed)} permissions")
    return changes
