"""Background checks: requesting, verifying and rejecting documents, completion, cancelling."""

import pytest
from django.utils import timezone

from people.tenancy import TenantMismatch, tenant_context
from recruiting.models import (
    Application,
    ApplicationStatus,
    BackgroundCheck,
    BackgroundCheckDocument,
    CheckStatus,
    DocumentStatus,
)
from recruiting.services.checks import (
    cancel_check,
    reject_document,
    request_background_check,
    verify_document,
)
from recruiting.services.errors import RecruitingError, TransitionNotAllowed
from tests.recruiting.factories import ApplicationFactory, BackgroundCheckFactory

pytestmark = pytest.mark.django_db
C = CheckStatus
S = ApplicationStatus


@pytest.fixture
def offer_application(in_tenant_a):
    return ApplicationFactory(status=S.OFFER)


def request(application, types=("Passport", "Degree"), **kwargs):
    kwargs.setdefault("provider", "Checkr")
    return request_background_check(application_id=application.pk, document_types=list(types), **kwargs)


def documents(check):
    return {d.document_type: d for d in BackgroundCheckDocument.objects.filter(background_check=check)}


def test_request_creates_the_check_with_one_pending_document_per_type(offer_application, user_a):
    check = request(
        offer_application, types=["Passport", " Degree ", "Passport", ""], package="Basic", by=user_a
    )
    assert (check.status, check.provider, check.package) == (C.IN_PROGRESS, "Checkr", "Basic")
    assert {t: d.status for t, d in documents(check).items()} == {
        "Passport": DocumentStatus.PENDING,
        "Degree": DocumentStatus.PENDING,
    }
    application = Application.objects.get(pk=offer_application.pk)
    assert application.status == S.BACKGROUND_CHECK
    change = application.status_changes.last()
    assert (change.from_status, change.changed_by) == (S.OFFER, user_a)


def test_request_leaves_an_application_outside_the_offer_stage_where_it_is(in_tenant_a):
    application = ApplicationFactory(status=S.FINAL)
    request(application)
    assert Application.objects.get(pk=application.pk).status == S.FINAL


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"provider": " "}, "Name the provider"),
        ({"types": []}, "at least one document"),
        ({"types": [" "]}, "at least one"),
    ],
)
def test_request_refuses_missing_input(offer_application, kwargs, message):
    with pytest.raises(RecruitingError, match=message):
        request(offer_application, **kwargs)
    assert not BackgroundCheck.objects.exists()


def test_request_refuses_a_closed_application_and_a_second_running_check(in_tenant_a, offer_application):
    with pytest.raises(TransitionNotAllowed, match="closed application"):
        request(ApplicationFactory(status=S.WITHDRAWN))
    first = request(offer_application)
    with pytest.raises(RecruitingError, match=rf"A Checkr check \(#{first.pk}\) is already in progress"):
        request(offer_application)
    cancel_check(check_id=first.pk, reason="Wrong package")
    assert request(offer_application, provider="Sterling").status == C.IN_PROGRESS


def test_the_check_completes_clear_when_every_document_is_verified(offer_application):
    check = request(offer_application)
    docs = documents(check)
    verify_document(document_id=docs["Passport"].pk)
    check.refresh_from_db()
    assert check.status == C.DOCUMENTS and check.completed_at is None
    verify_document(document_id=docs["Degree"].pk)
    check.refresh_from_db()
    assert check.status == C.CLEAR and check.completed_at is not None
    assert check.result == "All documents verified."


def test_a_rejected_document_completes_the_check_as_needing_review(offer_application):
    check = request(offer_application)
    docs = documents(check)
    with pytest.raises(RecruitingError, match="Say why"):
        reject_document(document_id=docs["Degree"].pk, reason="")
    reject_document(document_id=docs["Degree"].pk, reason="Diploma not recognised")
    check.refresh_from_db()
    assert check.status == C.CONSIDER and check.completed_at is not None
    assert check.result == "Degree rejected: Diploma not recognised"


def test_a_document_is_decided_once(offer_application):
    check = request(offer_application)
    passport = documents(check)["Passport"]
    verify_document(document_id=passport.pk)
    with pytest.raises(TransitionNotAllowed, match="Passport document is already verified"):
        verify_document(document_id=passport.pk)
    with pytest.raises(TransitionNotAllowed, match="already verified"):
        reject_document(document_id=passport.pk, reason="Changed my mind")


def test_a_completed_or_cancelled_check_never_changes(offer_application, in_tenant_a):
    check = request(offer_application)
    docs = documents(check)
    reject_document(document_id=docs["Passport"].pk, reason="Expired passport")
    with pytest.raises(TransitionNotAllowed, match="completed: needs review; a finished check cannot"):
        verify_document(document_id=docs["Degree"].pk)
    with pytest.raises(TransitionNotAllowed, match="Request a new check"):
        cancel_check(check_id=check.pk)
    cancelled = cancel_check(check_id=request(ApplicationFactory(status=S.OFFER)).pk)
    assert (cancelled.status, cancelled.result) == (C.CANCELLED, "Cancelled.")
    with pytest.raises(TransitionNotAllowed, match="is cancelled"):
        cancel_check(check_id=cancelled.pk)


def test_cancelling_stamps_cancelled_at(offer_application):
    check = request(offer_application)
    before = timezone.now()
    cancelled = cancel_check(check_id=check.pk, reason="Candidate moved abroad")
    stored = BackgroundCheck.objects.get(pk=check.pk)
    assert before <= stored.cancelled_at <= timezone.now() and stored.completed_at is None
    assert (cancelled.status, stored.result) == (C.CANCELLED, "Candidate moved abroad")
    assert stored.history.first().cancelled_at == stored.cancelled_at


def test_completing_stamps_completed_at_only(offer_application):
    check = request(offer_application, types=["Passport"])
    before = timezone.now()
    verify_document(document_id=documents(check)["Passport"].pk)
    stored = BackgroundCheck.objects.get(pk=check.pk)
    assert before <= stored.completed_at <= timezone.now() and stored.cancelled_at is None


def test_a_refused_cancel_stamps_nothing(offer_application):
    check = request(offer_application, types=["Passport"])
    reject_document(document_id=documents(check)["Passport"].pk, reason="Expired passport")
    completed_at = BackgroundCheck.objects.get(pk=check.pk).completed_at
    with pytest.raises(TransitionNotAllowed, match="a finished check cannot be cancelled"):
        cancel_check(check_id=check.pk)
    stored = BackgroundCheck.objects.get(pk=check.pk)
    assert (stored.status, stored.cancelled_at, stored.completed_at) == (C.CONSIDER, None, completed_at)


def test_another_tenants_checks_and_documents_are_invisible(tenant_a, tenant_b):
    with tenant_context(tenant_b):
        theirs = request(ApplicationFactory(status=S.OFFER))
        their_document = documents(theirs)["Passport"]
    with tenant_context(tenant_a):
        with pytest.raises(BackgroundCheckDocument.DoesNotExist):
            verify_document(document_id=their_document.pk)
        with pytest.raises(BackgroundCheck.DoesNotExist):
            cancel_check(check_id=theirs.pk)
        with pytest.raises(Application.DoesNotExist):
            request(theirs.application)


def test_a_forged_check_for_another_tenants_application_is_refused(tenant_a, tenant_b):
    with tenant_context(tenant_b):
        their_application = ApplicationFactory()
    with tenant_context(tenant_a), pytest.raises(TenantMismatch):
        BackgroundCheckFactory(application_id=their_application.pk, application=None)
