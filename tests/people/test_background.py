import pytest
from django.db import transaction
from django_q.models import Task
from django_scopes import get_scope

from people import background
from people.background import TenantLeak, enqueue, fan_out, run_global, run_in_tenant
from people.tenancy import NoActiveTenant, active_tenant_or_none, tenant_context

pytestmark = pytest.mark.django_db
SNAPSHOT = "tests.people.worker_tasks.describe_tenant"


def result_of(task_id):
    return Task.objects.get(id=task_id).result


def test_enqueue_runs_the_task_inside_the_callers_tenant(user_a, user_b, tenant_a, tenant_b):
    with tenant_context(tenant_a):
        task_a = enqueue(SNAPSHOT)
    with tenant_context(tenant_b):
        task_b = enqueue(SNAPSHOT)
    a, b = result_of(task_a), result_of(task_b)
    assert (a["slug"], a["emails"], a["membership_tenant_ids"]) == ("tenant-a", [user_a.email], [tenant_a.pk])
    assert (b["slug"], b["emails"], b["membership_tenant_ids"]) == ("tenant-b", [user_b.email], [tenant_b.pk])


def test_enqueue_needs_an_active_tenant(db):
    with pytest.raises(NoActiveTenant):
        enqueue(SNAPSHOT)


def test_enqueue_refuses_model_instances(tenant_a, user_a):
    with tenant_context(tenant_a), pytest.raises(TypeError, match="Pass ids"):
        enqueue(SNAPSHOT, user_a)


def test_enqueue_refuses_an_unknown_function(tenant_a):
    with tenant_context(tenant_a), pytest.raises(ImportError):
        enqueue("tests.people.worker_tasks.no_such_task")


def test_trampoline_refuses_to_start_with_a_leaked_tenant(tenant_a, tenant_b):
    with tenant_context(tenant_a), pytest.raises(TenantLeak, match="still active"):
        run_in_tenant(tenant_b.pk, SNAPSHOT)


def test_trampoline_resets_the_tenant_even_when_the_task_leaks_it(tenant_a):
    run_in_tenant(tenant_a.pk, "tests.people.worker_tasks.leave_tenant_open")
    # The trampoline's reset restores the state from before it entered, inner leaks included.
    assert active_tenant_or_none() is None
    assert get_scope() == {}
    assert run_in_tenant(tenant_a.pk, SNAPSHOT)["slug"] == "tenant-a"


def test_trampoline_skips_an_inactive_or_missing_tenant_without_failing(tenant_a):
    tenant_a.is_active = False
    tenant_a.save()
    assert run_in_tenant(tenant_a.pk, SNAPSHOT) is None
    assert run_in_tenant(987654, SNAPSHOT) is None


def test_global_trampoline_runs_without_a_tenant(db):
    assert run_global("people.tenancy.active_tenant_or_none") is None


def test_fan_out_enqueues_once_per_active_tenant(tenant_a, tenant_b, user_a, user_b):
    tenant_b.is_active = False
    tenant_b.save()
    assert fan_out(SNAPSHOT) == 1
    assert [t.result["slug"] for t in Task.objects.all()] == ["tenant-a"]


def test_with_the_redis_broker_enqueue_waits_for_the_commit(tenant_a, user_a, settings, monkeypatch):
    settings.Q_BROKER = "redis"
    monkeypatch.setattr(background.Conf, "SYNC", False)
    sent = []
    monkeypatch.setattr(background, "async_task", lambda *args, **kwargs: sent.append(args))
    with tenant_context(tenant_a), transaction.atomic():
        enqueue(SNAPSHOT)
        assert sent == []  # not before the commit
    # pytest-django wraps the test in a transaction: run the on_commit callbacks by hand.
    from django.db import connection

    for _sids, callback, _robust in connection.run_on_commit:
        callback()
    assert sent and sent[0][0] == background.TRAMPOLINE and sent[0][1] == tenant_a.pk


def test_with_the_orm_broker_the_task_row_is_part_of_the_callers_transaction(tenant_a, monkeypatch):
    from django_q.models import OrmQ

    monkeypatch.setattr(background.Conf, "SYNC", False)
    with tenant_context(tenant_a), pytest.raises(RuntimeError), transaction.atomic():
        enqueue(SNAPSHOT)
        assert OrmQ.objects.count() == 1
        raise RuntimeError("the caller's transaction rolls back")
    assert OrmQ.objects.count() == 0  # no task for data that was never committed
