"""Candidates: the people who apply, with their CV and consent."""

import re

from django.db import models
from django.utils.translation import gettext_lazy as _

from people.models import Employee
from people.private_files import private_storage
from people.tenancy import TenantOwned
from recruiting.models.choices import STATUS_LENGTH, EmploymentStatus, Source, VisaSponsorship
from recruiting.validators import validate_cv


def normalize_phone(phone: str) -> str:
    """Digits only, a leading + kept, 00 read as +: "+49 (30) 123-45" and "0049 30 12345" match."""
    phone = (phone or "").strip()
    digits = re.sub(r"\D", "", phone)
    if phone.startswith("+"):
        return "+" + digits
    if digits.startswith("00"):
        return "+" + digits[2:]
    return digits


def cv_upload_path(candidate, filename: str) -> str:
    return f"recruiting/cvs/tenant-{candidate.tenant_id}/{filename}"


class Candidate(TenantOwned):
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    email = models.EmailField(_("e-mail"), help_text=_("Unique per company; case does not matter."))
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    phone_normalized = models.CharField(max_length=40, blank=True, editable=False)
    location = models.CharField(_("location"), max_length=120, blank=True)
    current_title = models.CharField(_("current title"), max_length=120, blank=True)
    current_company = models.CharField(_("current company"), max_length=120, blank=True)
    employment_status = models.CharField(
        max_length=STATUS_LENGTH, choices=EmploymentStatus.choices, default=EmploymentStatus.ACTIVELY_LOOKING
    )
    visa_sponsorship_status = models.CharField(
        max_length=STATUS_LENGTH, choices=VisaSponsorship.choices, default=VisaSponsorship.NOT_REQUIRED
    )
    source = models.CharField(max_length=STATUS_LENGTH, choices=Source.choices, default=Source.OTHER)
    tags = models.JSONField(default=list, blank=True)
    cv = models.FileField(
        _("CV"),
        upload_to=cv_upload_path,
        storage=private_storage,
        blank=True,
        validators=[validate_cv],
        help_text=_("PDF, DOCX or ODT, at most 10 MB."),
    )
    consent_given_at = models.DateTimeField(_("consent given at"), null=True, blank=True)
    retention_until = models.DateField(
        _("keep data until"),
        null=True,
        blank=True,
        help_text=_("After this date the candidate is anonymised."),
    )
    possible_duplicate_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="possible_duplicates"
    )
    employee = models.ForeignKey(
        Employee,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="candidate_records",
        help_text=_("The employee record created when this candidate was hired."),
    )
    anonymized_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["last_name", "first_name"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "email"], name="candidate_email_unique_per_tenant")
        ]
        indexes = [
            models.Index(fields=["tenant", "phone_normalized"], name="candidate_tenant_phone"),
            models.Index(fields=["tenant", "retention_until"], name="candidate_tenant_retention"),
        ]

    def __str__(self):
        return self.full_name or self.email

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def save(self, *args, **kwargs):
        self.email = self.email.strip().lower()
        self.phone_normalized = normalize_phone(self.phone)
        super().save(*args, **kwargs)
