"""Recruiting models: jobs, candidates and the pipeline (applications, interviews, offers, checks)."""

from recruiting.models.candidates import Candidate, normalize_phone
from recruiting.models.choices import (
    ACTIVE_INTERVIEW_STATUSES,
    CLOSED_APPLICATION_STATUSES,
    ApplicationStatus,
    CheckStatus,
    DocumentStatus,
    EmploymentStatus,
    InterviewStatus,
    InterviewType,
    JobStatus,
    OfferStatus,
    Recommendation,
    RemotePolicy,
    Source,
    VisaSponsorship,
)
from recruiting.models.digest import DigestDelivery
from recruiting.models.jobs import JobPosting
from recruiting.models.pipeline import (
    Application,
    ApplicationStatusChange,
    BackgroundCheck,
    BackgroundCheckDocument,
    Interview,
    InterviewFeedback,
    InterviewParticipant,
    Offer,
)

__all__ = [
    "ACTIVE_INTERVIEW_STATUSES",
    "CLOSED_APPLICATION_STATUSES",
    "Application",
    "ApplicationStatus",
    "ApplicationStatusChange",
    "BackgroundCheck",
    "BackgroundCheckDocument",
    "Candidate",
    "CheckStatus",
    "DigestDelivery",
    "DocumentStatus",
    "EmploymentStatus",
    "Interview",
    "InterviewFeedback",
    "InterviewParticipant",
    "InterviewStatus",
    "InterviewType",
    "JobPosting",
    "JobStatus",
    "Offer",
    "OfferStatus",
    "Recommendation",
    "RemotePolicy",
    "Source",
    "VisaSponsorship",
    "normalize_phone",
]
