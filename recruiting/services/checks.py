"""Background checks and the verification of their documents.

States of a check:
- requested: the model's default, for checks created outside these services;
- in progress (`background_check_in_progress`): requested from the provider, no document decided;
- document verification pending: some documents verified, others still waiting;
- completed: clear — every document verified (the check completes by itself then);
- completed: needs review (`completed_consider`) — a document was rejected;
- cancelled.
A completed or cancelled check never changes again; a new check can be requested instead.
`completed_at` stamps when it completed (clear or needs review), `cancelled_at` when it was
cancelled.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from people.models import User
from recruiting.models import (
    ApplicationStatus,
    BackgroundCheck,
    BackgroundCheckDocument,
    CheckStatus,
    DocumentStatus,
)
from recruiting.services import pipeline
from recruiting.services.errors import RecruitingError, TransitionNotAllowed

C = CheckStatus
ACTIVE_CHECK_STATUSES = (C.REQUESTED, C.IN_PROGRESS, C.DOCUMENTS)
FINAL_CHECK_STATUSES = (C.CLEAR, C.CONSIDER, C.CANCELLED)


def _locked_check(check_id: int) -> BackgroundCheck:
    return (
        BackgroundCheck.objects.select_for_update(of=("self",))
        .select_related("application__candidate", "application__job")
        .get(pk=check_id)
    )


def _ensure_active(check: BackgroundCheck, action: str) -> None:
    if check.status in FINAL_CHECK_STATUSES:
        raise TransitionNotAllowed(
            f"This background check is {check.get_status_display().lower()}; a finished check cannot "
            f"{action}. Request a new check if more is needed."
        )


@transaction.atomic
def request_background_check(
    *,
    application_id: int,
    provider: str,
    package: str = "",
    document_types: list[str],
    by: User | None = None,
) -> BackgroundCheck:
    """Start a check with one pending document per type; an application at the Offer stage moves
    to Background check."""
    provider = (provider or "").strip()
    if not provider:
        raise RecruitingError({"provider": "Name the provider running the check."})
    types = list(dict.fromkeys(t.strip() for t in document_types or () if t and t.strip()))
    if not types:
        raise RecruitingError({"document_types": "List at least one document to verify (e.g. Passport)."})
    application = pipeline.locked_application(application_id)
    pipeline.ensure_open(application, "request a background check")
    running = BackgroundCheck.objects.filter(
        application=application, status__in=ACTIVE_CHECK_STATUSES
    ).first()
    if running is not None:
        raise RecruitingError(
            f"A {running.provider} check (#{running.pk}) is already {running.get_status_display().lower()} "
            "for this application; finish or cancel it first."
        )
    check = BackgroundCheck.objects.create(
        application=application, provider=provider, package=package.strip(), status=C.IN_PROGRESS
    )
    for document_type in types:  # one by one, so each document gets its history row
        BackgroundCheckDocument.objects.create(background_check=check, document_type=document_type)
    if application.status == ApplicationStatus.OFFER:
        pipeline.record_transition(
            application=application,
            to_status=ApplicationStatus.BACKGROUND_CHECK,
            by=by,
            note=f"Background check requested ({provider})",
        )
    return check


def _locked_document(document_id: int) -> tuple[BackgroundCheck, BackgroundCheckDocument]:
    """The document and its check, both locked (check first, as every check write does)."""
    check_id = BackgroundCheckDocument.objects.values_list("background_check_id", flat=True).get(
        pk=document_id
    )
    check = _locked_check(check_id)
    document = BackgroundCheckDocument.objects.select_for_update().get(pk=document_id)
    return check, document


def _ensure_pending(document: BackgroundCheckDocument) -> None:
    if document.status != DocumentStatus.PENDING:
        raise TransitionNotAllowed(
            f"The {document.document_type} document is already {document.get_status_display().lower()}; "
            "only documents pending verification can be verified or rejected."
        )


@transaction.atomic
def verify_document(*, document_id: int, by: User | None = None) -> BackgroundCheckDocument:
    """Mark a document verified; the check completes as clear when every document is verified."""
    check, document = _locked_document(document_id)
    _ensure_active(check, "have its documents verified")
    _ensure_pending(document)
    document.status = DocumentStatus.VERIFIED
    document.save(update_fields=["status", "updated_at"])
    statuses = set(check.documents.values_list("status", flat=True))
    if statuses == {DocumentStatus.VERIFIED}:
        check.status, check.completed_at = C.CLEAR, timezone.now()
        check.result = check.result or "All documents verified."
        check.save(update_fields=["status", "completed_at", "result", "updated_at"])
    elif check.status != C.DOCUMENTS:
        check.status = C.DOCUMENTS
        check.save(update_fields=["status", "updated_at"])
    return document


@transaction.atomic
def reject_document(*, document_id: int, reason: str, by: User | None = None) -> BackgroundCheckDocument:
    """Reject a document with a reason; the check completes as "needs review" (completed_consider)."""
    if not (reason or "").strip():
        raise RecruitingError(
            {"reason": "Say why the document is rejected; the reason goes into the result."}
        )
    check, document = _locked_document(document_id)
    _ensure_active(check, "have its documents rejected")
    _ensure_pending(document)
    document.status = DocumentStatus.REJECTED
    document._change_reason = reason.strip()[:100]
    document.save(update_fields=["status", "updated_at"])
    check.status, check.completed_at = C.CONSIDER, timezone.now()
    check.result = f"{document.document_type} rejected: {reason.strip()}"
    check.save(update_fields=["status", "completed_at", "result", "updated_at"])
    return document


@transaction.atomic
def cancel_check(*, check_id: int, by: User | None = None, reason: str = "") -> BackgroundCheck:
    """Cancel a check that has not finished (stamping `cancelled_at`). The application stays
    where it is."""
    check = _locked_check(check_id)
    _ensure_active(check, "be cancelled")
    check.status, check.cancelled_at = C.CANCELLED, timezone.now()
    check.result = reason.strip() or "Cancelled."
    check.save(update_fields=["status", "cancelled_at", "result", "updated_at"])
    return check
