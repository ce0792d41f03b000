"""Project-wide system checks for the classes of failure the old system had.

Django's own fields.E009 (a choice value longer than max_length) stays active; these add what
Django lacks: history everywhere, scoped managers and the base admin on tenant-owned models,
and tenant-first uniqueness.
"""

from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.core import checks
from django.db import models

from people.tenancy import TenantOwned

TENANT_FIELD_NAMES = {"tenant", "tenant_id"}


def project_models():
    for model in apps.get_models():
        if model._meta.app_label in settings.PROJECT_APPS and not model.__name__.startswith("Historical"):
            yield model


@checks.register(checks.Tags.models)
def check_history_and_scoping(app_configs=None, **kwargs):
    errors = []
    for model in project_models():
        label = model._meta.label
        if not hasattr(model._meta, "simple_history_manager_attribute"):
            errors.append(
                checks.Error(
                    f"{label} has no history.",
                    hint="Inherit people.tenancy.TenantOwned, or add `history = HistoricalRecords()`.",
                    obj=model,
                    id="console.E001",
                )
            )
        if not issubclass(model, TenantOwned):
            continue
        if not hasattr(model._default_manager, "with_scopes_disabled"):
            errors.append(
                checks.Error(
                    f"{label}'s default manager is not scoped by tenant.",
                    hint="Keep TenantOwned.objects (a django-scopes ScopedManager) as the default manager.",
                    obj=model,
                    id="console.E002",
                )
            )
        for field in model._meta.local_fields:
            if field.unique and not field.primary_key:
                errors.append(
                    checks.Error(
                        f"{label}.{field.name} is unique across tenants, which tells one tenant what another holds.",
                        hint="Use a UniqueConstraint whose fields start with 'tenant'.",
                        obj=model,
                        id="console.E003",
                    )
                )
        unique_sets = [(f"unique_together {fields!r}", fields) for fields in model._meta.unique_together] + [
            (f"unique constraint {c.name!r}", c.fields)
            for c in model._meta.constraints
            if isinstance(c, models.UniqueConstraint) and c.fields
        ]
        for what, fields in unique_sets:
            if fields[0] not in TENANT_FIELD_NAMES:
                errors.append(
                    checks.Error(
                        f"{label}: {what} does not start with 'tenant'.",
                        hint="Use a UniqueConstraint(fields=['tenant', ...]): uniqueness is per tenant, "
                        "and indexes lead with it.",
                        obj=model,
                        id="console.E004",
                    )
                )
    return errors


@checks.register(checks.Tags.admin)
def check_tenant_admins(app_configs=None, **kwargs):
    from people.admin_base import TenantOwnedAdmin

    return [
        checks.Error(
            f"The admin of {model._meta.label} does not inherit TenantOwnedAdmin.",
            hint="Tenant-owned models are registered with people.admin_base.TenantOwnedAdmin (or a subclass).",
            obj=type(model_admin),
            id="console.E005",
        )
        for model, model_admin in admin.site._registry.items()
        if issubclass(model, TenantOwned) and not isinstance(model_admin, TenantOwnedAdmin)
    ]
