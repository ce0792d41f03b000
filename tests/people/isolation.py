"""Isolation factories of the people models that tests/people/factories.py does not register."""

import itertools

from django.utils import timezone

from people.models import DailyMetric
from tests.isolation import isolation_factory

_keys = itertools.count(1)


@isolation_factory(DailyMetric, search_term=lambda metric: metric.key)
def daily_metric_for_isolation():
    return DailyMetric.objects.create(
        day=timezone.localdate(), key=f"people.isolation_check_{next(_keys):04d}", value=7
    )
