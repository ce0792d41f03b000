"""Liveness (/health/) and readiness (/ready/) probes: anonymous, JSON, never cached."""

import logging

import pytest
from django.core.cache import caches

from config import health

pytestmark = pytest.mark.django_db


def fail_with(exc):
    def check():
        raise exc

    return check


def test_health_is_200_json_and_touches_no_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/health/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["status"] == "healthy"
    assert body["service"] == "opsconsole"
    assert "no-cache" in response["Cache-Control"]


def test_health_touches_no_backing_service(client, monkeypatch):
    for name in health.CHECKS:
        monkeypatch.setitem(health.CHECKS, name, fail_with(AssertionError(f"{name} was checked")))
    assert client.get("/health/").status_code == 200


def test_ready_is_200_when_every_check_passes(client):
    response = client.get("/ready/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "no-cache" in response["Cache-Control"]
    body = response.json()
    assert body["status"] == "ready"
    assert body["checks"] == {"database": True, "cache": True, "broker": True}
    assert "failing" not in body


@pytest.mark.parametrize("failing", ["database", "cache", "broker"])
def test_ready_is_503_naming_the_failing_check(client, monkeypatch, failing):
    monkeypatch.setitem(health.CHECKS, failing, fail_with(ConnectionError("secret host db-7:5432 down")))
    response = client.get("/ready/")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["failing"] == [failing]
    assert body["checks"] == {name: name != failing for name in ("database", "cache", "broker")}
    # DEBUG is off: the error names its type, not its message (which may hold hosts or credentials).
    assert body["errors"] == {failing: "ConnectionError"}
    assert "db-7" not in response.content.decode()


def test_ready_reports_every_failing_check(client, monkeypatch):
    monkeypatch.setitem(health.CHECKS, "database", fail_with(OSError("no route")))
    monkeypatch.setitem(health.CHECKS, "broker", fail_with(TimeoutError("slow")))
    body = client.get("/ready/").json()
    assert body["failing"] == ["broker", "database"]
    assert body["checks"] == {"database": False, "cache": True, "broker": False}


def test_ready_is_503_when_the_cache_backend_raises(client, monkeypatch, caplog):
    def broken_set(self, *args, **kwargs):
        raise ConnectionError("cache unreachable")

    monkeypatch.setattr(type(caches["default"]), "set", broken_set)
    with caplog.at_level(logging.WARNING, logger="config.health"):
        response = client.get("/ready/")
    assert response.status_code == 503
    body = response.json()
    assert body["failing"] == ["cache"]
    assert body["checks"] == {"database": True, "cache": False, "broker": True}
    [record] = [r for r in caplog.records if r.name == "config.health"]
    assert record.getMessage() == "readiness check failed"
    assert record.check == "cache"
    assert record.error == "cache unreachable"


def test_ready_is_503_when_the_cache_returns_something_else(client, monkeypatch):
    monkeypatch.setattr(type(caches["default"]), "get", lambda self, key, default=None, version=None: None)
    body = client.get("/ready/").json()
    assert body["failing"] == ["cache"]


def test_ready_cleans_up_its_cache_key(client, monkeypatch):
    backend_class = type(caches["default"])
    written, real_set = [], backend_class.set

    def recording_set(self, key, *args, **kwargs):
        written.append(key)
        return real_set(self, key, *args, **kwargs)

    monkeypatch.setattr(backend_class, "set", recording_set)
    assert client.get("/ready/").status_code == 200
    [key] = written
    assert key.startswith("ready:")
    assert caches["default"].get(key) is None


@pytest.mark.parametrize("url", ["/health/", "/ready/"])
def test_probes_need_no_login(client, url):
    response = client.get(url)
    assert response.status_code == 200
    assert "Location" not in response


@pytest.mark.parametrize("url", ["/health/", "/ready/"])
def test_probes_answer_a_logged_in_user_too(client_a, url):
    assert client_a.get(url).status_code == 200


@pytest.mark.parametrize("url", ["/health/", "/ready/"])
def test_probes_only_answer_get(client, url):
    assert client.post(url).status_code == 405
