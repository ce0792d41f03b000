"""The tenancy kernel's background path, proven with a real django-q2 worker (`manage.py qcluster`).

Tasks are enqueued here through `people.background.enqueue()` (or, to simulate a bug, q2's raw
`async_task`), sent to the broker instead of run inline, and processed by a qcluster subprocess with
one worker process that uses this session's test database. Results are read back from q2's Task
table with a deadline; the worker is always stopped in the fixture teardown, before the database is
flushed.

PostgreSQL only: the embedded SQLite test database is in-memory and private to this process.
"""

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
from django.conf import settings
from django.db import connection
from django_q.conf import Conf
from django_q.models import OrmQ, Task
from django_q.tasks import async_task, fetch

from people.background import TRAMPOLINE, enqueue
from people.models import Tenant
from people.tenancy import tenant_context
from tests.people import worker_tasks
from tests.people.factories import MembershipFactory, UserFactory

ON_POSTGRESQL = "postgresql" in settings.DATABASES["default"]["ENGINE"]

pytestmark = [
    pytest.mark.worker,
    pytest.mark.skipif(
        not ON_POSTGRESQL,
        reason="needs PostgreSQL (set DATABASE_URL=postgres://...): the qcluster subprocess must share "
        "the test database, and the embedded SQLite test database is in-memory, private to pytest",
    ),
    pytest.mark.django_db(transaction=True),  # the worker only sees committed rows
]

DEADLINE_SECONDS = 60  # per awaited result, worker start-up included
STOP_SECONDS = 30  # SIGTERM grace period before the worker's process group is killed
POLL_MS = 250


def _task_name(label: str) -> str:
    return f"worker-test-{label}-{uuid.uuid4().hex[:12]}"


def _test_database_url() -> str:
    """DATABASE_URL of the test database pytest-django created (settings_dict NAME is test_...)."""
    db = connection.settings_dict
    auth = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        auth += ":" + quote(db["PASSWORD"], safe="")
    host = quote(db["HOST"] or "", safe="")
    port = f":{db['PORT']}" if db["PORT"] else ""
    url = f"postgres://{auth}@{host}{port}/{quote(db['NAME'], safe='')}"
    options = {k: v for k, v in (db.get("OPTIONS") or {}).items() if isinstance(v, str | int)}
    return f"{url}?{urlencode(options)}" if options else url


class Worker:
    """A running `manage.py qcluster` subprocess with its output captured to a file."""

    def __init__(self, log_path: Path):
        self.log_path = log_path
        env = {
            **os.environ,  # REDIS_URL, Q_BROKER, ... pass through
            "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "config.settings"),
            "DATABASE_URL": _test_database_url(),
            "Q_BROKER": settings.Q_BROKER,
            "Q_SYNC": "false",
            "Q_WORKERS": "1",
            "PYTHONPATH": os.pathsep.join(
                filter(None, [str(settings.BASE_DIR), os.environ.get("PYTHONPATH")])
            ),
            "PYTHONUNBUFFERED": "1",
        }
        with open(log_path, "wb") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "manage.py", "qcluster"],
                cwd=settings.BASE_DIR,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, so teardown can reach its children
            )

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return "(no worker output)"
        return "\n".join(text.splitlines()[-lines:]) or "(no worker output)"

    def explain(self, message: str) -> str:
        return f"{message}\n--- qcluster output (tail of {self.log_path}) ---\n{self.log_tail()}"

    def wait_until(self, predicate, what: str, timeout: float = DEADLINE_SECONDS):
        """Poll `predicate()` until it returns something truthy; fail if the worker dies or time runs out."""
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            if self.proc.poll() is not None:
                pytest.fail(self.explain(f"qcluster exited with code {self.proc.returncode} before {what}"))
            if time.monotonic() > deadline:
                pytest.fail(self.explain(f"gave up after {timeout}s waiting for {what}"))

    def wait_for_task(self, name: str) -> Task:
        """The Task q2 saved for `name` (success or failure)."""
        return self.wait_until(lambda: fetch(name, wait=POLL_MS), f"task {name} to be processed")

    def wait_for_success(self, name: str) -> Task:
        task = self.wait_for_task(name)
        assert task.success, self.explain(f"task {name} failed in the worker: {task.result}")
        return task

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)  # qcluster stops its worker, monitor and pusher, then exits
            try:
                self.proc.wait(timeout=STOP_SECONDS)
                return
            except subprocess.TimeoutExpired:
                pass
            with contextlib.suppress(ProcessLookupError):  # the group is gone already
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=STOP_SECONDS)


@pytest.fixture(autouse=True)
def _send_to_the_broker(monkeypatch):
    """conftest runs tasks inline (Q_SYNC=true); here enqueue must write to the broker instead.

    people.background._send and django_q.tasks.async_task both read Conf.SYNC at call time.
    """
    monkeypatch.setattr(Conf, "SYNC", False)


@pytest.fixture
def start_worker(transactional_db, tmp_path):
    """Start a qcluster with one worker process; stopped at teardown, before the database flush."""
    workers = []

    def start() -> Worker:
        worker = Worker(tmp_path / f"qcluster-{len(workers)}.log")
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        worker.stop()


def _assert_sees_only(result: dict, tenant: Tenant, emails: list[str], worker: Worker) -> None:
    expected = {
        "tenant_id": tenant.pk,
        "slug": tenant.slug,
        "memberships": len(emails),
        "emails": sorted(emails),
        "membership_tenant_ids": [tenant.pk],
    }
    seen = {key: result.get(key) for key in expected}
    assert seen == expected, worker.explain(f"the task did not see exactly tenant {tenant.slug}: {result}")


def test_enqueued_task_runs_inside_its_tenant_in_the_worker(tenant_a, tenant_b, user_a, user_b, start_worker):
    name = _task_name("a")
    with tenant_context(tenant_a):
        task_id = enqueue(worker_tasks.describe_tenant, task_name=name)

    worker = start_worker()
    task = worker.wait_for_success(name)

    if task_id is not None:  # ORM broker: enqueue returns q2's task id
        assert task.id == task_id
    assert task.func == TRAMPOLINE
    assert task.args[:2] == (tenant_a.pk, "tests.people.worker_tasks.describe_tenant")
    assert task.result["pid"] != os.getpid(), "the task ran inline, not in the worker"
    _assert_sees_only(task.result, tenant_a, ["owner@tenant-a.test"], worker)


def test_back_to_back_tasks_of_two_tenants_in_one_worker_carry_nothing_over(
    tenant_a, tenant_b, user_a, user_b, start_worker
):
    with tenant_context(tenant_b):  # B has two members, A one: the counts tell them apart too
        MembershipFactory(user=UserFactory(email="second@tenant-b.test"))
    name_a, name_b = _task_name("a"), _task_name("b")
    with tenant_context(tenant_a):
        enqueue(worker_tasks.describe_tenant, task_name=name_a)
    with tenant_context(tenant_b):
        enqueue(worker_tasks.describe_tenant, task_name=name_b)

    worker = start_worker()
    result_a = worker.wait_for_success(name_a).result
    result_b = worker.wait_for_success(name_b).result

    assert result_a["pid"] == result_b["pid"] != os.getpid(), worker.explain(
        f"expected one worker process to run both tasks: {result_a['pid']} / {result_b['pid']}"
    )
    _assert_sees_only(result_a, tenant_a, ["owner@tenant-a.test"], worker)
    _assert_sees_only(result_b, tenant_b, ["owner@tenant-b.test", "second@tenant-b.test"], worker)


def test_task_of_a_deactivated_tenant_is_skipped_once_not_retried(
    tenant_a, tenant_b, user_a, user_b, start_worker
):
    skipped_name, next_name = _task_name("inactive-a"), _task_name("b")
    with tenant_context(tenant_a):
        enqueue(worker_tasks.describe_tenant, task_name=skipped_name)
    with tenant_context(tenant_b):
        enqueue(worker_tasks.describe_tenant, task_name=next_name)
    Tenant.objects.filter(pk=tenant_a.pk).update(is_active=False)  # deactivated before the worker runs

    worker = start_worker()
    skipped = worker.wait_for_success(skipped_name)
    after = worker.wait_for_success(next_name)

    assert skipped.result is None
    assert skipped.attempt_count == 1
    _assert_sees_only(after.result, tenant_b, ["owner@tenant-b.test"], worker)
    if settings.Q_BROKER == "orm":  # acknowledged: nothing left in the queue to be delivered again
        worker.wait_until(lambda: not OrmQ.objects.exists(), "the ORM queue to be empty")
    assert "skipped task for missing or inactive tenant" in worker.log_tail(200)


def test_task_that_leaves_its_tenant_open_does_not_leak_into_the_next_task(
    tenant_a, tenant_b, user_a, user_b, start_worker
):
    leaky_name, next_name = _task_name("leaky-a"), _task_name("b")
    with tenant_context(tenant_a):
        enqueue(worker_tasks.leave_tenant_open, task_name=leaky_name)
    worker = start_worker()
    leaky = worker.wait_for_success(leaky_name)

    with tenant_context(tenant_b):  # enqueued only now, so it runs after the leaky task
        enqueue(worker_tasks.describe_tenant, task_name=next_name)
    after = worker.wait_for_success(next_name)

    assert leaky.result["pid"] == after.result["pid"], "expected the same worker process to run both"
    _assert_sees_only(after.result, tenant_b, ["owner@tenant-b.test"], worker)


def test_tenant_leaked_outside_the_trampoline_fails_the_next_task_loudly(
    tenant_a, tenant_b, user_a, user_b, start_worker
):
    leak_name, next_name = _task_name("raw-leak-a"), _task_name("b")
    # A raw q2 task (no trampoline) that leaves tenant A active in the worker process.
    async_task(
        "tests.people.worker_tasks.leak_tenant_outside_trampoline",
        tenant_a.pk,
        q_options={"task_name": leak_name},
    )
    worker = start_worker()
    leak = worker.wait_for_success(leak_name)
    assert leak.result["slug"] == "tenant-a"

    with tenant_context(tenant_b):
        enqueue(worker_tasks.describe_tenant, task_name=next_name)
    refused = worker.wait_for_task(next_name)

    assert not refused.success, worker.explain(f"the task ran with tenant A leaked: {refused.result}")
    assert "TenantLeak" in refused.result
    assert f"started with tenant {tenant_a.pk} still active" in refused.result
    assert refused.attempt_count == 1  # ack_failures: kept for the admin, not redelivered
