"""Shared set-up of the benchmarks: Django on a throwaway test database of the configured engine."""

import os
import sys
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402


@contextmanager
def throwaway_database(keep: bool = False):
    """Create a test database (never the suite's), yield, destroy it.

    With `keep`, an existing bench database is reused (migrated, data left as it is) and kept
    afterwards: for iterating on one query without rebuilding the data every run."""
    setup_test_environment()
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    if connection.vendor != "sqlite":
        connection.settings_dict["TEST"]["NAME"] = f"bench_{connection.settings_dict['NAME']}"
    # serialize=False: TestCase rollback emulation is not used here, and with a kept database the
    # serialisation would read every row into memory (1.2 GB for the 1M-payment reports bench).
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=keep, serialize=False)
    try:
        yield connection
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0, keepdb=keep)
