"""Maintenance schedules: old task records, history retention, daily metrics and tenant health.

Each job is run twice: the second run must change nothing.
"""

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.test import RequestFactory
from django.utils import timezone
from django_q.models import Failure, Success, Task

from people import analytics, dashboard, maintenance, tenant_health
from people.background import TRAMPOLINE, fan_out, run_global
from people.models import DailyMetric, Department, EmployeeStatus, Tenant, TenantHealthSnapshot
from people.scheduling import declared_schedules
from people.tenancy import current_tenant, tenant_context
from tests.people.factories import DepartmentFactory, EmployeeFactory, UserFactory

pytestmark = pytest.mark.django_db


def task_record(*, func, args=(), success=True, stopped=None, name=None):
    stopped = stopped or timezone.now()
    return Task.objects.create(
        id=uuid.uuid4().hex,
        name=name or f"task-{uuid.uuid4().hex[:8]}",
        func=func,
        args=args,
        kwargs={},
        result=None if success else "Traceback ...\nValueError: boom",
        started=stopped - timedelta(seconds=1),
        stopped=stopped,
        success=success,
    )


def test_the_maintenance_schedules_are_declared():
    specs = {spec.name: spec for spec in declared_schedules()}
    assert specs["people.clear_expired_sessions"].func == "people.tasks.clear_expired_sessions"
    assert specs["people.purge_old_task_records"].per_tenant is False
    assert specs["people.purge_old_history"].per_tenant is True
    health = specs["people.check_tenant_health"]
    assert (health.per_tenant, health.schedule_type, health.minutes) == (False, "I", 5)
    metrics = specs["people.refresh_daily_metrics"]
    assert (metrics.per_tenant, metrics.schedule_type) == (True, "H")


# --- old task records ---------------------------------------------------------------------------


def test_purge_deletes_old_successes_only(settings):
    settings.Q_SUCCESS_KEEP_DAYS = 14
    now = timezone.now()
    old = [task_record(func="x.y", stopped=now - timedelta(days=15)) for _ in range(3)]
    recent = task_record(func="x.y", stopped=now - timedelta(days=13))
    old_failure = task_record(func="x.y", success=False, stopped=now - timedelta(days=90))

    assert run_global("people.maintenance.purge_old_task_records") == 3
    assert not Task.objects.filter(pk__in=[t.pk for t in old]).exists()
    assert set(Success.objects.values_list("pk", flat=True)) == {recent.pk}
    assert Failure.objects.filter(pk=old_failure.pk).exists(), "failures stay for the platform page"

    assert run_global("people.maintenance.purge_old_task_records") == 0
    assert Task.objects.count() == 2


def test_delete_in_batches_deletes_everything_in_small_batches(django_assert_num_queries):
    for _ in range(5):
        task_record(func="x.y")
    with django_assert_num_queries(3 * 2 + 1):  # select + delete per batch of 2, then an empty select
        assert maintenance.delete_in_batches(Success.objects.all(), batch=2) == 5
    assert not Task.objects.exists()


# --- history retention --------------------------------------------------------------------------


def age_history(instance, days):
    instance.history.model._base_manager.filter(id=instance.pk).update(
        history_date=timezone.now() - timedelta(days=days)
    )


def history_ids(model):
    return set(model.history.model._base_manager.values_list("id", "tenant_id"))


def test_history_retention_follows_each_tenants_setting(tenant_a, tenant_b):
    Tenant.objects.filter(pk=tenant_a.pk).update(history_retention_days=30)  # B keeps the default 1095
    with tenant_context(tenant_a):
        a_old, a_recent = DepartmentFactory(name="A old"), DepartmentFactory(name="A recent")
    with tenant_context(tenant_b):
        b_older_than_3y, b_old = DepartmentFactory(name="B very old"), DepartmentFactory(name="B old")
    age_history(a_old, 31)
    age_history(a_recent, 29)
    age_history(b_older_than_3y, 1096)
    age_history(b_old, 400)

    # As the schedule runs it: fanned out to every active tenant through the trampoline.
    assert fan_out("people.maintenance.purge_old_history") == 2

    assert history_ids(Department) == {(a_recent.pk, tenant_a.pk), (b_old.pk, tenant_b.pk)}
    assert Department._base_manager.count() == 4, "only history rows are deleted, never the records"

    with tenant_context(tenant_a):
        assert maintenance.purge_old_history() == 0
    with tenant_context(tenant_b):
        assert maintenance.purge_old_history() == 0
    assert len(history_ids(Department)) == 2


def test_history_retention_covers_every_tenant_owned_model():
    labels = {model._meta.label for model in maintenance.tenant_history_models()}
    assert {
        "people.HistoricalDepartment",
        "people.HistoricalMembership",
        "people.HistoricalDailyMetric",
    } <= labels
    assert "people.HistoricalTenant" not in labels and "people.HistoricalUser" not in labels


def test_retention_below_30_days_is_refused(tenant_a):
    tenant_a.history_retention_days = 7
    with pytest.raises(ValidationError, match="30"):
        tenant_a.full_clean()


# --- daily metrics ------------------------------------------------------------------------------


def metric_rows():
    return sorted(DailyMetric._base_manager.values_list("tenant_id", "day", "key", "value"))


def test_refresh_daily_metrics_upserts_todays_snapshot(tenant_a, tenant_b):
    with tenant_context(tenant_a):
        for _ in range(3):
            EmployeeFactory()
        leaver = EmployeeFactory(status=EmployeeStatus.TERMINATED)
    with tenant_context(tenant_b):
        EmployeeFactory()

    assert fan_out("people.analytics.refresh_daily_metrics") == 2
    first = metric_rows()
    with tenant_context(tenant_a):
        today = analytics.tenant_today()
        assert analytics.metric_today("people.headcount").value == 3
        assert analytics.metric_today("people.open_time_off_requests").value == 0
    assert (tenant_b.pk, today, "people.headcount", Decimal(1)) in first

    fan_out("people.analytics.refresh_daily_metrics")
    assert metric_rows() == first, "a second run in the same day changes nothing"

    with tenant_context(tenant_a):
        leaver.status = EmployeeStatus.ACTIVE
        leaver.save()
        analytics.refresh_daily_metrics()
        assert analytics.metric_today("people.headcount").value == 4
    assert len(metric_rows()) == len(first), "the day's row is updated, not duplicated"


def test_a_metric_key_must_name_its_app(monkeypatch):
    monkeypatch.setattr(analytics, "collect", lambda module, attribute: [("people", {"headcount": int})])
    with pytest.raises(ImproperlyConfigured, match="people"):
        analytics.declared_metrics()


def test_headcount_card_reads_todays_snapshot(tenant_a):
    request = RequestFactory().get("/admin/")
    request.user = UserFactory(is_superuser=True, is_staff=True)
    with tenant_context(tenant_a):
        EmployeeFactory()
        live = dashboard.headcount_kpis(request)[0]
        assert (live["value"], live["footer"]) == (1, "active and on leave")

        DailyMetric.objects.create(day=analytics.tenant_today(), key="people.headcount", value=1200)
        card = dashboard.headcount_kpis(request)[0]
    assert card["value"] == 1200
    assert card["footer"].startswith("active and on leave, as of ")


# --- tenant health ------------------------------------------------------------------------------


def snapshot_rows():
    return sorted(
        TenantHealthSnapshot.objects.values_list(
            "tenant_id", "taken_at", "record_counts", "failed_tasks_last_hour", "last_runs", "catalog_drift"
        )
    )


def test_health_check_snapshots_every_active_tenant(tenant_a, tenant_b, user_a):
    inactive = Tenant.objects.create(name="Gone", slug="gone", is_active=False)
    now = timezone.now()
    with tenant_context(tenant_a):
        DepartmentFactory()
    task_record(
        func=TRAMPOLINE, args=(tenant_a.pk, "x.y"), success=False, stopped=now - timedelta(minutes=10)
    )
    task_record(func=TRAMPOLINE, args=(tenant_a.pk, "x.y"), success=False, stopped=now - timedelta(hours=2))
    task_record(func=TRAMPOLINE, args=(tenant_b.pk, "x.y"), success=True, stopped=now)
    ran_at = now - timedelta(hours=3)
    task_record(func=TRAMPOLINE, args=(tenant_a.pk, "people.maintenance.purge_old_history"), stopped=ran_at)
    task_record(
        func=TRAMPOLINE,
        args=(tenant_a.pk, "people.maintenance.purge_old_history"),
        stopped=ran_at - timedelta(days=1),
    )

    assert run_global("people.tenant_health.check_tenant_health") == 2  # as the schedule runs it
    snapshots = {s.tenant_id: s for s in TenantHealthSnapshot.objects.all()}
    assert set(snapshots) == {tenant_a.pk, tenant_b.pk}, "inactive tenants are not checked"
    a, b = snapshots[tenant_a.pk], snapshots[tenant_b.pk]
    assert a.record_counts["people"] == 2  # user_a's membership and the department
    assert b.record_counts["people"] == 0 and set(a.record_counts) == set(b.record_counts)
    assert (a.failed_tasks_last_hour, b.failed_tasks_last_hour) == (1, 0)
    assert a.last_runs["people.purge_old_history"] == ran_at.isoformat()
    assert b.last_runs["people.purge_old_history"] is None
    assert set(a.last_runs) == {s.name for s in declared_schedules() if s.per_tenant}
    assert a.catalog_drift == 0, "nothing published, nothing listed: no drift (catalog/health.py)"
    assert not TenantHealthSnapshot.objects.filter(tenant=inactive).exists()


def test_health_check_twice_in_a_slot_changes_nothing(tenant_a, tenant_b):
    now = tenant_health.slot_of(timezone.now()) + timedelta(minutes=1)
    tenant_health.check_tenant_health(now=now)
    first = snapshot_rows()
    tenant_health.check_tenant_health(now=now + timedelta(seconds=1))
    assert snapshot_rows() == first
    assert [row[1] for row in first] == [tenant_health.slot_of(now)] * 2
    assert TenantHealthSnapshot.history.count() == 0, "derived snapshots write no history rows"


def test_health_check_reads_only_new_successes_and_keeps_what_it_knew(tenant_a):
    start = timezone.now().replace(minute=0, second=0, microsecond=0)
    first_run = start - timedelta(hours=1)
    task_record(
        func=TRAMPOLINE, args=(tenant_a.pk, "people.maintenance.purge_old_history"), stopped=first_run
    )
    tenant_health.check_tenant_health(now=start)
    Task.objects.all().delete()  # e.g. purged: the next snapshot still knows the last run

    later = start + timedelta(minutes=5)
    second_run = start + timedelta(minutes=2)
    task_record(
        func=TRAMPOLINE, args=(tenant_a.pk, "people.analytics.refresh_daily_metrics"), stopped=second_run
    )
    tenant_health.check_tenant_health(now=later)

    latest = tenant_health.latest_snapshots().get(tenant=tenant_a)
    assert latest.taken_at == later
    assert latest.last_runs["people.purge_old_history"] == first_run.isoformat()
    assert latest.last_runs["people.refresh_daily_metrics"] == second_run.isoformat()
    assert TenantHealthSnapshot.objects.count() == 2


def test_health_check_forgets_snapshots_older_than_a_week(tenant_a):
    now = timezone.now()
    tenant_health.check_tenant_health(now=now - timedelta(days=8))
    tenant_health.check_tenant_health(now=now)
    assert list(TenantHealthSnapshot.objects.values_list("taken_at", flat=True)) == [
        tenant_health.slot_of(now)
    ]
    assert TenantHealthSnapshot.history.count() == 0


def test_catalog_drift_comes_from_an_apps_hook_run_inside_the_tenant(monkeypatch, tenant_a):
    def drift():
        return 3 if current_tenant() == tenant_a else 0

    monkeypatch.setattr(tenant_health, "collect", lambda module, attribute: [("catalog", drift)])
    tenant_health.check_tenant_health()
    assert TenantHealthSnapshot.objects.get(tenant=tenant_a).catalog_drift == 3
