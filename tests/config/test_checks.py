"""System checks: Django's fields.E009 stays on, and config/checks.py catches what Django lacks.

Offending models are built in an isolated app registry (`isolate_apps`) so they never reach the
real project; the project checks are then pointed at them by patching `project_models()`.
"""

import pytest
from django.conf import settings
from django.contrib import admin
from django.core import checks
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.db import models
from django.test.utils import isolate_apps
from simple_history.models import HistoricalRecords
from unfold.admin import ModelAdmin

from config import checks as project_checks
from people.admin_base import TenantOwnedAdmin
from people.tenancy import TenantOwned
from tests.throwaway import THROWAWAY_MODULE, make_model


def tenant_model(name, meta=None, **attrs):
    return make_model(name, (TenantOwned,), meta, code=models.CharField(max_length=20), **attrs)


def run_model_checks(monkeypatch, *model_classes):
    monkeypatch.setattr(project_checks, "project_models", lambda: iter(model_classes))
    return project_checks.check_history_and_scoping()


def ids(errors):
    return sorted(error.id for error in errors)


# --- Django's own check on choices longer than max_length ------------------------------------


def test_fields_e009_is_not_silenced():
    assert "fields.E009" not in settings.SILENCED_SYSTEM_CHECKS
    assert not [check for check in settings.SILENCED_SYSTEM_CHECKS if check.startswith("fields.")]


@isolate_apps("people")
def test_fields_e009_flags_a_choice_longer_than_max_length():
    class Throwaway(models.Model):  # noqa: DJ008  (a throwaway model for the check)
        status = models.CharField(max_length=10, choices=[("a_value_longer_than_ten", "x")])

        class Meta:
            app_label = "people"

    errors = Throwaway._meta.get_field("status").check()
    assert "fields.E009" in ids(errors)
    assert all(error.is_serious() for error in errors if error.id == "fields.E009")


@isolate_apps("people")
def test_fields_e009_flags_a_text_choices_value_longer_than_max_length():
    class Stage(models.TextChoices):
        SCREENING = "screening", "Screening"
        BACKGROUND_CHECK = "background_check_pending", "Background check pending"

    class Throwaway(models.Model):  # noqa: DJ008  (a throwaway model for the check)
        stage = models.CharField(max_length=20, choices=Stage.choices, default=Stage.SCREENING)

        class Meta:
            app_label = "people"

    assert "fields.E009" in ids(Throwaway._meta.get_field("stage").check())


@isolate_apps("people")
def test_fields_e009_accepts_choices_that_fit():
    class Throwaway(models.Model):  # noqa: DJ008  (a throwaway model for the check)
        status = models.CharField(max_length=10, choices=[("open", "Open"), ("closed", "Closed")])

        class Meta:
            app_label = "people"

    assert "fields.E009" not in ids(Throwaway._meta.get_field("status").check())


# --- console.E001-E004: history, scoping and tenant-first uniqueness -------------------------


def test_a_well_formed_tenant_owned_model_passes(isolated, monkeypatch):
    model = tenant_model(
        "WellFormed",
        meta={"constraints": [models.UniqueConstraint(fields=["tenant", "code"], name="wellformed_code")]},
    )
    assert run_model_checks(monkeypatch, model) == []


def test_a_global_model_with_history_passes(isolated, monkeypatch):
    model = make_model("GlobalWithHistory", name=models.CharField(max_length=20), history=HistoricalRecords())
    assert run_model_checks(monkeypatch, model) == []


def test_e001_model_without_history(isolated, monkeypatch):
    model = make_model("NoHistory", name=models.CharField(max_length=20))
    [error] = run_model_checks(monkeypatch, model)
    assert error.id == "console.E001"
    assert error.obj is model
    assert error.is_serious()


def test_e002_tenant_owned_model_with_an_unscoped_default_manager(isolated, monkeypatch):
    model = tenant_model("Unscoped", objects=models.Manager())
    assert ids(run_model_checks(monkeypatch, model)) == ["console.E002"]


def test_e003_unique_field_on_a_tenant_owned_model(isolated, monkeypatch):
    model = tenant_model("GloballyUnique", email=models.EmailField(unique=True))
    [error] = run_model_checks(monkeypatch, model)
    assert error.id == "console.E003"
    assert error.obj is model
    assert "email" in error.msg


def test_e003_one_to_one_field_is_unique_too(isolated, monkeypatch):
    target = tenant_model("Target")
    model = tenant_model("OneToOne", target=models.OneToOneField(target, on_delete=models.CASCADE))
    assert ids(run_model_checks(monkeypatch, target, model)) == ["console.E003"]


def test_e004_unique_constraint_not_starting_with_tenant(isolated, monkeypatch):
    model = tenant_model(
        "CodeFirst",
        meta={"constraints": [models.UniqueConstraint(fields=["code", "tenant"], name="codefirst_code")]},
    )
    [error] = run_model_checks(monkeypatch, model)
    assert error.id == "console.E004"
    assert "codefirst_code" in error.msg


def test_e004_unique_constraint_without_tenant(isolated, monkeypatch):
    model = tenant_model(
        "NoTenant", meta={"constraints": [models.UniqueConstraint(fields=["code"], name="notenant_code")]}
    )
    assert ids(run_model_checks(monkeypatch, model)) == ["console.E004"]


def test_e004_unique_together_not_starting_with_tenant(isolated, monkeypatch):
    model = tenant_model("LegacyUnique", meta={"unique_together": [("code", "tenant")]})
    assert ids(run_model_checks(monkeypatch, model)) == ["console.E004"]


def test_one_model_can_break_several_rules(isolated, monkeypatch):
    model = tenant_model(
        "EverythingWrong",
        objects=models.Manager(),
        email=models.EmailField(unique=True),
        meta={"constraints": [models.UniqueConstraint(fields=["code"], name="everythingwrong_code")]},
    )
    assert ids(run_model_checks(monkeypatch, model)) == ["console.E002", "console.E003", "console.E004"]


# --- console.E005: tenant-owned admins inherit TenantOwnedAdmin ------------------------------


@pytest.fixture
def admin_registry():
    """A copy of the admin site's registry, restored afterwards.

    Not monkeypatch.setattr: `admin.site` is a LazyObject, and pytest's monkeypatch reads the old
    value from the proxy's own __dict__, so its undo would delete the real site's registry.
    """
    original = admin.site._registry
    admin.site._registry = dict(original)
    try:
        yield admin.site._registry
    finally:
        admin.site._registry = original


def test_e005_tenant_owned_model_with_a_plain_model_admin(isolated, admin_registry):
    model = tenant_model("PlainAdmin")

    class PlainModelAdmin(ModelAdmin):
        pass

    admin_registry[model] = PlainModelAdmin(model, admin.site)
    [error] = project_checks.check_tenant_admins()
    assert error.id == "console.E005"
    assert error.obj is PlainModelAdmin
    assert model._meta.label in error.msg


def test_e005_accepts_a_tenant_owned_admin_subclass(isolated, admin_registry):
    model = tenant_model("ProperAdmin")

    class ProperModelAdmin(TenantOwnedAdmin):
        pass

    admin_registry[model] = ProperModelAdmin(model, admin.site)
    assert project_checks.check_tenant_admins() == []


def test_e005_ignores_global_models(isolated, admin_registry):
    model = make_model("GlobalPlainAdmin", history=HistoricalRecords())
    admin_registry[model] = ModelAdmin(model, admin.site)
    assert project_checks.check_tenant_admins() == []


def test_the_admin_registry_is_restored():
    registered = admin.site._registry
    assert registered, "the real admin registry is empty"
    assert not [model for model in registered if model.__module__ == THROWAWAY_MODULE]


# --- the real project ------------------------------------------------------------------------


def test_project_checks_are_registered():
    registered = checks.registry.registry.get_checks()
    assert project_checks.check_history_and_scoping in registered
    assert project_checks.check_tenant_admins in registered


def test_the_real_project_passes_the_project_checks():
    assert project_checks.check_history_and_scoping() == []
    assert project_checks.check_tenant_admins() == []


def test_the_real_project_passes_manage_py_check():
    call_command("check")


def test_manage_py_check_fails_on_a_project_check(isolated, monkeypatch):
    model = make_model("NoHistoryEither", name=models.CharField(max_length=20))
    monkeypatch.setattr(project_checks, "project_models", lambda: iter([model]))
    with pytest.raises(SystemCheckError, match="console.E001"):
        call_command("check")
