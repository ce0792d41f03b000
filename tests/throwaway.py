"""Throwaway models for tests of the kernel's rules, built in an isolated app registry.

simple-history creates each model's history model in the model's module and derives its app label
from that module's name, so throwaway models live in a module under `people` that exists only for
the duration of a test.
"""

import sys
import types
from contextlib import contextmanager

import simple_history.models
from django.db import models
from django.test.utils import isolate_apps

THROWAWAY_MODULE = "people.throwaway_test_models"


@contextmanager
def throwaway_app_registry(monkeypatch):
    """Used by the `isolated` fixture (tests/conftest.py)."""
    monkeypatch.setitem(sys.modules, THROWAWAY_MODULE, types.ModuleType(THROWAWAY_MODULE))
    monkeypatch.setattr(
        simple_history.models, "registered_models", dict(simple_history.models.registered_models)
    )
    with isolate_apps("people"):
        yield


def make_model(name, /, bases=(models.Model,), meta=None, **attrs):
    meta_attrs = {"app_label": "people", **(meta or {})}
    return type(name, bases, {"__module__": THROWAWAY_MODULE, "Meta": type("Meta", (), meta_attrs), **attrs})
