"""The one write of the public pages: a visitor applies to a catalog entry's job.

`apply_to_job` enters the job's tenant and, in one transaction, re-checks that the source job
may still take applications (its tenant active, published, on the career page, not internal,
not past its closing time), finds the candidate by e-mail through the recruiting services
(reused: nothing on the record is overwritten, only an empty CV or consent date is filled and
the retention date moved later) or creates one, and applies through `recruiting.services.pipeline.apply`. History rows are written
by those services with no acting user (the visitor is anonymous).

The visitor learns only what concerns this job and this e-mail: "already applied" or "no longer
open". The services' own messages (which name candidates and applications for recruiters) never
reach the page. Nothing is left behind by a refused or failed application: the transaction rolls
back, and the CV file, stored under a random name, is deleted.

The candidate gets a retention date: the tenant's `applicant_retention_days` (catalog settings)
after the application, which the apply form states; a returning candidate's date moves later if
this application needs it (never earlier, and a record a recruiter keeps without a date stays so).
recruiting's retention schedule anonymises them after it.

The cover letter is kept as the note of the application's first status change (the recruiters'
timeline shows it, and anonymisation scrubs it with the other notes): the recruiting models have
no field of their own for it yet.
"""

import logging
import secrets
import zoneinfo
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.text import get_valid_filename, slugify

from catalog.models import CatalogSettings, PublicJobCatalog
from catalog.models.settings import DEFAULT_APPLICANT_RETENTION_DAYS
from catalog.sync.rows import eligible_jobs
from people.models import Tenant
from people.tenancy import current_tenant, tenant_context
from recruiting.models import Application, Candidate, JobPosting, Source
from recruiting.services import pipeline
from recruiting.services.candidates import (
    create_candidate,
    find_duplicates,
    normalize_email,
    update_candidate,
)
from recruiting.services.errors import RecruitingError

logger = logging.getLogger("catalog.careers")

COVER_LETTER_NOTE = "Cover letter (careers site):\n"


class ApplyRefused(Exception):
    """The application was not taken; `message` is safe to show the visitor."""

    message = "We could not take your application. Please try again in a moment."


class JobNoLongerOpen(ApplyRefused):
    message = "This job is no longer open for applications."


class AlreadyApplied(ApplyRefused):
    message = (
        "You have already applied to this job with this e-mail address. "
        "The company has your application; there is no need to send it again."
    )


def is_closed(entry: PublicJobCatalog, now=None) -> bool:
    return entry.closes_at is not None and entry.closes_at <= (now or timezone.now())


def apply_to_job(entry: PublicJobCatalog, *, data: dict, cv) -> Application:
    """Apply to `entry`'s source job with the apply form's cleaned `data` and the uploaded `cv`.

    Raises JobNoLongerOpen, AlreadyApplied or ApplyRefused; then nothing was written."""
    tenant = Tenant.objects.filter(pk=entry.tenant_id, is_active=True).first()
    if tenant is None or is_closed(entry):
        raise JobNoLongerOpen
    cv.name = _stored_name(cv.name)
    cv_path = Candidate._meta.get_field("cv").generate_filename(Candidate(tenant=tenant), cv.name)
    try:
        with tenant_context(tenant), transaction.atomic():
            return _apply(entry, data=data, cv=cv)
    except BaseException:
        _delete_file(cv_path)
        raise


def _apply(entry, *, data, cv) -> Application:
    now = timezone.now()
    job = (
        JobPosting.objects.select_for_update()
        .filter(eligible_jobs(now), pk=entry.source_job_id)
        .only("pk")
        .first()
    )
    if job is None:
        raise JobNoLongerOpen
    keep_until = _tenant_today(now) + timedelta(days=applicant_retention_days())
    email = normalize_email(data["email"])
    candidate = find_duplicates(email=email, phone="").first()  # the same person: reuse the record
    try:
        if candidate is None:
            candidate = create_candidate(
                first_name=data["first_name"],
                last_name=data["last_name"],
                email=email,
                phone=data.get("phone", ""),
                source=Source.CAREER_PAGE,
                cv=cv,
                consent_given_at=now,
                retention_until=keep_until,
            )
        else:
            if Application.objects.filter(candidate=candidate, job=job).exists():
                raise AlreadyApplied
            _update_returning(candidate, keep_until=keep_until, cv=cv, consent_given_at=now)
        application = pipeline.apply(candidate_id=candidate.pk, job_id=job.pk, source=Source.CAREER_PAGE)
    except RecruitingError as exc:
        # A concurrent request won a race (same e-mail or same application), or the job changed:
        # the services' messages are for recruiters (they name records), so log, never show.
        logger.warning(
            "careers application refused by recruiting",
            extra={"entry": str(entry.public_id), "error": str(exc)},
        )
        if (
            candidate is not None
            and candidate.pk
            and Application.objects.filter(candidate=candidate, job=job).exists()
        ):
            raise AlreadyApplied from exc
        raise ApplyRefused from exc
    cover_letter = (data.get("cover_letter") or "").strip()
    if cover_letter:
        first = application.status_changes.order_by("pk").first()
        first.note = COVER_LETTER_NOTE + cover_letter
        first._history_user = None
        first.save(update_fields=["note", "updated_at"])
    return application


def applicant_retention_days() -> int:
    """How many days the active tenant keeps careers applicants (its catalog settings, or the default)."""
    days = CatalogSettings.objects.values_list("applicant_retention_days", flat=True).first()
    return days or DEFAULT_APPLICANT_RETENTION_DAYS


def retention_days_for(entry: PublicJobCatalog) -> int:
    """applicant_retention_days() of `entry`'s tenant, for the apply form (no tenant is active)."""
    tenant = Tenant.objects.filter(pk=entry.tenant_id).first()
    if tenant is None:
        return DEFAULT_APPLICANT_RETENTION_DAYS
    with tenant_context(tenant):
        return applicant_retention_days()


def _tenant_today(now) -> date:
    return now.astimezone(zoneinfo.ZoneInfo(current_tenant().timezone or "UTC")).date()


def _update_returning(candidate: Candidate, *, keep_until: date, **values) -> None:
    """Give a returning candidate what their record lacks; never overwrite (their name, phone
    and CV stay as the recruiters know them). Their retention date moves to `keep_until` if it
    is earlier (a record a recruiter keeps without a date stays without)."""
    changes = {name: value for name, value in values.items() if not getattr(candidate, name)}
    if candidate.retention_until is not None and candidate.retention_until < keep_until:
        changes["retention_until"] = keep_until
    if changes:
        update_candidate(candidate_id=candidate.pk, **changes)


def _stored_name(filename: str) -> str:
    """A random prefix (never guessed, never colliding, so a failed application deletes exactly
    its own file) and a short, safe version of the visitor's file name."""
    stem, _, extension = filename.rpartition(".")
    stem = slugify(stem)[:40] or "cv"
    return get_valid_filename(f"{secrets.token_hex(8)}-{stem}.{extension.lower()}")


def _delete_file(path: str) -> None:
    storage = Candidate._meta.get_field("cv").storage
    try:
        if storage.exists(path):
            storage.delete(path)
    except OSError:
        logger.exception("could not delete the CV of a failed application", extra={"path": path})
