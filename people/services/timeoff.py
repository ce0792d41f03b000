"""Time-off workflows: submit, approve (following the type's chain), reject, cancel, and the
scheduled ledger postings (monthly accruals, year-end carry-over and upfront allocations).

The ledger is the only source of balances. Approving writes the deduction; cancelling an
approved request writes the reversal; scheduled entries are unique per employee, type and period,
so running a schedule twice, or after a crash, posts nothing twice.
"""

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from people import selectors
from people.models import (
    AccrualMethod,
    ApprovalStep,
    Employee,
    EmployeeStatus,
    LedgerEntryKind,
    Membership,
    RequestStatus,
    TimeOffApproval,
    TimeOffLedgerEntry,
    TimeOffRequest,
    TimeOffType,
    TimeOffUnit,
    User,
)
from people.roles import Role
from people.tenancy import current_tenant

HALF = Decimal("0.5")
ONE = Decimal("1")
HR_ROLES = {Role.HR, Role.OWNER}


class TimeOffError(ValidationError):
    """A time-off rule refused the action; the message says what to do instead."""


class TransitionNotAllowed(TimeOffError):
    pass


# --- working days ---------------------------------------------------------------------------
def count_working_days(
    start: date, end: date, *, holidays: set[date], half_day_start: bool = False, half_day_end: bool = False
) -> Decimal:
    """Weekdays in [start, end] that are not holidays; a half-day start or end counts 0.5."""
    days = Decimal("0")
    day = start
    while day <= end:
        if day.weekday() < 5 and day not in holidays:
            portion = ONE
            if day == start and half_day_start:
                portion -= HALF
            if day == end and half_day_end:
                portion -= HALF
            days += max(portion, Decimal("0"))
        day += timedelta(days=1)
    return days


# --- who may act ----------------------------------------------------------------------------
def role_of(user: User) -> str | None:
    """The user's role in the active tenant, or None."""
    return Membership.objects.filter(user=user).values_list("role", flat=True).first()


def is_hr(user: User) -> bool:
    return role_of(user) in HR_ROLES


def next_step(request: TimeOffRequest) -> str | None:
    """The first step of the type's chain without an approval yet, or None when all are done.
    Reads `request.approvals.all()`, so a list page can prefetch the approvals."""
    approved = {a.step for a in request.approvals.all() if a.decision == TimeOffApproval.Decision.APPROVED}
    return next((step for step in request.time_off_type.steps if step not in approved), None)


def can_decide(user: User, request: TimeOffRequest, step: str, *, user_is_hr: bool | None = None) -> bool:
    """Managers decide the manager step for their reports; HR (or owners) decide the HR step, and the
    manager step of someone without a manager who logs in. Nobody decides their own request.
    A list page passes `user_is_hr` (read once) instead of a role query per row."""
    employee = request.employee
    if employee.user_id is not None and employee.user_id == user.pk:
        return False
    if step == ApprovalStep.MANAGER:
        manager = employee.manager
        if manager is not None and manager.user_id is not None:
            return manager.user_id == user.pk
    return is_hr(user) if user_is_hr is None else user_is_hr


def _step_owner_description(request: TimeOffRequest, step: str) -> str:
    manager = request.employee.manager
    if step == ApprovalStep.MANAGER and manager is not None and manager.user_id is not None:
        return f"the manager ({manager.full_name})"
    return "HR"


def days_text(days: Decimal) -> str:
    """2.50 -> "2.5", 10.0 -> "10": the same on every database."""
    return f"{Decimal(days).normalize():f}"


# --- balances -------------------------------------------------------------------------------
def ensure_within_balance(
    *, employee: Employee, time_off_type: TimeOffType, start: date, days: Decimal, exclude_request_id=None
) -> None:
    balance = selectors.balance_as_of(employee_id=employee.pk, time_off_type_id=time_off_type.pk, as_of=start)
    pending = selectors.pending_days(
        employee_id=employee.pk, time_off_type_id=time_off_type.pk, exclude_request_id=exclude_request_id
    )
    available = balance - pending
    if available - days < time_off_type.lowest_allowed_balance:
        limit = ""
        if time_off_type.allow_negative_balance:
            limit = (
                f" (this type allows going {days_text(time_off_type.negative_balance_limit)} days below zero)"
            )
        raise TimeOffError(
            f"{employee.full_name} has {days_text(available)} {time_off_type.name} days available on "
            f"{start:%Y-%m-%d} (balance {days_text(balance)}, {days_text(pending)} pending); "
            f"this request needs {days_text(days)}{limit}."
        )


# --- the workflow ---------------------------------------------------------------------------
@transaction.atomic
def submit_time_off_request(
    *,
    employee_id: int,
    time_off_type_id: int,
    start_date: date,
    end_date: date,
    half_day_start: bool = False,
    half_day_end: bool = False,
    reason: str = "",
    submitted_by: User | None = None,
) -> TimeOffRequest:
    # Locking the employee row serialises submissions for one employee (overlap and balance
    # checks then see each other); PostgreSQL's exclusion constraint backs the overlap rule.
    employee = Employee.objects.select_for_update().get(pk=employee_id)
    time_off_type = TimeOffType.objects.get(pk=time_off_type_id)
    if employee.status == EmployeeStatus.TERMINATED:
        raise TimeOffError(f"{employee.full_name} has left the company; no new time off can be requested.")
    if not time_off_type.is_active:
        raise TimeOffError({"time_off_type": f"{time_off_type.name} is no longer offered."})
    if end_date < start_date:
        raise TimeOffError({"end_date": "The last day cannot be before the first day."})
    if (half_day_start or half_day_end) and time_off_type.unit != TimeOffUnit.HALF_DAYS:
        raise TimeOffError({"half_day_start": f"{time_off_type.name} is taken in whole days only."})
    days = count_working_days(
        start_date,
        end_date,
        holidays=selectors.holidays_between(start_date, end_date),
        half_day_start=half_day_start,
        half_day_end=half_day_end,
    )
    if days <= 0:
        raise TimeOffError(
            {"end_date": "These dates contain no working day (weekends and holidays are free)."}
        )
    clash = selectors.overlapping_request(employee_id=employee.pk, start=start_date, end=end_date)
    if clash is not None:
        raise TimeOffError(
            f"{employee.full_name} already has a {clash.get_status_display().lower()} request "
            f"from {clash.start_date:%Y-%m-%d} to {clash.end_date:%Y-%m-%d} that overlaps these dates."
        )
    ensure_within_balance(employee=employee, time_off_type=time_off_type, start=start_date, days=days)
    try:
        with transaction.atomic():
            return TimeOffRequest.objects.create(
                employee=employee,
                time_off_type=time_off_type,
                start_date=start_date,
                end_date=end_date,
                half_day_start=half_day_start,
                half_day_end=half_day_end,
                days=days,
                reason=reason,
                submitted_by=submitted_by,
            )
    except IntegrityError as exc:  # the exclusion constraint: a concurrent overlapping request won
        raise TimeOffError(f"{employee.full_name} already has a request overlapping these dates.") from exc


def _locked_request(request_id: int) -> TimeOffRequest:
    return (
        TimeOffRequest.objects.select_for_update(of=("self",))
        .select_related("employee", "employee__manager", "time_off_type")
        .get(pk=request_id)
    )


def _ensure_pending(request: TimeOffRequest, action: str) -> None:
    if request.status != RequestStatus.PENDING:
        allowed = "cancel it" if request.status == RequestStatus.APPROVED else "submit a new request"
        raise TransitionNotAllowed(
            f"This request is {request.get_status_display().lower()}; only pending requests can be {action}. "
            f"You can {allowed}."
        )


def _ensure_can_decide(user: User, request: TimeOffRequest, step: str) -> None:
    if not can_decide(user, request, step):
        raise TransitionNotAllowed(
            f"This request waits for {step} approval by {_step_owner_description(request, step)}; "
            "you cannot decide it."
        )


@transaction.atomic
def approve_time_off_request(*, request_id: int, approver: User, note: str = "") -> TimeOffRequest:
    """Record the approver's decision at the next step; the last step approves the request and
    writes the ledger deduction."""
    request = _locked_request(request_id)
    _ensure_pending(request, "approved")
    step = next_step(request)
    _ensure_can_decide(approver, request, step)
    TimeOffApproval.objects.create(
        request=request, step=step, decision=TimeOffApproval.Decision.APPROVED, decided_by=approver, note=note
    )
    if next_step(request) is not None:
        return request  # waits for the next step (e.g. HR after the manager)
    ensure_within_balance(
        employee=request.employee,
        time_off_type=request.time_off_type,
        start=request.start_date,
        days=request.days,
        exclude_request_id=request.pk,
    )
    request.status = RequestStatus.APPROVED
    request.decided_at = timezone.now()
    request.save(update_fields=["status", "decided_at", "updated_at"])
    TimeOffLedgerEntry.objects.create(
        employee=request.employee,
        time_off_type=request.time_off_type,
        kind=LedgerEntryKind.DEDUCTION,
        amount=-request.days,
        effective_date=request.start_date,
        request=request,
        created_by=approver,
        note=f"Approved request {request.start_date:%Y-%m-%d}–{request.end_date:%Y-%m-%d}",
    )
    return request


@transaction.atomic
def reject_time_off_request(*, request_id: int, approver: User, reason: str) -> TimeOffRequest:
    if not (reason or "").strip():
        raise TimeOffError({"reason": "Say why the request is rejected; the employee will see it."})
    request = _locked_request(request_id)
    _ensure_pending(request, "rejected")
    step = next_step(request)
    _ensure_can_decide(approver, request, step)
    TimeOffApproval.objects.create(
        request=request,
        step=step,
        decision=TimeOffApproval.Decision.REJECTED,
        decided_by=approver,
        note=reason,
    )
    request.status = RequestStatus.REJECTED
    request.decided_at = timezone.now()
    request.save(update_fields=["status", "decided_at", "updated_at"])
    return request


@transaction.atomic
def cancel_time_off_request(*, request_id: int, by: User, reason: str = "") -> TimeOffRequest:
    """The employee (their own request) or HR cancels; an approved request gets its days back."""
    request = _locked_request(request_id)
    if request.status not in (RequestStatus.PENDING, RequestStatus.APPROVED):
        raise TransitionNotAllowed(
            f"This request is {request.get_status_display().lower()}; only pending or approved requests "
            "can be cancelled."
        )
    own = request.employee.user_id is not None and request.employee.user_id == by.pk
    if not (own or is_hr(by)):
        raise TransitionNotAllowed("Only the employee or HR can cancel a time-off request.")
    was_approved = request.status == RequestStatus.APPROVED
    request.status = RequestStatus.CANCELLED
    request.decided_at = timezone.now()
    request.save(update_fields=["status", "decided_at", "updated_at"])
    if was_approved:
        TimeOffLedgerEntry.objects.create(
            employee=request.employee,
            time_off_type=request.time_off_type,
            kind=LedgerEntryKind.REVERSAL,
            amount=request.days,
            effective_date=request.start_date,
            request=request,
            created_by=by,
            note=reason or "Cancelled approved request",
        )
    return request


# --- scheduled ledger postings --------------------------------------------------------------
def _tenant_today() -> date:
    import zoneinfo

    return timezone.now().astimezone(zoneinfo.ZoneInfo(current_tenant().timezone)).date()


def _employees_during(first: date, last: date):
    """Employees employed at some point in [first, last]."""
    return Employee.objects.filter(hire_date__lte=last).exclude(termination_date__lt=first)


def _post_missing(kind: str, period: str, entries: list[TimeOffLedgerEntry]) -> int:
    """Create the entries whose (employee, type) has none of `kind` for `period` yet."""
    done = set(
        TimeOffLedgerEntry.objects.filter(kind=kind, period=period).values_list(
            "employee_id", "time_off_type_id"
        )
    )
    missing = [e for e in entries if (e.employee_id, e.time_off_type_id) not in done and e.amount != 0]
    if missing:
        bulk_create_with_history(missing, TimeOffLedgerEntry, batch_size=500)
    return len(missing)


def monthly_accrual(allowance: Decimal, month: int) -> Decimal:
    """This month's share, rounded so that twelve months add up to exactly the allowance."""

    def cumulative(m):
        return (allowance * m / 12).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)

    return cumulative(month) - cumulative(month - 1)


@transaction.atomic
def post_monthly_accruals(period: str | None = None) -> int:
    """Accrue 1/12 of the allowance of every monthly type to every employee employed in the month.
    `period` is "YYYY-MM" (default: the tenant's current month). Returns the entries created."""
    today = _tenant_today()
    year, month = (int(part) for part in period.split("-")) if period else (today.year, today.month)
    first = date(year, month, 1)
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    period = f"{year:04d}-{month:02d}"
    types = list(TimeOffType.objects.filter(is_active=True, accrual=AccrualMethod.MONTHLY))
    entries = [
        TimeOffLedgerEntry(
            employee=employee,
            time_off_type=time_off_type,
            kind=LedgerEntryKind.ACCRUAL,
            amount=monthly_accrual(time_off_type.yearly_allowance, month),
            effective_date=first,
            period=period,
            note=f"Monthly accrual {period}",
        )
        for employee in _employees_during(first, last)
        for time_off_type in types
    ]
    return _post_missing(LedgerEntryKind.ACCRUAL, period, entries)


@transaction.atomic
def close_year(year: int | None = None) -> dict[str, int]:
    """Year end for `year` (default: the year before the tenant's current one): expire what exceeds
    each type's carry-over cap, carry the rest into the next year, and grant upfront allowances
    for the next year. Returns the entries created by kind."""
    year = year or _tenant_today().year - 1
    year_end, next_start = date(year, 12, 31), date(year + 1, 1, 1)
    types = list(TimeOffType.objects.filter(is_active=True))
    employees = list(_employees_during(year_end, year_end))
    balances = selectors.balances_as_of(employee_ids=[e.pk for e in employees], as_of=year_end)
    expiries, carries, allocations = [], [], []
    for employee in employees:
        for time_off_type in types:
            balance = balances.get((employee.pk, time_off_type.pk), Decimal("0"))
            if balance > 0:
                carried = min(balance, time_off_type.carry_over_cap)
                common = {"employee": employee, "time_off_type": time_off_type}
                expiries.append(
                    TimeOffLedgerEntry(
                        **common,
                        kind=LedgerEntryKind.EXPIRY,
                        amount=-balance,
                        effective_date=year_end,
                        period=str(year),
                        note=f"Year end {year}: {balance} days close",
                    )
                )
                carries.append(
                    TimeOffLedgerEntry(
                        **common,
                        kind=LedgerEntryKind.CARRY_OVER,
                        amount=carried,
                        effective_date=next_start,
                        period=str(year + 1),
                        note=f"Carried over from {year} (cap {time_off_type.carry_over_cap})",
                    )
                )
    upfront_types = [t for t in types if t.accrual == AccrualMethod.UPFRONT]
    for employee in _employees_during(next_start, next_start):
        for time_off_type in upfront_types:
            allocations.append(
                TimeOffLedgerEntry(
                    employee=employee,
                    time_off_type=time_off_type,
                    kind=LedgerEntryKind.ALLOCATION,
                    amount=time_off_type.yearly_allowance,
                    effective_date=next_start,
                    period=str(year + 1),
                    note=f"Allowance {year + 1}",
                )
            )
    return {
        "expiry": _post_missing(LedgerEntryKind.EXPIRY, str(year), expiries),
        "carry_over": _post_missing(LedgerEntryKind.CARRY_OVER, str(year + 1), carries),
        "allocation": _post_missing(LedgerEntryKind.ALLOCATION, str(year + 1), allocations),
    }
