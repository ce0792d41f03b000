"""Writes to job postings: publish to the careers page, close, duplicate.

These three only touch JobPosting; the pipeline has its own modules beside this one.
"""

from django.db import transaction
from django.utils import timezone

from recruiting.models import JobPosting, JobStatus
from recruiting.services.errors import TransitionNotAllowed

CLOSED = (JobStatus.FILLED, JobStatus.CANCELLED)


@transaction.atomic
def publish_job(*, job_id: int, on_career_page: bool = True) -> JobPosting:
    job = JobPosting.objects.select_for_update().get(pk=job_id)
    if job.status in CLOSED:
        raise TransitionNotAllowed(f"{job} is closed; duplicate it to hire for it again.")
    if job.openings < 1:
        raise TransitionNotAllowed(f"{job} has no open positions; set at least one before publishing.")
    job.status = JobStatus.PUBLISHED
    job.published_at = job.published_at or timezone.now()
    job.published_on_career_page = on_career_page and not job.is_internal_only
    job.save(update_fields=["status", "published_at", "published_on_career_page", "updated_at"])
    return job


@transaction.atomic
def close_job(*, job_id: int, filled: bool = False) -> JobPosting:
    job = JobPosting.objects.select_for_update().get(pk=job_id)
    if job.status in CLOSED:
        raise TransitionNotAllowed(f"{job} is already closed.")
    job.status = JobStatus.FILLED if filled else JobStatus.CANCELLED
    job.published_on_career_page = False
    job.save(update_fields=["status", "published_on_career_page", "updated_at"])
    return job


@transaction.atomic
def duplicate_job(*, job_id: int) -> JobPosting:
    """A draft copy with a new reference code, not published and without applications."""
    job = JobPosting.objects.get(pk=job_id)
    job.pk = job.id = None
    job._state.adding = True
    job.reference_code = ""
    job.title = f"{job.title} (copy)"[:200]
    job.status = JobStatus.DRAFT
    job.published_on_career_page = False
    job.published_at = None
    job.save()
    return job
