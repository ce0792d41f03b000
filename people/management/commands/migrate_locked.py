"""The deployment's migrate step: migrate and sync_schedules under a PostgreSQL advisory lock.

Two replicas (or two deploys) started at once would otherwise run the same migrations side by
side and fail half-way. The lock is session-level and held on a connection of its own, so
nothing migrate does to the default connection (closing it, for one) can release it early; it is
released at the end, and by PostgreSQL itself if the process dies. Advisory locks are per
database: the lock covers exactly the database being migrated.

On SQLite (the embedded default) there is no advisory lock; the command says so and runs the
same steps.
"""

import time
import zlib
from contextlib import contextmanager

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import DEFAULT_DB_ALIAS, connections

# A fixed key: every deploy of this project asks for the same lock.
MIGRATE_LOCK_KEY = zlib.crc32(b"opsconsole.migrate")


class Command(BaseCommand):
    help = (
        "Run migrate and sync_schedules while holding a PostgreSQL advisory lock, so two deploys "
        "never migrate at once; optionally run check --deploy afterwards."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--check-deploy", action="store_true", help="Run `check --deploy` after migrating."
        )

    def handle(self, *args, check_deploy=False, verbosity=1, **options):
        if connections[DEFAULT_DB_ALIAS].vendor == "postgresql":
            with self.advisory_lock():
                self.migrate(verbosity)
        else:
            self.stdout.write("No advisory lock on this database (not PostgreSQL): migrating without one.")
            self.migrate(verbosity)
        if check_deploy:
            call_command("check", deploy=True)

    def migrate(self, verbosity):
        call_command("migrate", interactive=False, verbosity=verbosity)
        call_command("sync_schedules", verbosity=verbosity)

    @contextmanager
    def advisory_lock(self):
        lock_connection = connections.create_connection(DEFAULT_DB_ALIAS)
        try:
            with lock_connection.cursor() as cursor:
                cursor.execute("SELECT pg_try_advisory_lock(%s)", [MIGRATE_LOCK_KEY])
                if cursor.fetchone()[0]:
                    self.stdout.write(f"Took the migrate lock (advisory lock {MIGRATE_LOCK_KEY}).")
                else:
                    self.stdout.write(
                        f"Waiting for another migrate to finish (advisory lock {MIGRATE_LOCK_KEY} is held)..."
                    )
                    started = time.monotonic()
                    cursor.execute("SELECT pg_advisory_lock(%s)", [MIGRATE_LOCK_KEY])
                    self.stdout.write(
                        f"Took the migrate lock after waiting {time.monotonic() - started:.1f}s."
                    )
            yield
            with lock_connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [MIGRATE_LOCK_KEY])
            self.stdout.write("Released the migrate lock.")
        finally:
            lock_connection.close()  # ends the session: PostgreSQL drops the lock on a failure too
