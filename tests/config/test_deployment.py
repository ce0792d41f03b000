"""The deployment files (Dockerfile, docker-compose.yml, gunicorn config, .env.example), checked without docker.

The static tests parse the files and hold them to what the settings need; the last test runs the
image's web command (gunicorn with config/gunicorn.conf.py, production settings) on this machine
against the test database and Redis, and probes /health/ and /ready/ as the orchestrator would.
"""

import http.client
import json
import multiprocessing
import os
import re
import runpy
import secrets
import shlex
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
import yaml
from django.db import connection
from gunicorn.config import Config

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
GUNICORN_CONF = ROOT / "config" / "gunicorn.conf.py"
ENV_EXAMPLE = ROOT / ".env.example"
SETTINGS = ROOT / "config" / "settings.py"

SERVICES = {"db", "redis", "migrate", "web", "worker", "mailpit"}
APP_SERVICES = ("migrate", "web", "worker")
APP_ENVIRONMENT = {
    "DJANGO_ENV": "production",
    "DATABASE_URL": "postgres://postgres:postgres@db:5432/opsconsole",
    "REDIS_URL": "redis://redis:6379/0",
    "EMAIL_URL": "smtp://mailpit:1025",
}
WEB_COMMAND = ["gunicorn", "-c", "config/gunicorn.conf.py", "config.wsgi:application"]

SETTINGS_ENV_READ = re.compile(
    r"""env\.(?:str|bool|int|list|db|path|email_url)\(\s*["']([A-Z][A-Z0-9_]*)["']"""
)
GUNICORN_ENV_READ = re.compile(r"""os\.environ\.get\(\s*["'](GUNICORN_[A-Z0-9_]+)["']""")
ENV_EXAMPLE_LINE = re.compile(r"^(?:#\s*)?([A-Z][A-Z0-9_]*)=")


# --- docker-compose.yml -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def services():
    return yaml.safe_load(COMPOSE.read_text())["services"]


def as_list(value):
    return [value] if isinstance(value, str) else list(value or [])


def environment(service):
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return env


def command(service):
    cmd = service.get("command")
    return shlex.split(cmd) if isinstance(cmd, str) else list(cmd or [])


def test_compose_has_the_six_services(services):
    assert set(services) == SERVICES


@pytest.mark.parametrize("name", APP_SERVICES)
def test_compose_app_services_share_the_image_and_the_environment(services, name):
    service = services[name]
    assert ".env" in as_list(service.get("env_file"))
    env = environment(service)
    for key, value in APP_ENVIRONMENT.items():
        assert env.get(key) == value, f"{name}: {key}"
    assert service.get("build"), f"{name} is not built from the Dockerfile"
    assert service["image"] == services["web"]["image"]


def test_compose_db_matches_the_app_database_url(services):
    db_env = environment(services["db"])
    url = urlsplit(APP_ENVIRONMENT["DATABASE_URL"])
    assert db_env["POSTGRES_USER"] == url.username
    assert db_env["POSTGRES_PASSWORD"] == url.password
    assert db_env["POSTGRES_DB"] == url.path.lstrip("/")
    assert any(volume.endswith(":/var/lib/postgresql/data") for volume in services["db"]["volumes"])


@pytest.mark.parametrize(
    ("name", "probe"), [("db", "pg_isready"), ("redis", "redis-cli"), ("web", "/health/")]
)
def test_compose_healthchecks(services, name, probe):
    healthcheck = services[name].get("healthcheck") or {}
    assert not healthcheck.get("disable")
    assert probe in " ".join(as_list(healthcheck.get("test")))


def test_compose_migrate_is_a_one_shot_before_web_and_worker(services):
    migrate = services["migrate"]
    assert migrate["restart"] == "no"
    # migrate and sync_schedules under the advisory lock, then check --deploy; a failing step exits
    # non-zero and holds back web and worker (tests/config/test_migrate_lock.py runs the command).
    assert command(migrate) == ["python", "manage.py", "migrate_locked", "--check-deploy"]
    assert migrate["depends_on"] == {
        "db": {"condition": "service_healthy"},
        "redis": {"condition": "service_healthy"},
    }
    # The image's HEALTHCHECK probes gunicorn, which only the web service runs.
    assert migrate["healthcheck"] == {"disable": True}


def test_compose_web(services):
    web = services["web"]
    assert command(web) == WEB_COMMAND
    assert "8000:8000" in web["ports"]
    depends_on = web["depends_on"]
    assert depends_on["migrate"]["condition"] == "service_completed_successfully"
    assert depends_on["db"]["condition"] == "service_healthy"
    assert depends_on["redis"]["condition"] == "service_healthy"


def test_compose_worker_is_scalable_and_stops_gracefully(services):
    worker = services["worker"]
    assert command(worker) == ["python", "manage.py", "qcluster"]
    assert worker["stop_grace_period"] == "60s"
    assert "container_name" not in worker
    assert worker["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert worker["healthcheck"] == {"disable": True}


def test_compose_mailpit_is_the_smtp_server(services):
    mailpit = services["mailpit"]
    assert mailpit["image"].startswith("axllent/mailpit")
    assert {"8025:8025", "1025:1025"} <= set(mailpit["ports"])
    assert urlsplit(APP_ENVIRONMENT["EMAIL_URL"]).port == 1025


# --- Dockerfile ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def instructions():
    """(INSTRUCTION, arguments) per logical line: continuations joined, comments dropped."""
    result, pending = [], ""
    for raw in DOCKERFILE.read_text().splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.startswith("#"):  # a comment inside a continued instruction
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        keyword, _, args = (pending + line).partition(" ")
        result.append((keyword.upper(), args.strip()))
        pending = ""
    assert not pending, "the Dockerfile ends inside a continued line"
    return result


def final_stage(instructions):
    last_from = max(i for i, (keyword, _) in enumerate(instructions) if keyword == "FROM")
    return instructions[last_from:]


def test_dockerfile_is_multi_stage_on_python_311_slim(instructions):
    bases = [args.split()[0] for keyword, args in instructions if keyword == "FROM"]
    assert len(bases) >= 2
    assert all(base == "python:3.11-slim" for base in bases)
    assert any(keyword == "COPY" and "--from=" in args for keyword, args in final_stage(instructions))


def test_dockerfile_installs_the_lock_with_hashes(instructions):
    installs = [args for keyword, args in instructions if keyword == "RUN" and "pip install" in args]
    assert any("--require-hashes" in args and "requirements.lock" in args for args in installs)


def test_dockerfile_runs_as_a_non_root_user(instructions):
    stage = final_stage(instructions)
    users = [args.split(":")[0] for keyword, args in stage if keyword == "USER"]
    assert users, "the final stage has no USER"
    assert users[-1] not in {"root", "0"}
    keywords = [keyword for keyword, _ in stage]
    assert keywords.index("USER") < keywords.index("CMD")


def test_dockerfile_healthcheck_probes_health_without_curl(instructions):
    [healthcheck] = [args for keyword, args in instructions if keyword == "HEALTHCHECK"]
    assert "http://127.0.0.1:8000/health/" in healthcheck
    assert "urllib" in healthcheck and "curl" not in healthcheck
    # Exec form must be valid JSON, or Docker silently runs it through a shell instead.
    probe = json.loads(healthcheck[healthcheck.index("CMD ") + 4 :])
    assert probe[:2] == ["python", "-c"]
    assert ("EXPOSE", "8000") in instructions


def collectstatic_run(instructions):
    [run] = [args for keyword, args in instructions if keyword == "RUN" and "collectstatic" in args]
    return run


def test_dockerfile_collects_static_with_production_settings(instructions):
    run = collectstatic_run(instructions)
    assert "manage.py collectstatic --noinput" in run
    assert "DJANGO_ENV=production" in run
    assert "SECRET_KEY=" in run
    # The build-only key is inline in that RUN, never in the image's environment or build args.
    assert not any(keyword in {"ENV", "ARG"} and "SECRET_KEY" in args for keyword, args in instructions)


def test_dockerfile_build_key_is_accepted_by_production_settings(instructions):
    tokens = shlex.split(collectstatic_run(instructions))
    assignments = dict(token.split("=", 1) for token in tokens[: tokens.index("python")])
    assert assignments.keys() >= {"DJANGO_ENV", "SECRET_KEY", "ALLOWED_HOSTS"}
    env = {"PATH": os.environ.get("PATH", ""), "DJANGO_SETTINGS_MODULE": "config.settings", **assignments}
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr


def test_dockerfile_cmd_is_the_web_command(instructions):
    [cmd] = [args for keyword, args in instructions if keyword == "CMD"]
    assert json.loads(cmd) == WEB_COMMAND


# --- config/gunicorn.conf.py --------------------------------------------------------------------


def load_gunicorn_conf(monkeypatch, cpus=3, **env):
    for name in list(os.environ):
        if name.startswith("GUNICORN_"):
            monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(multiprocessing, "cpu_count", lambda: cpus)
    namespace = runpy.run_path(str(GUNICORN_CONF))
    return {
        k: v for k, v in namespace.items() if not k.startswith("_") and k not in {"os", "multiprocessing"}
    }


def test_gunicorn_defaults(monkeypatch):
    conf = load_gunicorn_conf(monkeypatch, cpus=3)
    assert conf["bind"] == "0.0.0.0:8000"
    assert conf["workers"] == 2 * 3 + 1
    assert conf["threads"] == 1
    assert conf["max_requests"] == 1000
    assert conf["max_requests_jitter"] == 100 > 0
    assert conf["accesslog"] == "-" and conf["errorlog"] == "-"
    assert conf["graceful_timeout"] > 0 and conf["timeout"] > 0 and conf["keepalive"] > 0


def test_gunicorn_environment_overrides(monkeypatch):
    conf = load_gunicorn_conf(
        monkeypatch,
        cpus=8,
        GUNICORN_BIND="127.0.0.1:9000",
        GUNICORN_WORKERS="2",
        GUNICORN_THREADS="4",
        GUNICORN_TIMEOUT="90",
        GUNICORN_GRACEFUL_TIMEOUT="20",
        GUNICORN_KEEPALIVE="2",
        GUNICORN_MAX_REQUESTS="500",
        GUNICORN_MAX_REQUESTS_JITTER="50",
        GUNICORN_FORWARDED_ALLOW_IPS="10.0.0.0/8",
    )
    assert conf["bind"] == "127.0.0.1:9000"
    assert conf["workers"] == 2
    assert conf["threads"] == 4
    assert (conf["timeout"], conf["graceful_timeout"], conf["keepalive"]) == (90, 20, 2)
    assert (conf["max_requests"], conf["max_requests_jitter"]) == (500, 50)
    assert conf["forwarded_allow_ips"] == "10.0.0.0/8"


def test_gunicorn_empty_variables_fall_back_to_defaults(monkeypatch):
    # Compose passes an unset `${VAR}` as an empty string.
    conf = load_gunicorn_conf(monkeypatch, cpus=1, GUNICORN_WORKERS="", GUNICORN_BIND="")
    assert conf["workers"] == 3
    assert conf["bind"] == "0.0.0.0:8000"


def test_gunicorn_conf_names_only_real_settings(monkeypatch):
    """Gunicorn silently ignores unknown names (a typo like `graceful_timout` would be lost)."""
    conf = load_gunicorn_conf(monkeypatch)
    config = Config()
    unknown = set(conf) - set(config.settings)
    assert not unknown
    for name, value in conf.items():
        config.set(name, value)  # runs gunicorn's own validators


# --- .env.example -------------------------------------------------------------------------------


def env_example_entries():
    """{NAME: line index} of every variable, set or commented out, in .env.example."""
    lines = ENV_EXAMPLE.read_text().splitlines()
    return lines, {m[1]: i for i, line in enumerate(lines) if (m := ENV_EXAMPLE_LINE.match(line))}


def variables_read():
    settings = set(SETTINGS_ENV_READ.findall(SETTINGS.read_text()))
    gunicorn = set(GUNICORN_ENV_READ.findall(GUNICORN_CONF.read_text()))
    return settings, gunicorn


def test_settings_regex_sees_the_settings_variables():
    settings, gunicorn = variables_read()
    assert {"DJANGO_ENV", "SECRET_KEY", "DATABASE_URL", "REDIS_URL", "EMAIL_URL", "STATIC_ROOT"} <= settings
    assert {"GUNICORN_BIND", "GUNICORN_WORKERS"} <= gunicorn


def test_env_example_lists_every_variable_read():
    settings, gunicorn = variables_read()
    _, entries = env_example_entries()
    assert not (settings | gunicorn) - set(entries), "read by the code but missing from .env.example"


def test_env_example_lists_nothing_that_is_not_read():
    settings, gunicorn = variables_read()
    _, entries = env_example_entries()
    assert not set(entries) - (settings | gunicorn), "in .env.example but read by nothing"


def test_env_example_comments_every_variable():
    lines, entries = env_example_entries()
    for name, index in entries.items():
        above = lines[index - 1] if index else ""
        assert above.startswith("#") and not ENV_EXAMPLE_LINE.match(above), f"{name} has no comment above it"


def test_compose_overrides_only_variables_the_settings_read(services):
    settings, _ = variables_read()
    assert set(APP_ENVIRONMENT) <= settings
    for name in APP_SERVICES:
        assert set(environment(services[name])) <= settings


# --- The image's web command, run here ----------------------------------------------------------

GRACEFUL_TIMEOUT = 10  # seconds; passed to gunicorn as GUNICORN_GRACEFUL_TIMEOUT
START_DEADLINE = 30  # seconds for gunicorn to boot and answer /health/


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(port, path, headers=None, timeout=5):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def service_urls():
    """The test database (the one pytest-django created) and Redis, as URLs, or a reason to skip."""
    database_url, redis_url = os.environ.get("DATABASE_URL", ""), os.environ.get("REDIS_URL", "")
    if connection.vendor != "postgresql" or not database_url.startswith(
        ("postgres://", "postgresql://", "pgsql://", "psql://")
    ):
        return None, None, "needs DATABASE_URL pointing to PostgreSQL (the production path)"
    if not redis_url.startswith(("redis://", "rediss://")):
        return None, None, "needs REDIS_URL pointing to Redis (the production path)"
    test_db = urlsplit(database_url)._replace(path="/" + quote(connection.settings_dict["NAME"]))
    return test_db.geturl(), redis_url, None


def read_log(path):
    return path.read_text(errors="replace")[-4000:] if path.exists() else ""


@pytest.mark.django_db(transaction=True)
def test_gunicorn_serves_health_and_ready_in_production_mode(tmp_path):
    database_url, redis_url, skip_reason = service_urls()
    if skip_reason:
        pytest.skip(skip_reason)
    gunicorn = Path(sys.executable).with_name("gunicorn")
    if not gunicorn.exists():
        pytest.skip(f"gunicorn is not installed next to {sys.executable}")

    port = free_port()
    env = {
        name: os.environ[name] for name in ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR") if name in os.environ
    }
    env.update(
        DJANGO_ENV="production",
        SECRET_KEY=secrets.token_urlsafe(48),  # 64 characters
        ALLOWED_HOSTS="127.0.0.1,localhost",
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        STATIC_ROOT=str(tmp_path / "static"),
        MEDIA_ROOT=str(tmp_path / "media"),
        GUNICORN_BIND=f"127.0.0.1:{port}",
        GUNICORN_WORKERS="1",
        GUNICORN_GRACEFUL_TIMEOUT=str(GRACEFUL_TIMEOUT),
        PYTHONUNBUFFERED="1",
    )
    assert len(env["SECRET_KEY"]) == 64

    # As the image build does: production storage needs the collected files and their manifest.
    collect = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert collect.returncode == 0, collect.stderr
    assert (tmp_path / "static" / "staticfiles.json").exists()

    log = tmp_path / "gunicorn.log"
    with log.open("wb") as log_file:
        process = subprocess.Popen(
            [str(gunicorn), *WEB_COMMAND[1:]],
            cwd=ROOT,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    stopped_in_time = None
    try:
        deadline = time.monotonic() + START_DEADLINE
        while True:
            assert process.poll() is None, f"gunicorn exited ({process.returncode}):\n{read_log(log)}"
            try:
                status, headers, body = get(port, "/health/", timeout=2)
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"no answer on /health/ within {START_DEADLINE}s:\n{read_log(log)}")
                time.sleep(0.1)

        # Not redirected to HTTPS (exempt), JSON, healthy.
        assert status == 200, (status, headers, body)
        assert headers["Content-Type"].startswith("application/json")
        assert json.loads(body)["status"] == "healthy"

        status, _, body = get(port, "/ready/")
        assert status == 200, body
        ready = json.loads(body)
        assert ready["status"] == "ready"
        assert ready["checks"] == {"database": True, "cache": True, "broker": True}

        # Production settings are live: plain HTTP is redirected to HTTPS...
        status, headers, _ = get(port, "/admin/login/")
        assert status == 301 and headers["Location"].startswith("https://"), (status, headers)
        # ...and behind the TLS proxy the admin renders with the hashed static files, which whitenoise serves.
        proxied = {"X-Forwarded-Proto": "https"}
        status, _, body = get(port, "/admin/login/", headers=proxied)
        assert status == 200, body[:2000]
        hashed = re.findall(rb'/static/[^"\'\s]+\.[0-9a-f]{12}\.(?:css|js)', body)
        assert hashed, "the admin page references no manifest (hashed) static file"
        status, headers, _ = get(port, hashed[0].decode(), headers=proxied)
        assert status == 200
        assert "immutable" in headers.get("Cache-Control", "")
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        started = time.monotonic()
        try:
            process.wait(timeout=GRACEFUL_TIMEOUT + 5)
            stopped_in_time = time.monotonic() - started
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    assert stopped_in_time is not None, (
        f"gunicorn ignored SIGTERM for {GRACEFUL_TIMEOUT + 5}s:\n{read_log(log)}"
    )
    assert stopped_in_time <= GRACEFUL_TIMEOUT
    assert process.returncode == 0, read_log(log)
