"""config/settings.py: the two runtime modes, chosen only by environment variables.

Each mode is loaded in a fresh `manage.py`/`python -c` subprocess with a controlled environment,
because settings are read once per process.
"""

import json
import logging
import os
import secrets
import subprocess
import sys
import textwrap
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings

from config.logging import JsonFormatter

PROJECT_ROOT = Path(__file__).resolve().parents[2]

# Everything config/settings.py reads from the environment, so the parent's (CI's) values never leak in.
SETTINGS_ENV_VARS = {
    "DJANGO_SETTINGS_MODULE",
    "DJANGO_ENV",
    "SECRET_KEY",
    "DEBUG",
    "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS",
    "DATABASE_URL",
    "CONN_MAX_AGE",
    "REDIS_URL",
    "CACHE_KEY_PREFIX",
    "EMAIL_URL",
    "DEFAULT_FROM_EMAIL",
    "STATIC_ROOT",
    "MEDIA_ROOT",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "LOG_LEVEL",
}
SETTINGS_ENV_PREFIXES = ("Q_", "STRIPE_")

POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/postgres"
REDIS_URL = "redis://127.0.0.1:6379/0"

PRINT_SETTINGS = textwrap.dedent(
    """
    import json
    import django
    django.setup()
    from django.conf import settings
    print(json.dumps({
        "DEBUG": settings.DEBUG,
        "DATABASES": settings.DATABASES,
        "CACHES": settings.CACHES,
        "EMAIL_BACKEND": settings.EMAIL_BACKEND,
        "Q_CLUSTER": settings.Q_CLUSTER,
        "SECRET_KEY": settings.SECRET_KEY,
    }, default=str))
    """
)


def strong_secret_key() -> str:
    return secrets.token_urlsafe(64)


def clean_env(**overrides: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in SETTINGS_ENV_VARS and not key.startswith(SETTINGS_ENV_PREFIXES)
    }
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.update(overrides)
    return env


def run_python(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args],
        cwd=PROJECT_ROOT,
        env=clean_env(**env),
        capture_output=True,
        text=True,
        timeout=120,
    )


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    return run_python("manage.py", *args, **env)


def loaded_settings(**env: str) -> dict:
    result = run_python("-c", PRINT_SETTINGS, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def production_env(**overrides: str) -> dict[str, str]:
    env = {
        "DJANGO_ENV": "production",
        "SECRET_KEY": strong_secret_key(),
        "ALLOWED_HOSTS": "console.example.com",
        "DATABASE_URL": POSTGRES_URL,
        "REDIS_URL": REDIS_URL,
    }
    env.update(overrides)
    return env


def assert_improperly_configured(result: subprocess.CompletedProcess, *words: str) -> None:
    assert result.returncode != 0, result.stdout
    assert "ImproperlyConfigured" in result.stderr, result.stderr
    last_line = result.stderr.strip().splitlines()[-1]
    for word in words:
        assert word in last_line, result.stderr


# --- (a) embedded default --------------------------------------------------------------------


def test_embedded_default_passes_check():
    result = manage("check")
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_embedded_default_uses_sqlite_locmem_console_email_and_the_orm_broker():
    loaded = loaded_settings()
    database = loaded["DATABASES"]["default"]
    assert database["ENGINE"] == "django.db.backends.sqlite3"
    assert Path(database["NAME"]) == PROJECT_ROOT / "db.sqlite3"
    assert loaded["CACHES"]["default"]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"
    assert loaded["EMAIL_BACKEND"] == "django.core.mail.backends.console.EmailBackend"
    assert loaded["Q_CLUSTER"]["orm"] == "default"
    assert "redis" not in loaded["Q_CLUSTER"]
    assert loaded["DEBUG"] is True


# --- (b), (c) production refuses insecure settings -------------------------------------------


@pytest.mark.parametrize(
    "secret_key",
    [
        None,  # the embedded default key
        "django-insecure-" + secrets.token_urlsafe(64),
        "short-" + secrets.token_urlsafe(8),
        "a" * 64,  # long but not random
    ],
    ids=["default", "django-insecure-prefix", "short", "low-entropy"],
)
def test_production_refuses_an_insecure_secret_key(secret_key):
    env = production_env()
    if secret_key is None:
        del env["SECRET_KEY"]
    else:
        env["SECRET_KEY"] = secret_key
    assert_improperly_configured(manage("check", **env), "SECRET_KEY")


def test_production_refuses_debug():
    assert_improperly_configured(manage("check", **production_env(DEBUG="true")), "DEBUG")


def test_production_defaults_debug_to_false():
    assert loaded_settings(**production_env())["DEBUG"] is False


# --- (d) production passes Django's deployment checks ----------------------------------------


def test_production_passes_check_deploy():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout, result.stdout + result.stderr


# --- (e) Redis: cache and optional q2 broker -------------------------------------------------


def test_redis_url_switches_the_cache_to_redis():
    loaded = loaded_settings(REDIS_URL=REDIS_URL)
    cache = loaded["CACHES"]["default"]
    assert cache["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert cache["LOCATION"] == REDIS_URL
    # Redis for the cache does not move the task broker off the database.
    assert loaded["Q_CLUSTER"]["orm"] == "default"
    assert "redis" not in loaded["Q_CLUSTER"]


def test_q_broker_redis_uses_redis_url():
    q_cluster = loaded_settings(REDIS_URL=REDIS_URL, Q_BROKER="redis")["Q_CLUSTER"]
    assert q_cluster["redis"] == REDIS_URL
    assert "orm" not in q_cluster


def test_q_broker_redis_without_redis_url_fails_clearly():
    assert_improperly_configured(manage("check", Q_BROKER="redis"), "Q_BROKER", "REDIS_URL")


def test_unknown_q_broker_fails_clearly():
    assert_improperly_configured(manage("check", Q_BROKER="rabbitmq"), "Q_BROKER")


# --- (f) persistent, health-checked database connections -------------------------------------


def test_database_url_uses_persistent_health_checked_connections():
    database = loaded_settings(DATABASE_URL=POSTGRES_URL)["DATABASES"]["default"]
    assert database["ENGINE"] == "django.db.backends.postgresql"
    assert database["NAME"] == "postgres"
    assert database["HOST"] == "127.0.0.1"
    assert database["CONN_MAX_AGE"] > 0
    assert database["CONN_HEALTH_CHECKS"] is True


# --- django-q2 -------------------------------------------------------------------------------


def test_q_cluster_timeout_is_below_retry_and_attempts_are_bounded():
    q_cluster = settings.Q_CLUSTER
    assert q_cluster["timeout"] < q_cluster["retry"]
    assert 3 <= q_cluster["max_attempts"] <= 5


def test_q_cluster_defaults_in_a_fresh_process():
    q_cluster = loaded_settings()["Q_CLUSTER"]
    assert q_cluster["timeout"] < q_cluster["retry"]
    assert 3 <= q_cluster["max_attempts"] <= 5
    assert q_cluster["catch_up"] is False
    assert q_cluster["sync"] is False


# --- (g) JSON logs ---------------------------------------------------------------------------


def make_record(message="hello %s", args=("world",), exc_info=None, **extra):
    logger = logging.getLogger("tests.config.json")
    return logger.makeRecord(
        logger.name, logging.WARNING, __file__, 1, message, args, exc_info, extra=extra or None
    )


def test_json_formatter_writes_one_object_per_record_with_extra_fields():
    line = JsonFormatter().format(make_record(tenant_id=7, check="cache"))
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["level"] == "WARNING"
    assert entry["logger"] == "tests.config.json"
    assert entry["message"] == "hello world"
    assert entry["time"].endswith("+00:00")
    assert entry["tenant_id"] == 7
    assert entry["check"] == "cache"
    # Standard LogRecord attributes are not dumped as fields.
    assert not {"args", "msg", "levelno", "pathname", "exc_info"} & set(entry)


def test_json_formatter_includes_the_exception_on_one_line():
    try:
        raise ValueError("broken invoice")
    except ValueError:
        record = make_record("failed", args=(), exc_info=sys.exc_info())
    line = JsonFormatter().format(record)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["message"] == "failed"
    assert "Traceback" in entry["exception"]
    assert "ValueError: broken invoice" in entry["exception"]


def test_json_formatter_serialises_values_json_cannot():
    entry = json.loads(JsonFormatter().format(make_record(path=Path("/tmp/x"), amount=Decimal("12.50"))))
    assert entry["path"] == "/tmp/x"
    assert entry["amount"] == "12.50"


def test_logging_settings_write_json_lines_to_stdout():
    script = textwrap.dedent(
        """
        import logging
        import django
        django.setup()
        logging.getLogger("console.probe").warning("probe %s", "ok", extra={"tenant_id": 3})
        """
    )
    result = run_python("-c", script)
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    entries = [json.loads(line) for line in lines]
    probe = [entry for entry in entries if entry["logger"] == "console.probe"]
    assert probe == [
        {
            "time": probe[0]["time"],
            "level": "WARNING",
            "logger": "console.probe",
            "message": "probe ok",
            "tenant_id": 3,
        }
    ]


# --- production serves the probes over plain HTTP --------------------------------------------


def test_production_redirects_to_https_except_the_probes():
    script = textwrap.dedent(
        """
        import json
        import django
        django.setup()
        from django.test import Client
        client = Client(HTTP_HOST="console.example.com")
        print(json.dumps({url: client.get(url).status_code for url in ["/health/", "/admin/login/"]}))
        """
    )
    # No DATABASE_URL/REDIS_URL: /health/ touches no backing service, and the redirect comes first.
    env = production_env()
    del env["DATABASE_URL"], env["REDIS_URL"]
    result = run_python("-c", script, **env)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == {"/health/": 200, "/admin/login/": 301}
