from django_q.models import Schedule

from people.scheduling import ScheduleSpec

SCHEDULES = [
    ScheduleSpec(
        name="people.clear_expired_sessions",
        func="people.tasks.clear_expired_sessions",
        schedule_type=Schedule.DAILY,
    ),
]
