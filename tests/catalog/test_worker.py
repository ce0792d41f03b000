"""A worker killed in the middle of a catalog sync: the task is delivered again and the catalog
converges (django-q2's ORM broker keeps the task until it is acknowledged, and redelivers it
after Q_RETRY seconds). A real `manage.py qcluster` is started (tests/people/test_worker.py),
killed with SIGKILL while the task has written, but not committed, the new entry, and restarted.

PostgreSQL only: the embedded SQLite test database is in-memory and private to this process.
"""

import os
import signal
import time

import pytest
from django.conf import settings
from django_q.conf import Conf
from django_q.models import OrmQ

from people.background import enqueue
from people.tenancy import tenant_context
from tests.catalog.conftest import job_entries
from tests.catalog.factories import ListedJobFactory
from tests.people.test_worker import ON_POSTGRESQL, Worker

pytestmark = [
    pytest.mark.worker,
    pytest.mark.skipif(not ON_POSTGRESQL, reason="needs PostgreSQL: the worker must share the test database"),
    pytest.mark.skipif(settings.Q_BROKER != "orm", reason="redelivery needs the ORM broker's receipts"),
    pytest.mark.django_db(transaction=True),
]

TIMEOUT, RETRY = 20, 25  # the worker's Q_TIMEOUT and Q_RETRY: the kill comes well before the timeout


@pytest.fixture(autouse=True)
def _send_to_the_broker(monkeypatch):
    monkeypatch.setattr(Conf, "SYNC", False)  # enqueue writes to the broker; the worker runs it


@pytest.fixture
def start_worker(transactional_db, tmp_path):
    """Start qcluster processes (tests/people/test_worker.py's Worker); all stopped at teardown."""
    workers = []

    def start() -> Worker:
        workers.append(Worker(tmp_path / f"qcluster-{len(workers)}.log"))
        return workers[-1]

    yield start
    for worker in workers:
        worker.stop()


def wait_for(predicate, what: str, worker, timeout: float = 90):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(worker.explain(f"gave up after {timeout}s waiting for {what}"))
        time.sleep(0.25)


def test_a_worker_killed_mid_sync_is_redelivered_and_the_catalog_converges(
    tenant_a, start_worker, tmp_path, monkeypatch
):
    gate = tmp_path / "gate"
    gate.mkdir()
    monkeypatch.setenv("Q_TIMEOUT", str(TIMEOUT))
    monkeypatch.setenv("Q_RETRY", str(RETRY))
    with tenant_context(tenant_a):
        job = ListedJobFactory(title="Old title")
    OrmQ.objects.all().delete()  # the signal's own task: this test sends the stalling one instead
    job_entries().delete()
    with tenant_context(tenant_a):
        ListedJobFactory._meta.model.objects.filter(pk=job.pk).update(title="New title")
        enqueue("tests.catalog.worker_tasks.sync_job_stalling_once", job.pk, str(gate))

    first = start_worker()
    wait_for(lambda: (gate / "stalled").exists(), "the sync to stall before its commit", first)
    os.killpg(first.proc.pid, signal.SIGKILL)  # the cluster and its worker process, mid-task
    first.proc.wait(timeout=30)

    assert not job_entries().exists(), "the killed task's uncommitted entry is visible"
    assert OrmQ.objects.count() == 1, "the task was lost with its worker"

    second = start_worker()
    wait_for(lambda: job_entries(title="New title").exists(), "the redelivered task to sync the job", second)
    assert len(list(gate.glob("delivery-*"))) == 2
    wait_for(lambda: not OrmQ.objects.exists(), "the redelivered task to be acknowledged", second)
    assert job_entries().count() == 1
