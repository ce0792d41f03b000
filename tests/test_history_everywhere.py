"""Every project model keeps history, and a tenant-owned model's history rows carry the tenant.

Django internals and django-q2's tables are excepted: only the apps in settings.PROJECT_APPS count.
"""

from django.apps import apps
from django.conf import settings
from simple_history.manager import HistoryManager

from people.tenancy import TenantHistoryManager, TenantOwned


def project_models():
    return [
        model
        for model in apps.get_models()
        if model._meta.app_label in settings.PROJECT_APPS and not model.__name__.startswith("Historical")
    ]


def history_model_of(model):
    """The historical model simple-history registered for `model`, or None."""
    attribute = getattr(model._meta, "simple_history_manager_attribute", None)
    if attribute is None:
        return None
    manager = getattr(model, attribute, None)
    return manager.model if isinstance(manager, HistoryManager) else None


def test_project_apps_are_installed():
    assert set(settings.PROJECT_APPS) <= {config.label for config in apps.get_app_configs()}


def test_every_project_model_has_history():
    models = project_models()
    assert models, "no project models found: is settings.PROJECT_APPS right?"
    offenders = sorted(model._meta.label for model in models if history_model_of(model) is None)
    assert not offenders, (
        "Models without simple-history (inherit people.tenancy.TenantOwned or add "
        f"`history = HistoricalRecords()`): {', '.join(offenders)}"
    )


def test_every_history_model_is_installed_with_its_model():
    for model in project_models():
        history_model = history_model_of(model)
        assert apps.get_model(history_model._meta.label) is history_model
        assert history_model._meta.app_label == model._meta.app_label


def tenant_owned_models():
    return [model for model in apps.get_models() if issubclass(model, TenantOwned)]


def test_every_tenant_owned_model_is_in_a_project_app():
    strays = sorted(
        model._meta.label
        for model in tenant_owned_models()
        if model._meta.app_label not in settings.PROJECT_APPS
    )
    assert not strays, f"Tenant-owned models outside settings.PROJECT_APPS: {', '.join(strays)}"


def test_tenant_owned_history_rows_carry_the_tenant():
    models = tenant_owned_models()
    assert models, "no tenant-owned models found"
    offenders = []
    for model in models:
        history_model = history_model_of(model)
        if history_model is None:
            offenders.append(f"{model._meta.label} (no history)")
            continue
        field_names = {field.name for field in history_model._meta.get_fields()}
        if "tenant" not in field_names:
            offenders.append(f"{history_model._meta.label} (no tenant field)")
        elif history_model._meta.get_field("tenant").attname != "tenant_id":
            offenders.append(f"{history_model._meta.label} (tenant is not a foreign key)")
    assert not offenders, f"Tenant-owned history without tenant_id: {', '.join(offenders)}"


def test_tenant_owned_history_is_read_through_the_tenant_history_manager():
    offenders = sorted(
        model._meta.label
        for model in tenant_owned_models()
        if not isinstance(getattr(model, model._meta.simple_history_manager_attribute), TenantHistoryManager)
    )
    assert not offenders, (
        f"History of tenant-owned models readable across tenants (not TenantHistoryManager): {offenders}"
    )
