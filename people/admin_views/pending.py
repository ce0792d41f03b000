"""Time-off requests waiting for the current user's decision, with approve and reject."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from unfold.widgets import UnfoldAdminTextareaWidget

from people import selectors
from people.admin_views.common import (
    _error_text,
    _render,
)
from people.models import (
    ApprovalStep,
    RequestStatus,
    TimeOffRequest,
)
from people.services.timeoff import (
    TimeOffError,
    approve_time_off_request,
    can_decide,
    days_text,
    is_hr,
    next_step,
    reject_time_off_request,
)


# --- 3. pending approvals -------------------------------------------------------------------
def _step_text(time_off: TimeOffRequest, step: str) -> tuple[str, str]:
    """Which step waits and who decides it (HR stands in for a manager without an account)."""
    manager = time_off.employee.manager
    if step != ApprovalStep.MANAGER:
        return "HR", ""
    if manager is None:
        return "Manager step, by HR", "no manager"
    if manager.user_id is None:
        return "Manager step, by HR", f"{manager.full_name} has no account"
    return f"Manager ({manager.full_name})", ""


def _dates_text(time_off: TimeOffRequest) -> str:
    start = f"{time_off.start_date:%a %d %b %Y}" + (" (afternoon)" if time_off.half_day_start else "")
    if time_off.end_date == time_off.start_date:
        return start if not time_off.half_day_end else f"{time_off.start_date:%a %d %b %Y} (morning)"
    return f"{start} – {time_off.end_date:%a %d %b %Y}" + (" (morning)" if time_off.half_day_end else "")


def pending_time_off(request, site):
    """Pending requests the user can decide now (and, for HR, the others, for information):
    four queries (the user's role, the requests, their approvals, the balances)."""
    user = request.user
    user_is_hr = is_hr(user)
    candidates = (
        TimeOffRequest.objects.filter(status=RequestStatus.PENDING)
        .select_related("employee", "employee__manager", "employee__department", "time_off_type")
        .prefetch_related("approvals")
        .order_by("start_date", "pk")
    )
    if not user_is_hr:
        candidates = candidates.filter(employee__manager__user=user)  # only a manager step is theirs
    mine, others = [], []
    for time_off in candidates:
        step = next_step(time_off)
        if step is None:
            continue
        if can_decide(user, time_off, step, user_is_hr=user_is_hr):
            mine.append((time_off, step))
        elif user_is_hr:
            others.append((time_off, step))
    balances = selectors.balances_on_start_dates([t for t, _step in mine])

    def row(time_off, step):
        balance = balances.get(time_off.pk)
        step_label, step_note = _step_text(time_off, step)
        return {
            "request": time_off,
            "dates": _dates_text(time_off),
            "days": days_text(time_off.days),
            "balance": days_text(balance) if balance is not None else "",
            "short": balance is not None
            and balance - time_off.days < time_off.time_off_type.lowest_allowed_balance,
            "step": step_label,
            "step_note": step_note,
        }

    return _render(
        request,
        site,
        "pending_time_off.html",
        "Pending approvals",
        {
            "rows": [row(*pair) for pair in mine],
            "others": [row(*pair) for pair in others],
            "user_is_hr": user_is_hr,
        },
    )


def _back_to_pending():
    return HttpResponseRedirect(reverse("admin:people_pending_time_off"))


def approve_time_off(request, site, request_id: int):
    time_off = get_object_or_404(TimeOffRequest.objects.select_related("employee"), pk=request_id)
    try:
        approved = approve_time_off_request(request_id=time_off.pk, approver=request.user)
    except TimeOffError as exc:
        messages.error(request, _error_text(exc))
    else:
        if approved.status == RequestStatus.APPROVED:
            messages.success(request, f"Approved {time_off.employee.full_name}'s time off.")
        else:
            messages.success(
                request,
                f"Your approval of {time_off.employee.full_name}'s time off is recorded; "
                f"it now waits for {ApprovalStep(next_step(approved)).label} approval.",
            )
    return _back_to_pending()


class RejectForm(forms.Form):
    # Not required here: the service owns the rule and its message (see reject_time_off).
    reason = forms.CharField(
        label="Reason",
        required=False,
        widget=UnfoldAdminTextareaWidget(attrs={"rows": 4, "placeholder": "The employee will see it."}),
    )


def reject_time_off(request, site, request_id: int):
    time_off = get_object_or_404(
        TimeOffRequest.objects.select_related(
            "employee", "employee__manager", "employee__department", "time_off_type"
        ),
        pk=request_id,
    )
    form = RejectForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            reject_time_off_request(
                request_id=time_off.pk, approver=request.user, reason=form.cleaned_data["reason"]
            )
        except TimeOffError as exc:
            field_errors = getattr(exc, "error_dict", {})
            if "reason" not in field_errors:
                messages.error(request, _error_text(exc))
                return _back_to_pending()
            for error in field_errors["reason"]:
                form.add_error("reason", error)
        else:
            messages.success(request, f"Rejected {time_off.employee.full_name}'s time off.")
            return _back_to_pending()
    elif request.method == "GET":
        step = next_step(time_off) if time_off.status == RequestStatus.PENDING else None
        if step is None or not can_decide(request.user, time_off, step):
            messages.error(request, "This request is not waiting for your decision.")
            return _back_to_pending()
    return _render(
        request,
        site,
        "reject_time_off.html",
        "Reject time off",
        {
            "request_obj": time_off,
            "dates": _dates_text(time_off),
            "days": days_text(time_off.days),
            "form": form,
        },
    )
