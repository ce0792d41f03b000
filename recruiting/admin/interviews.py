"""The interviews admin: read-only records with their participants and feedback inline, and the
interview workflow as row, detail and bulk actions (confirm, complete, no-show, cancel, reschedule,
submit my feedback)."""

from django.contrib import admin
from unfold.contrib.filters.admin import ChoicesDropdownFilter
from unfold.decorators import action

from people.admin_fields import choice, moment, note
from people.admin_workflow import ReadOnlyInline, Step, StepForm
from recruiting.admin.pipeline import WorkflowOnlyAdmin
from recruiting.models import (
    ACTIVE_INTERVIEW_STATUSES,
    Interview,
    InterviewFeedback,
    InterviewParticipant,
    InterviewStatus,
    Recommendation,
)
from recruiting.services import interviews

# The criteria every interviewer scores, 1 (poor) to 5 (excellent).
CRITERIA = [
    ("communication", "Communication"),
    ("technical", "Technical skills"),
    ("problem_solving", "Problem solving"),
    ("culture", "Culture and team fit"),
]
SCORE_CHOICES = [("", "---------")] + [(str(n), str(n)) for n in range(1, 6)]


class ParticipantInline(ReadOnlyInline):
    model = InterviewParticipant
    fields = readonly_fields = ["interviewer"]
    show_change_link = False
    verbose_name_plural = "Interviewers"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("interviewer")


class FeedbackInline(ReadOnlyInline):
    model = InterviewFeedback
    fields = readonly_fields = ["interviewer", "recommendation", "scores", "notes", "submitted_at"]
    show_change_link = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("interviewer")


class CancelForm(StepForm):
    reason = note("Reason", help_text="Optional; kept in the interview's history.")


class RescheduleForm(StepForm):
    start = moment("New start")
    end = moment("New end")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.obj is not None:
            self.fields["start"].initial = self.obj.scheduled_start
            self.fields["end"].initial = self.obj.scheduled_end


class FeedbackForm(StepForm):
    recommendation = choice("Recommendation", [("", "---------"), *Recommendation.choices])
    notes = note("Notes")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        scores = {name: choice(f"{label} (1–5)", SCORE_CHOICES) for name, label in CRITERIA}
        self.fields = {**scores, **self.fields}

    def clean(self):
        data = super().clean()
        data["scores"] = {name: int(data[name]) for name, _label in CRITERIA if data.get(name)}
        return data


CONFIRM = Step(
    "confirm_interview",
    "Confirm",
    "Confirm this interview with the candidate?",
    lambda i, user, d: interviews.confirm_interview(interview_id=i.pk, by=user),
    done=lambda i, result: f"{result}: confirmed.",
)
COMPLETE = Step(
    "complete_interview",
    "Complete",
    "Mark this interview as completed?",
    lambda i, user, d: interviews.complete_interview(interview_id=i.pk, by=user),
    done=lambda i, result: f"{result}: completed.",
)
NO_SHOW = Step(
    "mark_no_show",
    "No-show",
    "Record that the candidate did not show up?",
    lambda i, user, d: interviews.mark_no_show(interview_id=i.pk, by=user),
    done=lambda i, result: f"{result}: candidate did not show.",
)
CANCEL = Step(
    "cancel_interview",
    "Cancel interview",
    "Cancel this interview? Its interviewers are free again.",
    lambda i, user, d: interviews.cancel_interview(interview_id=i.pk, by=user, reason=d["reason"]),
    CancelForm,
    done=lambda i, result: f"{result}: cancelled.",
    back_label="Keep the interview",
)
RESCHEDULE = Step(
    "reschedule_interview",
    "Reschedule",
    "Move this interview to another time? It needs confirming again.",
    lambda i, user, d: interviews.reschedule_interview(
        interview_id=i.pk, start=d["start"], end=d["end"], by=user
    ),
    RescheduleForm,
    done=lambda i, result: f"Rescheduled: {result}.",
    field_map={"scheduled_start": "start", "scheduled_end": "end"},
)
FEEDBACK = Step(
    "submit_feedback",
    "Submit my feedback",
    "Your feedback on this interview (once; only its interviewers submit feedback).",
    lambda i, user, d: interviews.submit_feedback(
        interview_id=i.pk,
        interviewer=user,
        scores=d["scores"],
        recommendation=d["recommendation"],
        notes=d["notes"],
    ),
    FeedbackForm,
    done=lambda i, feedback: f"Feedback recorded for {i}.",
    field_map={"scores": None},
)
ACTIVE = frozenset(ACTIVE_INTERVIEW_STATUSES)


@admin.register(Interview)
class InterviewAdmin(WorkflowOnlyAdmin):
    list_display = ["application", "interview_type", "status", "scheduled_start", "scheduled_end"]
    list_filter = [("interview_type", ChoicesDropdownFilter), ("status", ChoicesDropdownFilter)]
    list_filter_submit = True
    search_fields = [
        "application__candidate__first_name",
        "application__candidate__last_name",
        "application__job__title",
    ]
    list_select_related = ["application__candidate", "application__job"]
    date_hierarchy = "scheduled_start"
    ordering = ["-scheduled_start", "-pk"]
    inlines = [ParticipantInline, FeedbackInline]
    workflow_steps = (CONFIRM, COMPLETE, NO_SHOW, CANCEL, RESCHEDULE, FEEDBACK)
    actions = ["confirm_selected"]
    actions_row = [step.name for step in workflow_steps]
    actions_detail = actions_row

    def get_queryset(self, request):
        return super().get_queryset(request).select_related(*self.list_select_related)

    def has_feedback_permission(self, request, obj=None):
        """Any member who may view interviews may try; the service accepts their own feedback only,
        on an interview they took part in."""
        return self.has_view_permission(request)

    def allowed_step_names(self, request, obj):
        allowed = set()
        if obj.status in ACTIVE:
            allowed |= {COMPLETE.name, NO_SHOW.name, CANCEL.name, RESCHEDULE.name}
        if obj.status == InterviewStatus.SCHEDULED:
            allowed.add(CONFIRM.name)
        is_participant = obj.participants.filter(interviewer=request.user).exists()
        if is_participant and not obj.feedback.filter(interviewer=request.user).exists():
            allowed.add(FEEDBACK.name)
        return allowed

    @action(description="Confirm", url_path="confirm", icon="check", permissions=["workflow"])
    def confirm_interview(self, request, object_id):
        return self._step_view(request, object_id, CONFIRM)

    @action(description="Complete", url_path="complete", icon="task_alt", permissions=["workflow"])
    def complete_interview(self, request, object_id):
        return self._step_view(request, object_id, COMPLETE)

    @action(description="No-show", url_path="no-show", icon="person_off", permissions=["workflow"])
    def mark_no_show(self, request, object_id):
        return self._step_view(request, object_id, NO_SHOW)

    @action(description="Cancel interview", url_path="cancel", icon="event_busy", permissions=["workflow"])
    def cancel_interview(self, request, object_id):
        return self._step_view(request, object_id, CANCEL)

    @action(description="Reschedule", url_path="reschedule", icon="update", permissions=["workflow"])
    def reschedule_interview(self, request, object_id):
        return self._step_view(request, object_id, RESCHEDULE)

    @action(
        description="Submit my feedback", url_path="feedback", icon="rate_review", permissions=["feedback"]
    )
    def submit_feedback(self, request, object_id):
        return self._step_view(request, object_id, FEEDBACK, permission="feedback")

    @admin.action(description="Confirm selected interviews", permissions=["workflow"])
    def confirm_selected(self, request, queryset):
        return self._bulk_step(request, queryset, CONFIRM, "confirm_selected")
