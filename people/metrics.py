"""The people app's daily metrics (see people.analytics for how apps declare theirs)."""

from people.models import Employee, EmployeeStatus, RequestStatus, TimeOffRequest


def headcount() -> int:
    """Active and on-leave employees, as the dashboard's headcount card counts them."""
    return Employee.objects.exclude(status=EmployeeStatus.TERMINATED).count()


def open_time_off_requests() -> int:
    """Requests waiting for a decision."""
    return TimeOffRequest.objects.filter(status=RequestStatus.PENDING).count()


METRICS = {
    "people.headcount": headcount,
    "people.open_time_off_requests": open_time_off_requests,
}
