"""Data retention: anonymise candidates whose retention date has passed.

A candidate is anonymised when `retention_until` is before today (in the tenant's time zone), they
are not anonymised yet, and they are in no open process: no application outside
CLOSED_APPLICATION_STATUSES, no offer waiting for their answer and no background check still
running. Candidates with an open process are skipped and counted; a later run picks them up.

Anonymising replaces the names with "Anonymised", the e-mail with `anonymised-<pk>@anonymised.invalid`
(unique per tenant), clears phone, location, current title and company, tags, the duplicate flag
and the CV, and deletes every CV file the candidate ever had from storage (after the commit, so a
rolled-back run keeps its files).

History: the candidate's historical rows are kept (the timeline of when the record was created,
changed, merged and anonymised stays auditable) but their personal fields are rewritten to the
anonymised values, so `Candidate.history` holds no old name, e-mail, phone or CV path.
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
    BackgroundCheck,
    Candidate,
    CheckStatus,
    Offer,
    OfferStatus,
)

ANONYMISED_NAME = "Anonymised"
CHANGE_REASON = "anonymised: retention period ended"
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


def _anonymise(candidate: Candidate, now: datetime.datetime) -> set[str]:
    """Anonymise one candidate and its history; returns the CV file names to delete."""
    history = Candidate.history.filter(id=candidate.pk)
    files = {name for name in history.values_list("cv", flat=True) if name}
    if candidate.cv:
        files.add(candidate.cv.name)
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
    files: set[str] = set()
    anonymised = 0
    for candidate in expired.filter(open_process=False).select_for_update(of=("self",)):
        files |= _anonymise(candidate, now)
        anonymised += 1
    if files:
        storage = Candidate._meta.get_field("cv").storage
        transaction.on_commit(lambda: [storage.delete(name) for name in sorted(files)])
    return {"anonymised": anonymised, "skipped_open_process": skipped}
