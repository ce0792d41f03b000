"""Data retention: anonymise candidates whose retention date has passed.

A candidate is anonymised when `retention_until` is before today (in the tenant's time zone), they
are not anonymised yet, and they are in no open process: no application outside
CLOSED_APPLICATION_STATUSES, no offer waiting for their answer and no background check still
running. Candidates with an open process are skipped and counted; a later run picks them up.

Anonymising replaces the names with "Anonymised", the e-mail with `anonymised-<pk>@anonymised.invalid`
(unique per tenant), clears phone, location, current title and company, tags, the duplicate flag
and the CV, and deletes every CV file the candidate ever had from storage (after the commit, so a
rolled-back run keeps its files).

It also scrubs what people wrote about the candidate in their applications (every application
the candidate has, and those deleted since): the rejection reason, the notes of the status changes,
the interviewers' feedback notes, the background checks' results, and the reasons typed when an
interview was cancelled or a check document rejected (kept as history change reasons), and it
deletes the check documents' files (passport scans and the like) from storage after the commit.
Statuses, dates, scores and recommendations stay, so the pipeline's numbers do not change.

History: the candidate's historical rows are kept (the timeline of when the record was created,
changed, merged and anonymised stays auditable) but their personal fields are rewritten to the
anonymised values, so `Candidate.history` holds no old name, e-mail, phone or CV path. The scrubbed
text and file fields are emptied in the related records' history rows the same way. The related
records are rewritten with `update()`: no new history row and no new `updated_at`, so the moments
the candidate's timeline shows stay as they were.
Running twice anonymises nothing the second time.
"""

import datetime
import zoneinfo

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from people.tenancy import current_tenant
from recruiting.models import (
    CLOSED_APPLICATION_STATUSES,
    Application,
    ApplicationStatusChange,
    BackgroundCheck,
    BackgroundCheckDocument,
    Candidate,
    CheckStatus,
    Interview,
    InterviewFeedback,
    Offer,
    OfferStatus,
)

ANONYMISED_NAME = "Anonymised"
CHANGE_REASON = "anonymised: retention period ended"
REASON_REMOVED = "reason removed: retention period ended"
OPEN_CHECK_STATUSES = (CheckStatus.REQUESTED, CheckStatus.IN_PROGRESS, CheckStatus.DOCUMENTS)


def anonymised_values(candidate_pk: int) -> dict:
    """The personal fields of an anonymised candidate (also written over its history rows)."""
    return {
        "first_name": ANONYMISED_NAME,
        "last_name": ANONYMISED_NAME,
        "email": f"anonymised-{candidate_pk}@anonymised.invalid",
        "phone": "",
        "phone_normalized": "",
        "location": "",
        "current_title": "",
        "current_company": "",
        "tags": [],
        "cv": "",
    }


def _tenant_today() -> datetime.date:
    return timezone.now().astimezone(zoneinfo.ZoneInfo(current_tenant().timezone)).date()


def _in_open_process():
    candidate = OuterRef("pk")
    return (
        Exists(
            Application.objects.filter(candidate=candidate).exclude(status__in=CLOSED_APPLICATION_STATUSES)
        )
        | Exists(Offer.objects.filter(application__candidate=candidate, status=OfferStatus.SENT))
        | Exists(
            BackgroundCheck.objects.filter(application__candidate=candidate, status__in=OPEN_CHECK_STATUSES)
        )
    )


def _ids(model, **lookup) -> set[int]:
    """Ids of `model`'s rows matching `lookup` now or in any history row (deleted rows included)."""
    return set(model.objects.filter(**lookup).values_list("pk", flat=True)) | set(
        model.history.filter(**lookup).values_list("id", flat=True)
    )


def _scrub_applications(candidate: Candidate) -> set[tuple]:
    """Empty the free text of the candidate's applications and everything under them, on the rows
    and in their history; returns the (storage, name) of the check documents' files to delete."""
    current = set(candidate.applications.values_list("pk", flat=True))
    past = set(Application.history.filter(candidate_id=candidate.pk).values_list("id", flat=True))
    # Deleted applications too, but none that belongs to someone else now.
    deleted = past - set(Application.objects.filter(pk__in=past).values_list("pk", flat=True))
    application_ids = current | deleted
    if not application_ids:
        return set()
    interview_ids = _ids(Interview, application_id__in=application_ids)
    check_ids = _ids(BackgroundCheck, application_id__in=application_ids)
    documents = {"background_check_id__in": check_ids}
    storage = BackgroundCheckDocument._meta.get_field("file").storage
    names = [
        *BackgroundCheckDocument.objects.filter(**documents).values_list("file", flat=True),
        *BackgroundCheckDocument.history.filter(**documents).values_list("file", flat=True),
    ]
    # (model, which rows, the emptied fields): on the rows and on their history rows alike.
    scrubbed = (
        (Application, {"id__in": application_ids}, {"rejection_reason": ""}),
        (ApplicationStatusChange, {"application_id__in": application_ids}, {"note": ""}),
        (InterviewFeedback, {"interview_id__in": interview_ids}, {"notes": ""}),
        (BackgroundCheck, {"id__in": check_ids}, {"result": ""}),
        (BackgroundCheckDocument, documents, {"file": ""}),
    )
    for model, rows, values in scrubbed:
        model.objects.filter(**rows).update(**values)
        model.history.filter(**rows).update(**values)
    # The reasons typed when cancelling an interview or rejecting a document are history change
    # reasons; every reason on those rows is replaced (the fixed ones go too: nothing tells them apart).
    for model, rows in ((Interview, {"id__in": interview_ids}), (BackgroundCheckDocument, documents)):
        model.history.filter(**rows).exclude(history_change_reason__isnull=True).exclude(
            history_change_reason=""
        ).update(history_change_reason=REASON_REMOVED)
    return {(storage, name) for name in names if name}


def _anonymise(candidate: Candidate, now: datetime.datetime) -> set[tuple]:
    """Anonymise one candidate, their applications' free text and the history of both; returns
    the (storage, name) of the files to delete (CVs and check documents)."""
    history = Candidate.history.filter(id=candidate.pk)
    files = {name for name in history.values_list("cv", flat=True) if name}
    if candidate.cv:
        files.add(candidate.cv.name)
    storage = Candidate._meta.get_field("cv").storage
    files = {(storage, name) for name in files} | _scrub_applications(candidate)
    values = anonymised_values(candidate.pk)
    for name, value in values.items():
        setattr(candidate, name, value)
    candidate.possible_duplicate_of = None
    candidate.anonymized_at = now
    candidate._change_reason = CHANGE_REASON
    candidate.save()
    # Rewrite the personal fields of every history row, the one just written included.
    history.update(**values)
    # Nobody should be flagged as a duplicate of a person who no longer exists.
    for flagged in Candidate.objects.filter(possible_duplicate_of=candidate):
        flagged.possible_duplicate_of = None
        flagged._change_reason = CHANGE_REASON
        flagged.save(update_fields=["possible_duplicate_of", "updated_at"])
    return files


@transaction.atomic
def anonymise_expired_candidates(*, today: datetime.date | None = None) -> dict[str, int]:
    """Anonymise the active tenant's candidates past their retention date and in no open process.

    Returns {"anonymised": n, "skipped_open_process": m}.
    """
    today = today or _tenant_today()
    expired = (
        Candidate.objects.filter(retention_until__lt=today, anonymized_at__isnull=True)
        .annotate(open_process=_in_open_process())
        .order_by("pk")
    )
    skipped = expired.filter(open_process=True).count()
    now = timezone.now()
    files: set[tuple] = set()
    anonymised = 0
    for candidate in expired.filter(open_process=False).select_for_update(of=("self",)):
        files |= _anonymise(candidate, now)
        anonymised += 1
    if files:
        transaction.on_commit(
            lambda: [storage.delete(name) for storage, name in sorted(files, key=lambda f: f[1])]
        )
    return {"anonymised": anonymised, "skipped_open_process": skipped}
