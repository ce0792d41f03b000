"""Recruiting imports and exports: jobs, candidates and applications (CSV and XLSX).

All three build on the kernel's keyed import base (`people.resources.hr_base.HRResource`): rows
are matched on a natural key (a job's reference code, a candidate's e-mail, an application's
candidate e-mail + job reference code), related rows are looked up by name, number or e-mail once
per file, errors name their row and column, and a file with any bad row writes nothing.

- Candidates are written in bulk with their history (`bulk_writes`): a 100,000-row file is one
  validation pass and, on PostgreSQL, two COPYs per 1,000 rows (people/resources/bulk.py); a large
  file (a background import) also takes the kernel's lean row loop (people/resources/hr_base.py).
  Duplicate detection works as in the candidate services: the e-mail is the key (a known e-mail
  updates that candidate; twice in one file is an error), and a phone already used by another
  candidate, in the company or earlier in the file, flags the row as a possible duplicate of that
  candidate.
- Applications follow the pipeline's rules: a new application starts at the status given (the
  first status change is recorded), a changed status must be an allowed move from the current
  one, nobody is hired by a file (use the Hire action) and a rejection needs a reason.
"""

from collections import Counter

from django.core.exceptions import ValidationError
from django.utils import timezone
from import_export import fields

from people.models import Department, Employee, EmploymentType
from people.resources import MemberByEmailWidget, bulk
from people.resources.hr_base import (
    ChoiceWidget,
    CountWidget,
    EmailWidget,
    HRResource,
    IsoDateTimeWidget,
    IsoDateWidget,
    KeyedLookupWidget,
    MoneyWidget,
    TextListWidget,
    YesNoWidget,
    as_text,
    column,
    in_chunks,
    lower_text,
    where_in,
)
from recruiting.models import (
    Application,
    ApplicationStatus,
    ApplicationStatusChange,
    Candidate,
    EmploymentStatus,
    JobPosting,
    JobStatus,
    RemotePolicy,
    Source,
    VisaSponsorship,
    normalize_phone,
)
from recruiting.services.errors import RecruitingError
from recruiting.services.pipeline import (
    ALLOWED_TRANSITIONS,
    describe_allowed,
    record_transition,
    status_label,
)


def choice(name, choices):
    """A choice column: an empty cell keeps the current value (the default for a new row)."""
    return column(name, ChoiceWidget(choices), saves_null_values=False)


class JobPostingResource(HRResource):
    """Jobs by reference code: a known code updates that job. `department` is a department's name,
    `hiring_manager` an employee's number, `recruiter` a member's e-mail, `skills` a comma-separated
    list."""

    reference_code = column("reference_code")
    title = column("title")
    department = column(
        "department",
        KeyedLookupWidget(Department, "name", missing="no department named {key!r} in this company."),
    )
    location = column("location")
    remote_policy = choice("remote_policy", RemotePolicy)
    employment_type = choice("employment_type", EmploymentType)
    category = column("category")
    description = column("description")
    requirements = column("requirements")
    skills = column("skills", TextListWidget())
    salary_min = column("salary_min", MoneyWidget())
    salary_max = column("salary_max", MoneyWidget())
    salary_currency = column("salary_currency")
    openings = column("openings", CountWidget(), saves_null_values=False)
    hiring_manager = column(
        "hiring_manager",
        KeyedLookupWidget(
            Employee, "employee_number", missing="no employee with number {key!r} in this company."
        ),
    )
    recruiter = column("recruiter", MemberByEmailWidget())
    status = choice("status", JobStatus)
    published_on_career_page = column("published_on_career_page", YesNoWidget(), saves_null_values=False)
    is_internal_only = column("is_internal_only", YesNoWidget(), saves_null_values=False)
    closes_at = column("closes_at", IsoDateTimeWidget())

    class Meta(HRResource.Meta):
        model = JobPosting
        fields = (
            "reference_code",
            "title",
            "department",
            "location",
            "remote_policy",
            "employment_type",
            "category",
            "description",
            "requirements",
            "skills",
            "salary_min",
            "salary_max",
            "salary_currency",
            "openings",
            "hiring_manager",
            "recruiter",
            "status",
            "published_on_career_page",
            "is_internal_only",
            "closes_at",
        )
        import_id_fields = ("reference_code",)
        name = "Jobs"

    def check_instance(self, instance):
        errors = {}
        instance.salary_currency = (instance.salary_currency or "").upper()
        low, high = instance.salary_min, instance.salary_max
        if low is not None and high is not None and low > high:
            errors["salary_max"] = [
                f"the salary range ends ({instance.salary_max}) below where it starts ({instance.salary_min})."
            ]
        if (
            instance.salary_min is not None or instance.salary_max is not None
        ) and not instance.salary_currency:
            errors["salary_currency"] = ["say the salary's currency (a 3-letter code such as EUR)."]
        return errors

    def before_save_instance(self, instance, row, **kwargs):
        super().before_save_instance(instance, row, **kwargs)
        if instance.status == JobStatus.PUBLISHED and instance.published_at is None:
            instance.published_at = timezone.now()


class CandidateResource(HRResource):
    """Candidates by e-mail: a known e-mail updates that candidate. `tags` is a comma-separated
    list; CVs are not imported (upload them on the candidate's page)."""

    email = column("email", EmailWidget())
    first_name = column("first_name")
    last_name = column("last_name")
    phone = column("phone")
    location = column("location")
    current_title = column("current_title")
    current_company = column("current_company")
    employment_status = choice("employment_status", EmploymentStatus)
    visa_sponsorship_status = choice("visa_sponsorship_status", VisaSponsorship)
    source = choice("source", Source)
    tags = column("tags", TextListWidget())
    consent_given_at = column("consent_given_at", IsoDateTimeWidget())
    retention_until = column("retention_until", IsoDateWidget())

    bulk_writes = True
    # Set by the resource (Candidate.save() is not called by bulk writes).
    extra_bulk_update_fields = ("phone_normalized", "possible_duplicate_of")

    class Meta(HRResource.Meta):
        model = Candidate
        fields = (
            "email",
            "first_name",
            "last_name",
            "phone",
            "location",
            "current_title",
            "current_company",
            "employment_status",
            "visa_sponsorship_status",
            "source",
            "tags",
            "consent_given_at",
            "retention_until",
        )
        import_id_fields = ("email",)
        name = "Candidates"

    def get_queryset(self):
        return super().get_queryset().order_by("pk")

    def before_import(self, dataset, **kwargs):
        super().before_import(dataset, **kwargs)
        # {normalised phone: [(pk, possible_duplicate_of_id), ...] by pk} of the file's phones.
        self._phone_owners = {}
        self._phone_rows = {}  # normalised phone -> first new candidate of this file with it
        self._file_duplicates = []  # (new candidate, earlier new candidate of this file)
        self._repeated_phones = set()  # phones on more than one row of the file
        self._normalized = {}  # phone as written -> normalised (once per spelling, not twice a row)
        if "phone" in (dataset.headers or ()):
            counts = Counter()
            for value in dataset["phone"]:
                text = as_text(value)
                if text not in self._normalized:
                    self._normalized[text] = normalize_phone(text)
                counts[self._normalized[text]] += 1
            counts.pop("", None)
            # Only the first candidate with a phone that comes back later is kept (not one per row).
            self._repeated_phones = {phone for phone, count in counts.items() if count > 1}
            phones = sorted(counts)
            del counts
            candidates = Candidate.objects.order_by("pk")
            for chunk in in_chunks(candidates, phones):
                rows = where_in(candidates, "phone_normalized", chunk)
                for pk, phone, flagged_as in rows.values_list(
                    "pk", "phone_normalized", "possible_duplicate_of_id"
                ):
                    self._phone_owners.setdefault(phone, []).append((pk, flagged_as))

    def check_instance(self, instance):
        if instance.anonymized_at is not None:
            return {
                "email": [
                    f"{instance.email} belongs to an anonymised candidate; their data cannot be re-imported."
                ]
            }
        return {}

    def before_save_instance(self, instance, row, **kwargs):
        super().before_save_instance(instance, row, **kwargs)
        # What Candidate.save() does, for the bulk writes that skip it.
        instance.email = lower_text(instance.email)
        phone = instance.phone
        normalized = self._normalized.get(phone) if type(phone) is str else None
        instance.phone_normalized = normalize_phone(phone) if normalized is None else normalized
        self._flag_phone_duplicate(instance)

    def _flag_phone_duplicate(self, instance):
        """As the candidate services do: point at the oldest other candidate with the same phone
        (never at one already flagged as a duplicate of this one), or clear the flag."""
        phone = instance.phone_normalized
        instance.possible_duplicate_of_id = None
        if not phone:
            return
        for pk, flagged_as in self._phone_owners.get(phone, ()):
            if pk != instance.pk and (instance.pk is None or flagged_as != instance.pk):
                instance.possible_duplicate_of_id = pk
                return
        if instance.pk is None and phone in self._repeated_phones:
            earlier = self._phone_rows.setdefault(phone, instance)
            if earlier is not instance:
                self._file_duplicates.append((instance, earlier))

    def after_import(self, dataset, result, **kwargs):
        super().after_import(dataset, result, **kwargs)  # every batch is written by now
        flagged = []
        for instance, earlier in self._file_duplicates:
            if instance.pk is not None and earlier.pk is not None:
                instance.possible_duplicate_of_id = earlier.pk
                flagged.append(instance)
        if flagged and not result.has_errors() and not result.has_validation_errors():
            bulk.bulk_update(flagged, Candidate, ["possible_duplicate_of"], batch_size=self._meta.batch_size)


class ApplicationResource(HRResource):
    """Applications by candidate e-mail + job reference code. A new pair adds an application at the
    given status (pending review when empty); a known pair moves it if the pipeline allows it."""

    candidate = fields.Field(
        attribute="candidate",
        column_name="candidate_email",
        widget=KeyedLookupWidget(
            Candidate,
            "email",
            missing="no candidate with the e-mail {key!r} in this company; import candidates first.",
            required=True,
            normalise=lower_text,
        ),
    )
    job = fields.Field(
        attribute="job",
        column_name="job_reference",
        widget=KeyedLookupWidget(
            JobPosting,
            "reference_code",
            missing="no job with the reference code {key!r} in this company; import jobs first.",
            required=True,
        ),
    )
    status = choice("status", ApplicationStatus)
    source = choice("source", Source)
    rejection_reason = column("rejection_reason")

    class Meta(HRResource.Meta):
        model = Application
        fields = ("candidate", "job", "status", "source", "rejection_reason")
        import_id_fields = ("candidate", "job")
        name = "Applications"

    def before_import(self, dataset, **kwargs):
        super().before_import(dataset, **kwargs)
        self._stored_status = {}  # application pk -> status before this file
        self._moves = {}  # id(instance) -> new status, applied after the row is saved

    def after_init_instance(self, instance, new, row, **kwargs):
        super().after_init_instance(instance, new, row, **kwargs)
        if not new:
            self._stored_status[instance.pk] = instance.status

    def check_instance(self, instance):
        status, stored = instance.status, self._stored_status.get(instance.pk)
        if instance.candidate_id and instance.candidate.anonymized_at is not None:
            return {"candidate": ["this candidate's data was anonymised; they cannot apply again."]}
        if status == ApplicationStatus.REJECTED and not (instance.rejection_reason or "").strip():
            return {"rejection_reason": ["say why the application was rejected."]}
        if status == ApplicationStatus.HIRED and stored != ApplicationStatus.HIRED:
            return {"status": ["nobody is hired by a file: use the Hire action on an accepted offer."]}
        if stored is not None and status != stored and status not in ALLOWED_TRANSITIONS.get(stored, ()):
            return {
                "status": [
                    f"the application cannot move from {status_label(stored)} to {status_label(status)}. "
                    f"{describe_allowed(stored)}"
                ]
            }
        return {}

    def before_save_instance(self, instance, row, **kwargs):
        super().before_save_instance(instance, row, **kwargs)
        stored = self._stored_status.get(instance.pk)
        if stored is not None and instance.status != stored:
            # The move is written by the pipeline (status history, time in status) after the save.
            self._moves[id(instance)] = instance.status
            instance.status = stored

    def after_save_instance(self, instance, row, **kwargs):
        super().after_save_instance(instance, row, **kwargs)
        user = self.acting_user
        if instance.pk not in self._stored_status:  # a new application: its first status change
            ApplicationStatusChange.objects.create(
                application=instance, from_status="", to_status=instance.status, changed_by=user
            )
            return
        to_status = self._moves.pop(id(instance), None)
        if to_status is not None:
            try:
                record_transition(
                    application=instance, to_status=to_status, by=user, note=instance.rejection_reason
                )
            except RecruitingError as exc:  # checked above; a concurrent change may still refuse
                raise ValidationError({"status": [f"Column status: {m}" for m in exc.messages]}) from exc
