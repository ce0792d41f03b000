import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django_q.models import Schedule

from people import scheduling
from people.scheduling import ScheduleSpec, sync_schedules

pytestmark = pytest.mark.django_db

DECLARED = [
    ScheduleSpec(name="people.nightly", func="people.tasks.clear_expired_sessions"),
    ScheduleSpec(
        name="people.per_tenant",
        func="tests.people.worker_tasks.describe_tenant",
        schedule_type=Schedule.MINUTES,
        minutes=15,
        per_tenant=True,
    ),
]


@pytest.fixture
def declared(monkeypatch):
    specs = list(DECLARED)
    monkeypatch.setattr(scheduling, "declared_schedules", lambda: specs)
    return specs


def test_sync_creates_then_changes_nothing(declared):
    first = sync_schedules()
    assert sorted(first.created) == ["people.nightly", "people.per_tenant"]
    second = sync_schedules()
    assert second.created == second.updated == second.removed == []
    assert sorted(second.unchanged) == ["people.nightly", "people.per_tenant"]
    per_tenant = Schedule.objects.get(name="people.per_tenant")
    assert per_tenant.func == "people.background.fan_out"
    assert per_tenant.minutes == 15 and per_tenant.schedule_type == Schedule.MINUTES
    assert Schedule.objects.get(name="people.nightly").func == "people.background.run_global"


def test_sync_updates_a_changed_declaration(declared):
    sync_schedules()
    declared[1] = ScheduleSpec(
        name="people.per_tenant",
        func=DECLARED[1].func,
        schedule_type=Schedule.MINUTES,
        minutes=5,
        per_tenant=True,
    )
    report = sync_schedules()
    assert report.updated == ["people.per_tenant"]
    assert Schedule.objects.get(name="people.per_tenant").minutes == 5


def test_sync_removes_undeclared_code_schedules_and_keeps_manual_ones(declared):
    Schedule.objects.create(name="people.retired_job", func="people.tasks.clear_expired_sessions")
    Schedule.objects.create(
        name="Ad-hoc report (made in the admin)", func="people.tasks.clear_expired_sessions"
    )
    report = sync_schedules()
    assert report.removed == ["people.retired_job"]
    assert Schedule.objects.filter(name="Ad-hoc report (made in the admin)").exists()


def test_dry_run_changes_nothing(declared):
    report = sync_schedules(dry_run=True)
    assert len(report.created) == 2
    assert not Schedule.objects.exists()


def test_schedule_names_must_carry_their_app(monkeypatch):
    monkeypatch.setattr(
        scheduling, "collect", lambda *a: [("people", [ScheduleSpec(name="nightly", func="x.y")])]
    )
    with pytest.raises(ImproperlyConfigured, match="must be named 'people."):
        scheduling.declared_schedules()


def test_scheduled_per_tenant_run_reaches_every_tenant(declared, tenant_a, tenant_b, user_a, user_b):
    """Call the scheduler the way q2's cluster does; the fan-out runs the job in each tenant."""
    from django_q.models import Task
    from django_q.scheduler import scheduler

    sync_schedules()
    Schedule.objects.exclude(name="people.per_tenant").delete()
    scheduler()
    tenants = sorted(t.result["slug"] for t in Task.objects.all() if isinstance(t.result, dict))
    assert tenants == ["tenant-a", "tenant-b"]


def test_command_reports_idempotently(declared, capsys):
    call_command("sync_schedules")
    call_command("sync_schedules")
    out = capsys.readouterr().out
    assert "2 created" in out and "nothing changed" in out


def test_the_real_declarations_are_valid():
    specs = scheduling.declared_schedules()
    assert "people.clear_expired_sessions" in {s.name for s in specs}
