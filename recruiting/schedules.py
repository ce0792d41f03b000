"""Schedules of the recruiting app (synced by `manage.py sync_schedules`)."""

from django_q.models import Schedule

from people.scheduling import ScheduleSpec

SCHEDULES = [
    # Hourly in every tenant: an offer expires at most an hour late; a run finds only what is
    # still sent and overdue, so a double or missed run changes nothing.
    ScheduleSpec(
        name="recruiting.expire_overdue_offers",
        func="recruiting.tasks.expire_overdue_offers",
        schedule_type=Schedule.HOURLY,
        per_tenant=True,
    ),
    # Daily in every tenant: candidates past their retention date and in no open process are
    # anonymised (history included); a second run finds nothing left to do.
    ScheduleSpec(
        name="recruiting.anonymise_expired_candidates",
        func="recruiting.tasks.anonymise_expired_candidates",
        schedule_type=Schedule.DAILY,
        per_tenant=True,
    ),
    # Daily in every tenant: each recruiter's digest of today's interviews and stuck applications;
    # a delivery row per recruiter and day makes a second run the same day send nothing.
    ScheduleSpec(
        name="recruiting.send_recruiter_digests",
        func="recruiting.tasks.send_recruiter_digests",
        schedule_type=Schedule.DAILY,
        per_tenant=True,
    ),
]
