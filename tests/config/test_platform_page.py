"""The platform page: superusers only, schedules, failed tasks with retry, queue, tenant health."""

import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_q.brokers import get_broker
from django_q.models import Failure, OrmQ, Schedule, Success, Task

from people.background import TRAMPOLINE
from people.models import Tenant, User
from people.scheduling import sync_schedules
from people.tenant_health import check_tenant_health
from tests.conftest import login
from tests.people.factories import TenantFactory

pytestmark = pytest.mark.django_db

PAGE = "/admin/platform/"


def failed_task(*, tenant=None, func="tests.people.worker_tasks.describe_tenant"):
    """A failure as q2 stores it: a tenant task through the trampoline, or a global function."""
    return Task.objects.create(
        id=uuid.uuid4().hex,
        name=f"failed-{uuid.uuid4().hex[:8]}",
        func=TRAMPOLINE if tenant else func,
        args=(tenant.pk, func) if tenant else (),
        kwargs={},
        result="Traceback (most recent call last):\nRuntimeError: gateway unreachable",
        started=timezone.now() - timedelta(seconds=2),
        stopped=timezone.now(),
        success=False,
        attempt_count=1,
    )


@pytest.fixture
def superuser():
    return User.objects.create_superuser("platform@ops.test", "x")


@pytest.fixture
def platform_client(client, superuser, tenant_a):
    return login(client, superuser, tenant_a)


def test_superuser_sees_schedules_failures_queue_and_health(platform_client, tenant_a, tenant_b, user_a):
    sync_schedules()
    failure = failed_task(tenant=tenant_a)
    check_tenant_health()
    OrmQ.objects.create(key=get_broker().list_key, payload="x", lock=timezone.now() - timedelta(minutes=1))

    response = platform_client.get(PAGE)

    assert response.status_code == 200
    html = response.content.decode()
    names = {row["schedule"].name for row in response.context["schedules"]}
    assert {"people.check_tenant_health", "people.clear_expired_sessions"} <= names
    health_row = next(
        r for r in response.context["schedules"] if r["schedule"].name == "people.check_tenant_health"
    )
    assert (health_row["runs"], health_row["timing"]) == (
        "people.tenant_health.check_tenant_health",
        "every 5 minutes",
    )
    [row] = response.context["failed"]
    assert (row["task"].pk, row["tenant"], row["runs"]) == (
        failure.pk,
        tenant_a,
        "tests.people.worker_tasks.describe_tenant",
    )
    assert "gateway unreachable" in html
    assert reverse("admin:platform_retry_task", args=[failure.pk]) in html
    assert response.context["queue"]["waiting"] == 1
    assert {row["snapshot"].tenant for row in response.context["health"]} == {tenant_a, tenant_b}
    assert response.context["health"][0]["snapshot"].failed_tasks_last_hour == 1  # Tenant A sorts first


def test_schedule_shows_its_last_run_and_result(platform_client):
    sync_schedules()
    schedule = Schedule.objects.get(name="people.clear_expired_sessions")
    last = failed_task(func="people.tasks.clear_expired_sessions")
    Schedule.objects.filter(pk=schedule.pk).update(task=last.pk)

    row = next(
        r for r in platform_client.get(PAGE).context["schedules"] if r["schedule"].name == schedule.name
    )
    assert row["last"].pk == last.pk and not row["last"].success


@pytest.mark.parametrize("method", ["get", "post"])
def test_tenant_users_get_403(client_a, tenant_a, method):
    failure = failed_task(tenant=tenant_a)
    for url in (PAGE, reverse("admin:platform_retry_task", args=[failure.pk])):
        assert getattr(client_a, method)(url).status_code == 403, url
    assert Failure.objects.filter(pk=failure.pk).exists()


def test_anonymous_is_sent_to_the_login_page(client):
    response = client.get(PAGE)
    assert response.status_code == 302 and reverse("admin:login") in response["Location"]


def test_sidebar_links_the_page_for_superusers_only(platform_client, client_b):
    assert PAGE in platform_client.get("/admin/").content.decode()
    assert PAGE not in client_b.get("/admin/").content.decode()


def test_retry_asks_first_then_sends_the_task_again_into_its_tenant(platform_client, tenant_a, user_a):
    failure = failed_task(tenant=tenant_a)
    url = reverse("admin:platform_retry_task", args=[failure.pk])

    confirm = platform_client.get(url)
    assert confirm.status_code == 200
    assert "Retry task" in confirm.content.decode() and "csrfmiddlewaretoken" in confirm.content.decode()
    assert Failure.objects.filter(pk=failure.pk).exists(), "GET changes nothing"

    response = platform_client.post(url)

    assert response.status_code == 302 and response["Location"] == PAGE
    assert not Failure.objects.filter(pk=failure.pk).exists()
    # Tests run tasks inline (sync mode): it ran again, through the trampoline, inside tenant A.
    [again] = Success.objects.filter(name=failure.name)
    assert again.func == TRAMPOLINE and again.args == failure.args
    assert again.result["slug"] == "tenant-a" and again.result["memberships"] == 1


def test_retry_needs_the_csrf_token(superuser, tenant_a):
    failure = failed_task(tenant=tenant_a)
    client = login(Client(enforce_csrf_checks=True), superuser, tenant_a)
    response = client.post(reverse("admin:platform_retry_task", args=[failure.pk]))
    assert response.status_code == 403
    assert Failure.objects.filter(pk=failure.pk).exists()


def test_retry_of_an_unknown_task_is_404(platform_client):
    assert platform_client.post(reverse("admin:platform_retry_task", args=["0" * 32])).status_code == 404


def fill(tenants: int, failures: int):
    """`tenants` active tenants with a health snapshot, `failures` failed tenant tasks, the schedules."""
    made = [
        TenantFactory(name=f"Tenant {uuid.uuid4().hex[:6]}", slug=uuid.uuid4().hex[:12])
        for _ in range(tenants)
    ]
    for i in range(failures):
        failed_task(tenant=made[i % len(made)])
    last = failed_task()  # and a global one, which every schedule shows as its last run
    sync_schedules()
    Schedule.objects.update(task=last.pk)
    check_tenant_health()


def test_page_runs_a_constant_number_of_queries(platform_client, django_assert_max_num_queries):
    fill(tenants=1, failures=1)
    platform_client.get(PAGE)  # warm Django's caches (content types, ...) before counting
    with CaptureQueriesContext(connection) as small:
        assert platform_client.get(PAGE).status_code == 200

    fill(tenants=6, failures=20)
    Schedule.objects.create(
        name="Ad-hoc report (made in the admin)", func="people.tasks.clear_expired_sessions"
    )
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = platform_client.get(PAGE)
    assert len(response.context["failed"]) == 23
    assert len(response.context["health"]) == Tenant.objects.filter(is_active=True).count() == 8
