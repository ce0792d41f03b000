"""Time off: holidays, types, the ledger (the only source of balances), requests and approvals."""

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from people.models.accounts import User
from people.models.organisation import Employee
from people.tenancy import TenantOwned

DAYS = {"max_digits": 7, "decimal_places": 1}


class Holiday(TenantOwned):
    """One dated public or company holiday. The tenant's holidays together are its holiday
    calendar: working days of time-off requests skip them."""

    date = models.DateField(_("date"))
    name = models.CharField(_("name"), max_length=120)

    class Meta:
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "date"], name="holiday_date_unique_per_tenant")
        ]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.name}"


class TimeOffUnit(models.TextChoices):
    DAYS = "days", _("Whole days")
    HALF_DAYS = "half_days", _("Half days")


class AccrualMethod(models.TextChoices):
    MONTHLY = "monthly", _("Accrued monthly (1/12 of the allowance each month)")
    UPFRONT = "upfront", _("Granted upfront on 1 January")


class ApprovalChain(models.TextChoices):
    MANAGER = "manager", _("Manager")
    HR = "hr", _("HR")
    MANAGER_THEN_HR = "manager_then_hr", _("Manager, then HR")


class ApprovalStep(models.TextChoices):
    MANAGER = "manager", _("Manager")
    HR = "hr", _("HR")


CHAIN_STEPS = {
    ApprovalChain.MANAGER: [ApprovalStep.MANAGER],
    ApprovalChain.HR: [ApprovalStep.HR],
    ApprovalChain.MANAGER_THEN_HR: [ApprovalStep.MANAGER, ApprovalStep.HR],
}


class TimeOffType(TenantOwned):
    name = models.CharField(_("name"), max_length=80)
    is_paid = models.BooleanField(_("paid"), default=True)
    unit = models.CharField(max_length=20, choices=TimeOffUnit.choices, default=TimeOffUnit.DAYS)
    yearly_allowance = models.DecimalField(
        _("yearly allowance (days)"), **DAYS, default=Decimal("0"), validators=[MinValueValidator(0)]
    )
    accrual = models.CharField(max_length=20, choices=AccrualMethod.choices, default=AccrualMethod.MONTHLY)
    carry_over_cap = models.DecimalField(
        _("carry-over cap (days)"),
        **DAYS,
        default=Decimal("0"),
        validators=[MinValueValidator(0)],
        help_text=_("Days that may move to the next year; the rest expires on 31 December."),
    )
    approval_chain = models.CharField(
        max_length=20, choices=ApprovalChain.choices, default=ApprovalChain.MANAGER
    )
    allow_negative_balance = models.BooleanField(default=False)
    negative_balance_limit = models.DecimalField(
        _("negative balance limit (days)"),
        **DAYS,
        default=Decimal("0"),
        validators=[MinValueValidator(0)],
        help_text=_("How far below zero a balance may go when negative balances are allowed."),
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "name"], name="timeofftype_name_unique_per_tenant")
        ]

    def __str__(self):
        return self.name

    @property
    def steps(self) -> list[str]:
        return CHAIN_STEPS[self.approval_chain]

    @property
    def lowest_allowed_balance(self) -> Decimal:
        return -self.negative_balance_limit if self.allow_negative_balance else Decimal("0")


class LedgerEntryKind(models.TextChoices):
    OPENING_BALANCE = "opening_balance", _("Opening balance")
    ALLOCATION = "allocation", _("Allocation")
    ACCRUAL = "accrual", _("Accrual")
    CARRY_OVER = "carry_over", _("Carry-over")
    EXPIRY = "expiry", _("Expiry")
    DEDUCTION = "deduction", _("Request deduction")
    REVERSAL = "reversal", _("Cancellation reversal")
    ADJUSTMENT = "adjustment", _("Manual adjustment")


class TimeOffLedgerEntry(TenantOwned):
    """One movement of an employee's time-off balance. Entries are never edited: a balance is the
    sum of the entries effective up to a date. `period` makes scheduled entries idempotent."""

    employee = models.ForeignKey(Employee, on_delete=models.CASCADE, related_name="time_off_entries")
    time_off_type = models.ForeignKey(TimeOffType, on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField(max_length=20, choices=LedgerEntryKind.choices)
    amount = models.DecimalField(
        _("days"), **DAYS, help_text=_("Positive adds to the balance, negative uses it.")
    )
    effective_date = models.DateField()
    period = models.CharField(
        max_length=7, blank=True, help_text=_("YYYY-MM or YYYY for scheduled entries; one entry per period.")
    )
    request = models.ForeignKey(
        "people.TimeOffRequest",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ledger_entries",
    )
    note = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["-effective_date", "-pk"]
        verbose_name = _("time-off ledger entry")
        verbose_name_plural = _("time-off ledger")
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "employee", "time_off_type", "kind", "period"],
                condition=~Q(period=""),
                name="ledger_one_entry_per_period",
            ),
            models.UniqueConstraint(
                fields=["tenant", "request", "kind"],
                condition=Q(request__isnull=False),
                name="ledger_one_entry_per_request_kind",
            ),
        ]
        indexes = [
            models.Index(
                fields=["tenant", "employee", "time_off_type", "effective_date"], name="ledger_balance_lookup"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.amount:+} ({self.effective_date:%Y-%m-%d})"


class RequestStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    CANCELLED = "cancelled", _("Cancelled")


ACTIVE_REQUEST_STATUSES = (RequestStatus.PENDING, RequestStatus.APPROVED)


class TimeOffRequest(TenantOwned):
    """A request for time off. Overlap with the employee's other pending or approved requests is
    refused (on PostgreSQL also by an exclusion constraint, see migration 0003)."""

    employee = models.ForeignKey(Employee, on_delete=models.CASCADE, related_name="time_off_requests")
    time_off_type = models.ForeignKey(TimeOffType, on_delete=models.PROTECT, related_name="requests")
    start_date = models.DateField()
    end_date = models.DateField()
    half_day_start = models.BooleanField(default=False, help_text=_("Starts at midday on the first day."))
    half_day_end = models.BooleanField(default=False, help_text=_("Ends at midday on the last day."))
    days = models.DecimalField(
        _("working days"), **DAYS, help_text=_("Weekdays in the range, minus holidays and half days.")
    )
    reason = models.TextField(blank=True)
    status = models.CharField(max_length=20, choices=RequestStatus.choices, default=RequestStatus.PENDING)
    submitted_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-start_date"]
        verbose_name = _("time-off request")
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=models.F("start_date")), name="timeoff_end_after_start"
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "status", "start_date"], name="timeoff_tenant_status_start"),
            models.Index(fields=["tenant", "employee", "start_date"], name="timeoff_tenant_employee_start"),
        ]

    def __str__(self):
        return f"{self.employee.full_name}: {self.time_off_type} {self.start_date:%Y-%m-%d}–{self.end_date:%Y-%m-%d}"


class TimeOffApproval(TenantOwned):
    """One decision on a request at one step of its type's approval chain: who, when, why."""

    class Decision(models.TextChoices):
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    request = models.ForeignKey(TimeOffRequest, on_delete=models.CASCADE, related_name="approvals")
    step = models.CharField(max_length=20, choices=ApprovalStep.choices)
    decision = models.CharField(max_length=20, choices=Decision.choices)
    decided_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(auto_now_add=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["decided_at"]
        verbose_name = _("time-off approval")
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "request", "step"], name="timeoff_one_decision_per_step"
            )
        ]

    def __str__(self):
        return f"{self.get_step_display()}: {self.get_decision_display()} by {self.decided_by}"
