"""Status and category choices of the recruiting pipeline.

Values are the long ones the old system used (and its data still holds); the fields that store
them are sized for them, and Django's fields.E009 check (left on) fails any value that outgrows
its field.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

STATUS_LENGTH = 40


class JobStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published_for_recruitment", _("Published for recruitment")
    ON_HOLD = "on_hold_pending_approval", _("On hold")
    FILLED = "closed_position_filled", _("Closed: filled")
    CANCELLED = "closed_requisition_cancelled", _("Closed: cancelled")


class RemotePolicy(models.TextChoices):
    ON_SITE = "on_site", _("On site")
    HYBRID = "hybrid", _("Hybrid")
    REMOTE = "remote", _("Remote")


class EmploymentStatus(models.TextChoices):
    EMPLOYED = "employed", _("Employed")
    OPEN_TO_OFFERS = "employed_open_to_offers", _("Employed, open to offers")
    ACTIVELY_LOOKING = "actively_looking", _("Actively looking")
    NOT_SEEKING = "currently_not_actively_seeking", _("Currently not actively seeking")
    STUDENT = "student", _("Student")


class VisaSponsorship(models.TextChoices):
    NOT_REQUIRED = "not_required", _("Not required")
    REQUIRED = "sponsorship_required", _("Required")
    NOT_AVAILABLE = "sponsorship_not_available", _("Sponsorship not available")


class Source(models.TextChoices):
    CAREER_PAGE = "career_page", _("Career page")
    REFERRAL = "employee_referral", _("Employee referral")
    LINKEDIN = "linkedin", _("LinkedIn")
    JOB_BOARD = "job_board", _("Job board")
    AGENCY = "recruitment_agency", _("Recruitment agency")
    IMPORT = "bulk_import", _("Bulk import")
    OTHER = "other", _("Other")


class ApplicationStatus(models.TextChoices):
    PENDING_REVIEW = "application_pending_review", _("Pending review")
    PHONE_SCREEN = "phone_screening_preliminary", _("Phone screening")
    TECHNICAL = "technical_assessment", _("Technical assessment")
    ONSITE_1 = "in_person_round_1", _("In person, round 1")
    FINAL = "final_interview_round", _("Final interview")
    OFFER = "offer_pending_candidate_response", _("Offer")
    BACKGROUND_CHECK = "background_check_in_progress", _("Background check")
    HIRED = "hired", _("Hired")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn_by_candidate", _("Withdrawn")


CLOSED_APPLICATION_STATUSES = (
    ApplicationStatus.HIRED,
    ApplicationStatus.REJECTED,
    ApplicationStatus.WITHDRAWN,
)


class InterviewType(models.TextChoices):
    PHONE = "phone_screening_preliminary", _("Phone screening")
    TECHNICAL = "technical_assessment", _("Technical assessment")
    ONSITE_1 = "in_person_round_1", _("In person, round 1")
    PANEL = "panel_interview", _("Panel")
    FINAL = "final_interview_round", _("Final")


class InterviewStatus(models.TextChoices):
    SCHEDULED = "scheduled_for_confirmation", _("Scheduled (to confirm)")
    CONFIRMED = "confirmed", _("Confirmed")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")
    NO_SHOW = "candidate_no_show", _("Candidate did not show")


ACTIVE_INTERVIEW_STATUSES = (InterviewStatus.SCHEDULED, InterviewStatus.CONFIRMED)


class Recommendation(models.TextChoices):
    STRONG_YES = "strong_yes", _("Strong yes")
    YES = "yes", _("Yes")
    NO = "no", _("No")
    STRONG_NO = "strong_no", _("Strong no")


class OfferStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SENT = "pending_candidate_response", _("Sent, pending response")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined_by_candidate", _("Declined")
    WITHDRAWN = "withdrawn_by_company", _("Withdrawn")
    EXPIRED = "expired", _("Expired")


class CheckStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    IN_PROGRESS = "background_check_in_progress", _("In progress")
    DOCUMENTS = "document_verification_pending", _("Document verification pending")
    CLEAR = "completed_clear", _("Completed: clear")
    CONSIDER = "completed_consider", _("Completed: needs review")
    CANCELLED = "cancelled", _("Cancelled")


class DocumentStatus(models.TextChoices):
    PENDING = "pending_verification", _("Pending verification")
    VERIFIED = "verified", _("Verified")
    REJECTED = "rejected", _("Rejected")
