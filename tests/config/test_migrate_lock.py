"""`manage.py migrate_locked`, the deployment's migrate step: two at once never migrate side by side.

PostgreSQL only. Two real `migrate_locked` processes run against a throwaway database. The test
holds the advisory lock first, so both must queue for it (each log says it waited); then it lets
go: one migrates, the other waits for it and finds nothing left to apply. Migrating side by side
would make the second fail on tables the first had created. No sleeps: the test waits on the
processes' output with a deadline.
"""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest
from django.conf import settings
from django.core.management import call_command

from people.management.commands.migrate_locked import MIGRATE_LOCK_KEY

ROOT = Path(__file__).resolve().parents[2]
DEADLINE = 600  # seconds for both processes: a full migrate on a busy machine is slow
ON_POSTGRESQL = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"


def test_on_sqlite_it_migrates_without_a_lock_and_says_so(db, capsys):
    if ON_POSTGRESQL:
        pytest.skip("the SQLite path")
    call_command("migrate_locked")
    out = capsys.readouterr().out
    assert "No advisory lock on this database (not PostgreSQL)" in out
    assert "Schedules up to date" in out or "created" in out


@pytest.fixture
def throwaway_database():
    """A new, empty PostgreSQL database on the server of DATABASE_URL; dropped afterwards."""
    url = os.environ.get("DATABASE_URL", "")
    if not ON_POSTGRESQL or not url.startswith(("postgres://", "postgresql://")):
        pytest.skip("needs DATABASE_URL pointing to PostgreSQL: advisory locks are a PostgreSQL feature")
    name = f"opsconsole_migrate_lock_{uuid.uuid4().hex[:10]}"
    server = urlsplit(url)
    maintenance = server._replace(path="/postgres").geturl()  # DATABASE_URL's own may not exist
    with psycopg.connect(maintenance, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield server._replace(path=f"/{name}").geturl()
    finally:
        with psycopg.connect(maintenance, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def start_migrate(database_url, log_path):
    env = {name: os.environ[name] for name in ("PATH", "HOME", "LANG", "TMPDIR") if name in os.environ}
    env.update(DATABASE_URL=database_url, DJANGO_SETTINGS_MODULE="config.settings", PYTHONUNBUFFERED="1")
    with open(log_path, "wb") as log:
        return subprocess.Popen(
            [sys.executable, "manage.py", "migrate_locked"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def wait_for(predicate, what, processes, logs):
    deadline = time.monotonic() + DEADLINE
    while not predicate():
        if time.monotonic() > deadline or any(p.poll() not in (None, 0) for p in processes):
            pytest.fail(f"gave up waiting for {what}:\n" + "\n---\n".join(log.read_text() for log in logs))
        time.sleep(0.2)  # polling interval, not a timing assumption


def test_a_second_migrate_waits_for_the_first(throwaway_database, tmp_path):
    logs = [tmp_path / "first.log", tmp_path / "second.log"]
    processes = []
    try:
        with psycopg.connect(throwaway_database, autocommit=True) as holder:
            holder.execute("SELECT pg_advisory_lock(%s)", [MIGRATE_LOCK_KEY])
            for log in logs:
                processes.append(start_migrate(throwaway_database, log))
            wait_for(
                lambda: all("Waiting for another migrate" in log.read_text() for log in logs),
                "both processes to queue for the lock",
                processes,
                logs,
            )
            holder.execute("SELECT pg_advisory_unlock(%s)", [MIGRATE_LOCK_KEY])
            wait_for(lambda: all(p.poll() is not None for p in processes), "both to finish", processes, logs)
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait()

    outputs = [log.read_text() for log in logs]
    assert [p.returncode for p in processes] == [0, 0], "\n---\n".join(outputs)
    for out in outputs:
        assert "Took the migrate lock after waiting" in out and "Released the migrate lock." in out
    migrated = [out for out in outputs if "Applying people.0001_initial... OK" in out]
    assert len(migrated) == 1, "exactly one process applied the migrations:\n" + "\n---\n".join(outputs)
    [waited] = [out for out in outputs if out is not migrated[0]]
    assert "No migrations to apply." in waited, "the second migrate ran after the first had finished"

    with psycopg.connect(throwaway_database) as db:
        duplicated = db.execute(
            "SELECT name FROM django_q_schedule GROUP BY name HAVING count(*) > 1"
        ).fetchall()
        declared = db.execute("SELECT count(*) FROM django_q_schedule WHERE name LIKE 'people.%'").fetchone()[
            0
        ]
    assert duplicated == [], "sync_schedules ran side by side"
    assert declared >= 5
