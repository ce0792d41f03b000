"""Candidates: create and update with duplicate detection, and merge two records of one person.

Duplicates are matched within the active tenant on the e-mail (case-insensitive) or on the
normalised phone number (`normalize_phone`, so "+49 30 1234567" and "0049301234567" match):
- the same e-mail is refused: it is the same person (the database also enforces it per tenant);
- the same phone is only flagged (`possible_duplicate_of`): families and offices share numbers,
  so a recruiter decides and merges, or corrects the flag (`set_duplicate_flag`,
  `clear_duplicate_flag`); a corrected flag stays until the phone changes again.

Merging moves the merged candidate's applications (with their interviews, offers and checks) to
the kept one, fills the kept one's empty fields (phone, location, current title and company,
consent, employee link, CV), keeps the later retention date, unions the tags and deletes the
merged record. A CV the kept candidate does not take over is deleted from storage after commit.
Every write carries the change reason "merged candidate <merged> into <kept>" in the history, and
the merged candidate's history rows stay (simple-history keeps them, plus a "deleted" row).
When both applied to the same job the merge is refused, naming the job: one application would have
to go (a candidate applies to a job once), and which one is a recruiter's decision: delete one
of the two applications, then merge; or keep both records.
"""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet

from people.models import User
from people.tenancy import current_tenant
from recruiting.models import Candidate, normalize_phone
from recruiting.services.errors import RecruitingError

# What a caller may set through create_candidate / update_candidate.
CANDIDATE_FIELDS = frozenset(
    {
        "first_name",
        "last_name",
        "email",
        "phone",
        "location",
        "current_title",
        "current_company",
        "employment_status",
        "visa_sponsorship_status",
        "source",
        "tags",
        "cv",
        "consent_given_at",
        "retention_until",
    }
)
# Filled on the kept candidate from the merged one when empty.
MERGE_FILL_FIELDS = ("phone", "location", "current_title", "current_company", "consent_given_at", "employee")


def normalize_email(email: str) -> str:
    return (email or "").strip().lower()


def find_duplicates(*, email: str, phone: str, exclude_id: int | None = None) -> QuerySet[Candidate]:
    """Candidates of the active tenant with this e-mail (any case) or this phone in any format.

    An empty e-mail or phone matches nothing. The queryset runs as one query.
    """
    condition = Q(pk__in=[])
    if normalize_email(email):
        condition |= Q(email=normalize_email(email))
    if normalize_phone(phone):
        condition |= Q(phone_normalized=normalize_phone(phone))
    candidates = Candidate.objects.filter(condition).order_by("pk")
    if exclude_id is not None:
        candidates = candidates.exclude(pk=exclude_id)
    return candidates


def _check_fields(fields: dict) -> None:
    unknown = set(fields) - CANDIDATE_FIELDS
    if unknown:
        raise TypeError(f"Candidate fields that cannot be set here: {', '.join(sorted(unknown))}.")


def _refuse_email_duplicate(candidate: Candidate) -> None:
    existing = find_duplicates(email=candidate.email, phone="", exclude_id=candidate.pk).first()
    if existing is not None:
        raise RecruitingError(
            {
                "email": (
                    f"{existing.full_name} (candidate #{existing.pk}) already has the e-mail "
                    f"{candidate.email}. Open that candidate instead, or merge the two records."
                )
            }
        )


def _flag_phone_duplicate(candidate: Candidate) -> None:
    """Point `possible_duplicate_of` at the oldest other candidate with the same phone, or clear it.
    A candidate already flagged as a duplicate of this one is not flagged back (no loops)."""
    match = None
    if candidate.phone_normalized:
        others = Candidate.objects.filter(phone_normalized=candidate.phone_normalized)
        if candidate.pk is not None:  # (exclude(x=None) would drop every unflagged row)
            others = others.exclude(pk=candidate.pk).exclude(possible_duplicate_of_id=candidate.pk)
        match = others.order_by("pk").first()
    candidate.possible_duplicate_of = match


def _validate(candidate: Candidate, *, exclude: list[str] | None = None) -> None:
    """Run the model's validation (including the CV validator) after our friendlier checks."""
    candidate.email = normalize_email(candidate.email)
    candidate.phone_normalized = normalize_phone(candidate.phone)
    _refuse_email_duplicate(candidate)
    try:
        candidate.full_clean(exclude=exclude)
    except ValidationError as exc:  # the same messages, as the recruiting domain error
        raise RecruitingError(exc.error_dict if hasattr(exc, "error_dict") else exc.error_list) from exc


def _save(candidate: Candidate, *, by: User | None, reason: str | None = None, **kwargs) -> Candidate:
    candidate._history_user = by
    if reason:
        candidate._change_reason = reason
    try:
        with transaction.atomic():
            candidate.save(**kwargs)
    except IntegrityError as exc:  # a concurrent create took the e-mail between check and insert
        raise RecruitingError(
            {"email": f"A candidate with the e-mail {candidate.email} was just added; open that one instead."}
        ) from exc
    return candidate


@transaction.atomic
def create_candidate(*, by: User | None = None, **fields) -> Candidate:
    """Create a candidate in the active tenant. Refuses an existing e-mail; flags a shared phone."""
    _check_fields(fields)
    candidate = Candidate(**fields)
    candidate.tenant = current_tenant()
    _validate(candidate)
    _flag_phone_duplicate(candidate)
    return _save(candidate, by=by)


@transaction.atomic
def update_candidate(*, candidate_id: int, by: User | None = None, **fields) -> Candidate:
    """Change a candidate's fields; the e-mail stays unique and the phone flag is recomputed."""
    _check_fields(fields)
    candidate = Candidate.objects.select_for_update().get(pk=candidate_id)
    if candidate.anonymized_at is not None:
        raise RecruitingError(
            f"Candidate #{candidate.pk} was anonymised on {candidate.anonymized_at:%Y-%m-%d}; "
            "their data cannot be edited. Create a new candidate if the person applies again."
        )
    for name, value in fields.items():
        setattr(candidate, name, value)
    # A stored CV was validated when it was uploaded; re-read it only when it changes.
    _validate(candidate, exclude=None if "cv" in fields else ["cv"])
    if "phone" in fields:
        _flag_phone_duplicate(candidate)
    return _save(candidate, by=by)


@transaction.atomic
def set_duplicate_flag(
    *, candidate_id: int, duplicate_of_id: int | None, by: User | None = None
) -> Candidate:
    """Correct the "possible duplicate of" flag by hand: clear a wrong one (`duplicate_of_id=None`)
    or point it at the record this candidate duplicates. The history row says what was done.

    Refused: an anonymised candidate; a flag pointing at the candidate itself, at a candidate
    that does not exist in this company or was anonymised, or back at a candidate already
    flagged as a duplicate of this one (no loops). Setting the flag it already has writes nothing.
    """
    candidate = Candidate.objects.select_for_update().get(pk=candidate_id)
    if candidate.anonymized_at is not None:
        raise RecruitingError(
            f"Candidate #{candidate.pk} was anonymised on {candidate.anonymized_at:%Y-%m-%d}; "
            "their data cannot be edited."
        )
    if candidate.possible_duplicate_of_id == duplicate_of_id:
        return candidate
    field = "possible_duplicate_of"
    if duplicate_of_id is None:
        reason = f"duplicate flag cleared (was candidate {candidate.possible_duplicate_of_id})"
        candidate.possible_duplicate_of = None
    else:
        if duplicate_of_id == candidate.pk:
            raise RecruitingError({field: "A candidate cannot be a duplicate of themselves."})
        other = Candidate.objects.filter(pk=duplicate_of_id).first()
        if other is None:
            raise RecruitingError({field: f"Candidate #{duplicate_of_id} does not exist (any more)."})
        if other.anonymized_at is not None:
            raise RecruitingError(
                {field: f"Candidate #{other.pk} was anonymised; nobody can be flagged as their duplicate."}
            )
        if other.possible_duplicate_of_id == candidate.pk:
            raise RecruitingError(
                {
                    field: f"{other.full_name} (#{other.pk}) is already flagged as a possible duplicate of "
                    f"{candidate.full_name}; clear that flag first or merge the two records."
                }
            )
        reason = f"flagged as possible duplicate of candidate {other.pk}"
        candidate.possible_duplicate_of = other
    return _save(candidate, by=by, reason=reason, update_fields=[field, "updated_at"])


def clear_duplicate_flag(*, candidate_id: int, by: User | None = None) -> Candidate:
    """Clear a wrong "possible duplicate of" flag (see `set_duplicate_flag`)."""
    return set_duplicate_flag(candidate_id=candidate_id, duplicate_of_id=None, by=by)


def _ensure_mergeable(keep: Candidate, merge: Candidate) -> None:
    for candidate in (keep, merge):
        if candidate.anonymized_at is not None:
            raise RecruitingError(
                f"Candidate #{candidate.pk} was anonymised on {candidate.anonymized_at:%Y-%m-%d} "
                "and cannot be merged."
            )
    kept_jobs = set(keep.applications.values_list("job_id", flat=True))
    shared_jobs = sorted(
        str(application.job)
        for application in merge.applications.select_related("job")
        if application.job_id in kept_jobs
    )
    if shared_jobs:
        raise RecruitingError(
            f"Both {keep.full_name} (#{keep.pk}) and {merge.full_name} (#{merge.pk}) applied to "
            f"{', '.join(shared_jobs)}; a candidate can apply to a job only once. Delete one of the two "
            "applications, then merge, or keep both candidate records."
        )


@transaction.atomic
def merge_candidates(*, keep_id: int, merge_id: int, by: User | None = None) -> Candidate:
    """Fold candidate `merge_id` into candidate `keep_id` and delete it; returns the kept candidate."""
    if keep_id == merge_id:
        raise RecruitingError("A candidate cannot be merged with itself; pick the duplicate record to merge.")
    # Lock both rows in a fixed order, so two merges of the same pair cannot deadlock.
    locked = {
        c.pk: c
        for c in Candidate.objects.select_for_update().filter(pk__in=[keep_id, merge_id]).order_by("pk")
    }
    keep, merge = locked.get(keep_id), locked.get(merge_id)
    if keep is None or merge is None:
        missing = keep_id if keep is None else merge_id
        raise RecruitingError(f"Candidate #{missing} does not exist (any more); reload the page.")
    _ensure_mergeable(keep, merge)
    reason = f"merged candidate {merge.pk} into {keep.pk}"

    for application in merge.applications.all():
        application.candidate = keep
        application._change_reason = reason
        application._history_user = by
        application.save(update_fields=["candidate", "updated_at"])

    for name in MERGE_FILL_FIELDS:
        if not getattr(keep, name) and getattr(merge, name):
            setattr(keep, name, getattr(merge, name))
    cv_to_delete = None
    if not keep.cv and merge.cv:
        keep.cv = merge.cv.name  # the same stored file, now referenced by the kept candidate
    elif merge.cv:
        cv_to_delete = merge.cv.name  # nobody references it once the merged record is gone
    if merge.retention_until and (
        keep.retention_until is None or merge.retention_until > keep.retention_until
    ):
        keep.retention_until = merge.retention_until  # the merged person's data now lives here
    keep.tags = list(dict.fromkeys([*(keep.tags or []), *(merge.tags or [])]))
    if keep.possible_duplicate_of_id == merge.pk:
        keep.possible_duplicate_of = None

    # Candidates flagged as duplicates of the merged record now point at the kept one.
    for flagged in Candidate.objects.filter(possible_duplicate_of=merge).exclude(pk=keep.pk):
        flagged.possible_duplicate_of = keep
        _save(flagged, by=by, reason=reason, update_fields=["possible_duplicate_of", "updated_at"])

    merge._history_user = by
    merge._change_reason = reason
    merge.delete()
    _save(keep, by=by, reason=reason)
    if cv_to_delete:
        storage = Candidate._meta.get_field("cv").storage
        transaction.on_commit(lambda: storage.delete(cv_to_delete))
    return keep
