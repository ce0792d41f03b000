"""Reads of the people app that pages, dashboards, reports, services and exports share."""

from collections import defaultdict
from datetime import date
from decimal import Decimal

from django.db.models import Count, Q, Sum

from people.models import (
    ACTIVE_REQUEST_STATUSES,
    Employee,
    EmployeeStatus,
    Holiday,
    RequestStatus,
    TimeOffLedgerEntry,
    TimeOffRequest,
)

TENTH = Decimal("0.1")


def days(total) -> Decimal:
    """A sum of day amounts, rounded to the ledger's precision (SQLite sums decimals as floats)."""
    return Decimal(total or 0).quantize(TENTH)


def balance_as_of(*, employee_id: int, time_off_type_id: int, as_of: date) -> Decimal:
    """The sum of the ledger entries effective on or before `as_of`: one aggregate query."""
    total = TimeOffLedgerEntry.objects.filter(
        employee_id=employee_id, time_off_type_id=time_off_type_id, effective_date__lte=as_of
    ).aggregate(total=Sum("amount"))["total"]
    return days(total)


def balances_as_of(*, employee_ids, as_of: date) -> dict[tuple[int, int], Decimal]:
    """{(employee_id, type_id): balance} for many employees in one grouped query."""
    rows = (
        TimeOffLedgerEntry.objects.filter(employee_id__in=employee_ids, effective_date__lte=as_of)
        .values_list("employee_id", "time_off_type_id")
        .annotate(total=Sum("amount"))
    )
    return {(employee_id, type_id): days(total) for employee_id, type_id, total in rows}


def pending_days(
    *, employee_id: int, time_off_type_id: int, exclude_request_id: int | None = None
) -> Decimal:
    """Days asked for in the employee's pending requests of that type (not yet in the ledger)."""
    pending = TimeOffRequest.objects.filter(
        employee_id=employee_id, time_off_type_id=time_off_type_id, status=RequestStatus.PENDING
    )
    if exclude_request_id is not None:
        pending = pending.exclude(pk=exclude_request_id)
    return days(pending.aggregate(total=Sum("days"))["total"])


def overlapping_request(*, employee_id: int, start: date, end: date, exclude_request_id: int | None = None):
    """The employee's first pending or approved request that shares a day with [start, end]."""
    requests = TimeOffRequest.objects.filter(
        employee_id=employee_id, status__in=ACTIVE_REQUEST_STATUSES, start_date__lte=end, end_date__gte=start
    )
    if exclude_request_id is not None:
        requests = requests.exclude(pk=exclude_request_id)
    return requests.order_by("start_date").first()


def holidays_between(start: date, end: date) -> set[date]:
    return set(Holiday.objects.filter(date__range=(start, end)).values_list("date", flat=True))


def requests_overlapping(start: date, end: date, *, statuses=(RequestStatus.APPROVED,), department_id=None):
    """Requests of the given statuses that touch [start, end], with employee and type loaded."""
    requests = TimeOffRequest.objects.filter(
        status__in=statuses, start_date__lte=end, end_date__gte=start
    ).select_related("employee", "employee__department", "time_off_type")
    if department_id:
        requests = requests.filter(employee__department_id=department_id)
    return requests.order_by("employee__last_name", "employee__first_name", "start_date")


def people_off_on(day: date):
    return requests_overlapping(day, day)


def headcount_summary(*, month_start: date, month_end: date) -> dict:
    """Headcount (active + on leave) and this month's joiners and leavers, in one query."""
    return Employee.objects.aggregate(
        headcount=Count("pk", filter=~Q(status=EmployeeStatus.TERMINATED)),
        joiners=Count("pk", filter=Q(hire_date__range=(month_start, month_end))),
        leavers=Count("pk", filter=Q(termination_date__range=(month_start, month_end))),
    )


def headcount_by_department() -> list[tuple[str, int]]:
    rows = (
        Employee.objects.exclude(status=EmployeeStatus.TERMINATED)
        .values_list("department__name")
        .annotate(n=Count("pk"))
        .order_by("-n", "department__name")
    )
    return [(name or "No department", n) for name, n in rows]


def balances_on_start_dates(time_offs: list[TimeOffRequest]) -> dict[int, Decimal]:
    """{request id: the employee's balance of the request's type on its first day}: balance_as_of
    for rows with different start dates, from one query grouped by effective date."""
    if not time_offs:
        return {}
    totals = defaultdict(list)
    for employee_id, type_id, effective, total in (
        TimeOffLedgerEntry.objects.filter(
            employee_id__in={t.employee_id for t in time_offs},
            time_off_type_id__in={t.time_off_type_id for t in time_offs},
            effective_date__lte=max(t.start_date for t in time_offs),
        )
        .order_by()
        .values_list("employee_id", "time_off_type_id", "effective_date")
        .annotate(total=Sum("amount"))
    ):
        totals[(employee_id, type_id)].append((effective, total))
    return {
        t.pk: days(
            sum(
                (
                    total
                    for effective, total in totals[(t.employee_id, t.time_off_type_id)]
                    if effective <= t.start_date
                ),
                Decimal("0"),
            )
        )
        for t in time_offs
    }
