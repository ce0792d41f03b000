"""Time-off workflows: every rule's allowed and refused path, the ledger and the schedules."""

import threading
from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction

from people import selectors
from people.models import (
    AccrualMethod,
    ApprovalChain,
    EmployeeStatus,
    LedgerEntryKind,
    RequestStatus,
    TimeOffLedgerEntry,
    TimeOffRequest,
    TimeOffUnit,
)
from people.roles import Role
from people.services.timeoff import (
    TimeOffError,
    TransitionNotAllowed,
    approve_time_off_request,
    cancel_time_off_request,
    close_year,
    count_working_days,
    monthly_accrual,
    post_monthly_accruals,
    reject_time_off_request,
    submit_time_off_request,
)
from people.tenancy import tenant_context
from tests.conftest import make_member
from tests.people.factories import EmployeeFactory, HolidayFactory, TimeOffTypeFactory, grant

pytestmark = pytest.mark.django_db

MON, FRI = date(2026, 3, 2), date(2026, 3, 6)  # a full working week


@pytest.fixture
def org(tenant_a, user_a):
    """HR, a manager and their report (all with staff accounts), and a vacation type with 10 days."""
    with tenant_context(tenant_a):
        hr_user = make_member(tenant_a, Role.HR, email="hr@tenant-a.test")
        boss_user = make_member(tenant_a, Role.VIEWER, email="boss@tenant-a.test")
        staff_user = make_member(tenant_a, Role.VIEWER, email="staff@tenant-a.test")
        boss = EmployeeFactory(user=boss_user, first_name="Bea", last_name="Boss")
        staff = EmployeeFactory(user=staff_user, manager=boss, first_name="Sam", last_name="Staff")
        vacation = TimeOffTypeFactory(name="Vacation")
        grant(staff, vacation, 10)
        yield type("Org", (), locals())


def submit(org, start=MON, end=FRI, **kwargs):
    kwargs.setdefault("time_off_type_id", org.vacation.pk)
    return submit_time_off_request(
        employee_id=org.staff.pk, start_date=start, end_date=end, submitted_by=org.staff_user, **kwargs
    )


# --- working days ---------------------------------------------------------------------------
def test_working_days_skip_weekends_and_holidays():
    assert count_working_days(MON, date(2026, 3, 8), holidays=set()) == 5  # Mon..Sun
    assert count_working_days(MON, FRI, holidays={date(2026, 3, 4)}) == 4
    assert count_working_days(date(2026, 3, 7), date(2026, 3, 8), holidays=set()) == 0


def test_half_days_count_half():
    assert count_working_days(MON, FRI, holidays=set(), half_day_start=True, half_day_end=True) == Decimal(
        "4"
    )
    assert count_working_days(MON, MON, holidays=set(), half_day_start=True) == Decimal("0.5")


# --- submitting -----------------------------------------------------------------------------
def test_submit_counts_working_days_without_the_tenants_holidays(org):
    HolidayFactory(date=date(2026, 3, 4), name="Founders' day")
    request = submit(org)
    assert request.status == RequestStatus.PENDING and request.days == 4
    assert request.tenant_id == org.tenant_a.pk


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"start": FRI, "end": MON}, "cannot be before"),
        ({"start": date(2026, 3, 7), "end": date(2026, 3, 8)}, "no working day"),
        ({"half_day_start": True}, "whole days only"),
    ],
)
def test_submit_refuses_bad_dates(org, kwargs, message):
    with pytest.raises(TimeOffError, match=message):
        submit(org, **kwargs)
    assert not TimeOffRequest.objects.exists()


def test_half_days_are_allowed_for_half_day_types(org):
    org.vacation.unit = TimeOffUnit.HALF_DAYS
    org.vacation.save()
    assert submit(org, end=MON, half_day_start=True).days == Decimal("0.5")


def test_submit_refuses_an_overlap_with_a_pending_or_approved_request(org):
    submit(org, start=MON, end=date(2026, 3, 3))
    with pytest.raises(TimeOffError, match="overlaps"):
        submit(org, start=date(2026, 3, 3), end=FRI)


def test_a_rejected_request_does_not_block_the_dates(org):
    first = submit(org)
    reject_time_off_request(request_id=first.pk, approver=org.boss_user, reason="Team offsite")
    assert submit(org).status == RequestStatus.PENDING


def test_submit_refuses_more_than_the_balance_including_pending_days(org):
    submit(org)  # 5 of 10 days pending
    with pytest.raises(TimeOffError, match="has 5 Vacation days available"):
        submit(org, start=date(2026, 3, 9), end=date(2026, 3, 16))  # 6 days


def test_negative_balance_within_the_types_limit(org):
    org.vacation.allow_negative_balance = True
    org.vacation.negative_balance_limit = Decimal("2")
    org.vacation.save()
    assert submit(org, start=MON, end=date(2026, 3, 13)).days == 10
    with pytest.raises(TimeOffError, match="going 2 days below zero"):
        submit(org, start=date(2026, 3, 16), end=date(2026, 3, 18))


def test_terminated_employees_and_inactive_types_are_refused(org):
    org.vacation.is_active = False
    org.vacation.save()
    with pytest.raises(TimeOffError, match="no longer offered"):
        submit(org)
    org.staff.status, org.staff.termination_date = EmployeeStatus.TERMINATED, date(2026, 2, 1)
    org.staff.save()
    with pytest.raises(TimeOffError, match="has left"):
        submit(org)


# --- approving, rejecting, cancelling -------------------------------------------------------
def test_manager_approval_writes_the_deduction(org):
    request = approve_time_off_request(request_id=submit(org).pk, approver=org.boss_user)
    assert request.status == RequestStatus.APPROVED and request.decided_at
    entry = TimeOffLedgerEntry.objects.get(request=request)
    assert (entry.kind, entry.amount, entry.effective_date) == (LedgerEntryKind.DEDUCTION, -5, MON)
    assert selectors.balance_as_of(employee_id=org.staff.pk, time_off_type_id=org.vacation.pk, as_of=MON) == 5
    approval = request.approvals.get()
    assert (approval.step, approval.decided_by) == ("manager", org.boss_user)


def test_only_the_manager_may_approve_the_manager_step(org):
    request = submit(org)
    for outsider in (org.hr_user, org.staff_user, org.user_a):
        with pytest.raises(TransitionNotAllowed, match=r"manager \(Bea Boss\)"):
            approve_time_off_request(request_id=request.pk, approver=outsider)
    assert TimeOffRequest.objects.get(pk=request.pk).status == RequestStatus.PENDING


def test_hr_decides_the_manager_step_for_someone_without_a_manager(org):
    grant(org.boss, org.vacation, 3)
    request = submit_time_off_request(
        employee_id=org.boss.pk, time_off_type_id=org.vacation.pk, start_date=MON, end_date=MON
    )
    with pytest.raises(TransitionNotAllowed):
        approve_time_off_request(request_id=request.pk, approver=org.boss_user)  # not their own
    assert (
        approve_time_off_request(request_id=request.pk, approver=org.hr_user).status == RequestStatus.APPROVED
    )


def test_manager_then_hr_chain(org):
    org.vacation.approval_chain = ApprovalChain.MANAGER_THEN_HR
    org.vacation.save()
    request = submit(org)
    with pytest.raises(TransitionNotAllowed, match="manager approval"):
        approve_time_off_request(request_id=request.pk, approver=org.hr_user)
    assert (
        approve_time_off_request(request_id=request.pk, approver=org.boss_user).status
        == RequestStatus.PENDING
    )
    assert not TimeOffLedgerEntry.objects.filter(request=request).exists()
    with pytest.raises(TransitionNotAllowed, match="hr approval by HR"):
        approve_time_off_request(request_id=request.pk, approver=org.boss_user)
    approved = approve_time_off_request(request_id=request.pk, approver=org.hr_user, note="Enjoy")
    assert approved.status == RequestStatus.APPROVED
    assert list(approved.approvals.values_list("step", "decided_by__email")) == [
        ("manager", "boss@tenant-a.test"),
        ("hr", "hr@tenant-a.test"),
    ]


def test_rejecting_needs_a_reason_and_records_it(org):
    request = submit(org)
    with pytest.raises(TimeOffError, match="Say why"):
        reject_time_off_request(request_id=request.pk, approver=org.boss_user, reason="  ")
    rejected = reject_time_off_request(request_id=request.pk, approver=org.boss_user, reason="Release week")
    assert rejected.status == RequestStatus.REJECTED
    assert rejected.approvals.get().note == "Release week"


def test_decided_requests_cannot_be_decided_again(org):
    request = approve_time_off_request(request_id=submit(org).pk, approver=org.boss_user)
    with pytest.raises(
        TransitionNotAllowed, match="only pending requests can be approved. You can cancel it"
    ):
        approve_time_off_request(request_id=request.pk, approver=org.boss_user)
    with pytest.raises(TransitionNotAllowed):
        reject_time_off_request(request_id=request.pk, approver=org.boss_user, reason="Too late")


def test_cancelling_an_approved_request_writes_the_reversal(org):
    request = approve_time_off_request(request_id=submit(org).pk, approver=org.boss_user)
    cancel_time_off_request(request_id=request.pk, by=org.staff_user)
    kinds = dict(TimeOffLedgerEntry.objects.filter(request=request).values_list("kind", "amount"))
    assert kinds == {LedgerEntryKind.DEDUCTION: -5, LedgerEntryKind.REVERSAL: 5}
    assert (
        selectors.balance_as_of(employee_id=org.staff.pk, time_off_type_id=org.vacation.pk, as_of=FRI) == 10
    )
    with pytest.raises(TransitionNotAllowed, match="only pending or approved"):
        cancel_time_off_request(request_id=request.pk, by=org.hr_user)


def test_cancelling_a_pending_request_writes_nothing(org):
    request = cancel_time_off_request(request_id=submit(org).pk, by=org.hr_user)
    assert request.status == RequestStatus.CANCELLED
    assert not TimeOffLedgerEntry.objects.filter(request=request).exists()


def test_only_the_employee_or_hr_may_cancel(org):
    request = submit(org)
    with pytest.raises(TransitionNotAllowed, match="Only the employee or HR"):
        cancel_time_off_request(request_id=request.pk, by=org.boss_user)


def test_balance_as_of_a_date_counts_only_entries_up_to_it(org):
    grant(org.staff, org.vacation, 2, on=date(2026, 6, 1))
    balance = selectors.balance_as_of
    assert balance(employee_id=org.staff.pk, time_off_type_id=org.vacation.pk, as_of=date(2026, 5, 31)) == 10
    assert balance(employee_id=org.staff.pk, time_off_type_id=org.vacation.pk, as_of=date(2026, 6, 1)) == 12
    assert balance(employee_id=org.staff.pk, time_off_type_id=org.vacation.pk, as_of=date(2025, 12, 31)) == 0


# --- schedules ------------------------------------------------------------------------------
def test_monthly_accruals_add_up_to_the_allowance():
    assert sum(monthly_accrual(Decimal("25"), m) for m in range(1, 13)) == Decimal("25")
    assert sum(monthly_accrual(Decimal("24"), m) for m in range(1, 13)) == Decimal("24")


def test_monthly_accruals_post_once_per_employee_type_and_month(org):
    EmployeeFactory(hire_date=date(2026, 4, 1))  # hired after March: no March accrual
    assert post_monthly_accruals("2026-03") == 2
    assert post_monthly_accruals("2026-03") == 0  # a second run posts nothing
    entries = TimeOffLedgerEntry.objects.filter(kind=LedgerEntryKind.ACCRUAL)
    assert entries.count() == 2 and {e.amount for e in entries} == {Decimal("2")}
    assert {e.effective_date for e in entries} == {date(2026, 3, 1)}
    assert TimeOffLedgerEntry.history.filter(kind=LedgerEntryKind.ACCRUAL).count() == 2  # audited


def test_upfront_types_do_not_accrue_monthly(org):
    org.vacation.accrual = AccrualMethod.UPFRONT
    org.vacation.save()
    assert post_monthly_accruals("2026-03") == 0


def test_year_end_expires_above_the_cap_carries_the_rest_and_grants_upfront(org):
    org.vacation.carry_over_cap = Decimal("3")
    org.vacation.save()
    sick = TimeOffTypeFactory(name="Sick", accrual=AccrualMethod.UPFRONT, yearly_allowance=Decimal("10"))
    created = close_year(2026)
    assert created == {"expiry": 1, "carry_over": 1, "allocation": 2}
    balance = selectors.balance_as_of
    staff, vacation = org.staff.pk, org.vacation.pk
    assert balance(employee_id=staff, time_off_type_id=vacation, as_of=date(2026, 12, 31)) == 0
    assert balance(employee_id=staff, time_off_type_id=vacation, as_of=date(2027, 1, 1)) == 3
    assert balance(employee_id=staff, time_off_type_id=sick.pk, as_of=date(2027, 1, 1)) == 10
    assert close_year(2026) == {"expiry": 0, "carry_over": 0, "allocation": 0}  # idempotent


def test_ledger_refuses_a_duplicate_period_entry_in_the_database(org):
    post_monthly_accruals("2026-03")
    with pytest.raises(IntegrityError), transaction.atomic():
        TimeOffLedgerEntry.objects.create(
            employee=org.staff,
            time_off_type=org.vacation,
            kind=LedgerEntryKind.ACCRUAL,
            amount=2,
            effective_date=date(2026, 3, 1),
            period="2026-03",
        )


# --- PostgreSQL: the database refuses overlaps, even from two submissions at once ------------
postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="exclusion constraints need PostgreSQL"
)


@postgresql_only
def test_the_database_refuses_overlapping_active_requests(org):
    submit(org)
    with pytest.raises(IntegrityError), transaction.atomic():
        TimeOffRequest.objects.create(
            employee=org.staff, time_off_type=org.vacation, start_date=FRI, end_date=FRI, days=1
        )


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_overlapping_submissions_cannot_both_pass(tenant_a, user_a):
    with tenant_context(tenant_a):
        staff = EmployeeFactory()
        vacation = TimeOffTypeFactory(approval_chain=ApprovalChain.HR)
        grant(staff, vacation, 20)
    barrier, outcomes = threading.Barrier(2), []

    def attempt():
        try:
            with tenant_context(tenant_a):
                barrier.wait(timeout=10)
                submit_time_off_request(
                    employee_id=staff.pk, time_off_type_id=vacation.pk, start_date=MON, end_date=FRI
                )
            outcomes.append("ok")
        except TimeOffError as exc:
            outcomes.append(str(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes)[1] == "ok" and "overlap" in sorted(outcomes)[0]
    with tenant_context(tenant_a):
        assert TimeOffRequest.objects.filter(employee=staff).count() == 1
