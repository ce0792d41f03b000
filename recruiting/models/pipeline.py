"""The pipeline: applications, their status history, interviews and feedback, offers and checks."""

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from people.models import User
from people.private_files import private_storage
from people.tenancy import TenantOwned
from recruiting.models.candidates import Candidate
from recruiting.models.choices import (
    STATUS_LENGTH,
    ApplicationStatus,
    CheckStatus,
    DocumentStatus,
    InterviewStatus,
    InterviewType,
    OfferStatus,
    Recommendation,
    Source,
)
from recruiting.models.jobs import MONEY, JobPosting


class Application(TenantOwned):
    candidate = models.ForeignKey(Candidate, on_delete=models.CASCADE, related_name="applications")
    job = models.ForeignKey(JobPosting, on_delete=models.PROTECT, related_name="applications")
    status = models.CharField(
        max_length=STATUS_LENGTH, choices=ApplicationStatus.choices, default=ApplicationStatus.PENDING_REVIEW
    )
    status_changed_at = models.DateTimeField(_("in this status since"), auto_now_add=True)
    source = models.CharField(max_length=STATUS_LENGTH, choices=Source.choices, default=Source.OTHER)
    rejection_reason = models.TextField(blank=True)
    applied_at = models.DateTimeField(_("applied at"), auto_now_add=True)
    hired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-applied_at"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "candidate", "job"], name="application_once_per_job")
        ]
        indexes = [
            models.Index(fields=["tenant", "job", "status"], name="application_job_status"),
            models.Index(fields=["tenant", "status", "status_changed_at"], name="application_status_since"),
            models.Index(fields=["tenant", "applied_at"], name="application_applied_at"),
        ]

    def __str__(self):
        return f"{self.candidate} → {self.job.title}"


class ApplicationStatusChange(TenantOwned):
    """One move of an application; consecutive changes give the time spent in each status."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=STATUS_LENGTH, choices=ApplicationStatus.choices, blank=True)
    to_status = models.CharField(max_length=STATUS_LENGTH, choices=ApplicationStatus.choices)
    changed_at = models.DateTimeField(auto_now_add=True)
    changed_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    seconds_in_previous_status = models.PositiveBigIntegerField(default=0)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["changed_at", "pk"]
        indexes = [
            models.Index(fields=["tenant", "application", "changed_at"], name="status_change_timeline")
        ]

    def __str__(self):
        return f"{self.from_status or '—'} → {self.to_status}"


class Interview(TenantOwned):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="interviews")
    interview_type = models.CharField(max_length=STATUS_LENGTH, choices=InterviewType.choices)
    status = models.CharField(
        max_length=STATUS_LENGTH, choices=InterviewStatus.choices, default=InterviewStatus.SCHEDULED
    )
    scheduled_start = models.DateTimeField()
    scheduled_end = models.DateTimeField()
    location = models.CharField(max_length=200, blank=True)
    meeting_link = models.URLField(blank=True)
    # When the interview reached its final status (set by the services; empty on rows finished
    # before these fields existed, whose moment the timeline reads from `updated_at`).
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    no_show_at = models.DateTimeField(_("marked no-show at"), null=True, blank=True)
    interviewers = models.ManyToManyField(User, through="InterviewParticipant", related_name="interviews")

    class Meta:
        ordering = ["scheduled_start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(scheduled_end__gt=F("scheduled_start")), name="interview_ends_after_start"
            )
        ]
        indexes = [models.Index(fields=["tenant", "scheduled_start"], name="interview_tenant_start")]

    def __str__(self):
        return f"{self.get_interview_type_display()} with {self.application.candidate} ({self.scheduled_start:%Y-%m-%d %H:%M})"


class InterviewParticipant(TenantOwned):
    """An interviewer on an interview (the tenant-carrying through model of the M2M)."""

    interview = models.ForeignKey(Interview, on_delete=models.CASCADE, related_name="participants")
    interviewer = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "interview", "interviewer"], name="interviewer_once_per_interview"
            )
        ]
        indexes = [models.Index(fields=["tenant", "interviewer"], name="participant_interviewer")]

    def __str__(self):
        return str(self.interviewer)


class InterviewFeedback(TenantOwned):
    interview = models.ForeignKey(Interview, on_delete=models.CASCADE, related_name="feedback")
    interviewer = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    scores = models.JSONField(default=dict, help_text=_('Per criterion, 1 to 5: {"communication": 4, ...}'))
    recommendation = models.CharField(max_length=STATUS_LENGTH, choices=Recommendation.choices)
    notes = models.TextField(blank=True)
    submitted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = _("interview feedback")
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "interview", "interviewer"], name="feedback_once_per_interviewer"
            )
        ]

    def __str__(self):
        return f"{self.interviewer}: {self.get_recommendation_display()}"


class Offer(TenantOwned):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="offers")
    status = models.CharField(
        max_length=STATUS_LENGTH, choices=OfferStatus.choices, default=OfferStatus.DRAFT
    )
    salary = models.DecimalField(**MONEY, validators=[MinValueValidator(0)])
    currency = models.CharField(max_length=3)
    start_date = models.DateField()
    expires_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # The candidate's answer (accepted or declined); the company's withdrawal and the expiry are
    # not answers and have their own moments.
    responded_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    expired_at = models.DateTimeField(_("expired at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["tenant", "status", "expires_at"], name="offer_status_expiry")]

    def __str__(self):
        return f"Offer to {self.application.candidate}: {self.salary} {self.currency}"


class BackgroundCheck(TenantOwned):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="background_checks")
    provider = models.CharField(max_length=120)
    package = models.CharField(max_length=120, blank=True)
    status = models.CharField(
        max_length=STATUS_LENGTH, choices=CheckStatus.choices, default=CheckStatus.REQUESTED
    )
    result = models.TextField(blank=True)
    requested_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)  # clear or needs review
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)

    class Meta:
        ordering = ["-requested_at"]

    def __str__(self):
        return f"{self.provider} check for {self.application.candidate}"


def check_document_path(document, filename: str) -> str:
    return f"recruiting/checks/tenant-{document.tenant_id}/{filename}"


class BackgroundCheckDocument(TenantOwned):
    background_check = models.ForeignKey(BackgroundCheck, on_delete=models.CASCADE, related_name="documents")
    document_type = models.CharField(max_length=80)
    file = models.FileField(upload_to=check_document_path, storage=private_storage, blank=True)
    status = models.CharField(
        max_length=STATUS_LENGTH, choices=DocumentStatus.choices, default=DocumentStatus.PENDING
    )

    class Meta:
        ordering = ["pk"]

    def __str__(self):
        return f"{self.document_type} ({self.get_status_display()})"
