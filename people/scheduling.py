"""Code-declared schedules: each app lists its schedules in `<app>/schedules.py` as `SCHEDULES`.

`manage.py sync_schedules` upserts them into django-q2's Schedule table by name and deletes
code-managed schedules (named `<app>.<something>`) that are no longer declared. Schedules made by
hand in the admin have other names and are left alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone
from django_q.models import Schedule

from people.registry import collect

FAN_OUT = "people.background.fan_out"
RUN_GLOBAL = "people.background.run_global"


@dataclass(frozen=True)
class ScheduleSpec:
    """One schedule. `per_tenant=True` runs `func` once in every active tenant (fan-out);
    otherwise it is a global job that must use all_tenants() itself to touch tenant data."""

    name: str
    func: str
    schedule_type: str = Schedule.DAILY
    minutes: int | None = None  # for Schedule.MINUTES
    cron: str | None = None  # for Schedule.CRON
    per_tenant: bool = False
    args: tuple = field(default_factory=tuple)

    def as_schedule_fields(self) -> dict:
        # Both kinds go through a trampoline that refuses a tenant leaked from the previous task.
        entry = FAN_OUT if self.per_tenant else RUN_GLOBAL
        return {
            "func": entry,
            "args": repr((self.func, *self.args)),
            "kwargs": None,
            "schedule_type": self.schedule_type,
            "minutes": self.minutes,
            "cron": self.cron,
            "repeats": -1,
        }


def declared_schedules() -> list[ScheduleSpec]:
    specs = []
    for app_label, schedules in collect("schedules", "SCHEDULES"):
        for spec in schedules:
            if not spec.name.startswith(f"{app_label}."):
                raise ImproperlyConfigured(
                    f"Schedule {spec.name!r} of app {app_label} must be named '{app_label}.…'."
                )
            specs.append(spec)
    names = [spec.name for spec in specs]
    duplicates = {name for name in names if names.count(name) > 1}
    if duplicates:
        raise ImproperlyConfigured(f"Schedules declared twice: {', '.join(sorted(duplicates))}.")
    return specs


def is_code_managed(name: str) -> bool:
    return name.split(".", 1)[0] in settings.PROJECT_APPS and "." in name


@dataclass
class SyncReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


@transaction.atomic
def sync_schedules(*, dry_run: bool = False) -> SyncReport:
    """Make q2's Schedule table match the declared schedules. Idempotent."""
    report = SyncReport()
    specs = declared_schedules()
    existing = {
        s.name: s for s in Schedule.objects.select_for_update().filter(name__in=[x.name for x in specs])
    }
    for spec in specs:
        wanted = spec.as_schedule_fields()
        current = existing.get(spec.name)
        if current is None:
            report.created.append(spec.name)
            if not dry_run:
                Schedule.objects.create(name=spec.name, next_run=timezone.now(), **wanted)
        elif any(getattr(current, key) != value for key, value in wanted.items()):
            report.updated.append(spec.name)
            if not dry_run:
                for key, value in wanted.items():
                    setattr(current, key, value)
                current.save()
        else:
            report.unchanged.append(spec.name)
    declared = {spec.name for spec in specs}
    stale = [s for s in Schedule.objects.exclude(name__in=declared) if s.name and is_code_managed(s.name)]
    for schedule in stale:
        report.removed.append(schedule.name)
        if not dry_run:
            schedule.delete()
    return report
