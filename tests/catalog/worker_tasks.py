"""A task for tests/catalog/test_worker.py, run by a real django-q2 worker (imported by dotted path).

`sync_job_stalling_once` runs the real change task (catalog.tasks.sync_job) inside a transaction
and, on its first delivery only, stalls before the commit so the test can kill the worker there:
the entry is written but not committed. Deliveries are counted in files under `gate` (the
database cannot tell: the first delivery's writes are never committed)."""

import time
from pathlib import Path

from django.db import transaction

from catalog.tasks import sync_job

STALL_SECONDS = 120  # far longer than the test waits: the worker is killed first


def sync_job_stalling_once(job_id: int, gate: str) -> str:
    gate_dir = Path(gate)
    delivery = len(list(gate_dir.glob("delivery-*"))) + 1
    (gate_dir / f"delivery-{delivery}").touch()
    with transaction.atomic():
        result = sync_job(job_id)
        if delivery == 1:
            (gate_dir / "stalled").touch()
            time.sleep(STALL_SECONDS)
    return result
