"""Job postings."""

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from people.models import Department, Employee, EmploymentType, User
from people.tenancy import TenantOwned, current_tenant
from recruiting.models.choices import STATUS_LENGTH, JobStatus, RemotePolicy

MONEY = {"max_digits": 14, "decimal_places": 2}


class JobPosting(TenantOwned):
    title = models.CharField(_("title"), max_length=200)
    reference_code = models.CharField(
        _("reference code"),
        max_length=30,
        blank=True,
        help_text=_("Left blank, the next JOB-0001 style code is used."),
    )
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, null=True, blank=True, related_name="jobs"
    )
    location = models.CharField(_("location"), max_length=120, blank=True)
    remote_policy = models.CharField(
        max_length=20, choices=RemotePolicy.choices, default=RemotePolicy.ON_SITE
    )
    employment_type = models.CharField(
        max_length=20, choices=EmploymentType.choices, default=EmploymentType.FULL_TIME
    )
    category = models.CharField(_("category"), max_length=80, blank=True)
    description = models.TextField(_("description"), blank=True)
    requirements = models.TextField(_("requirements"), blank=True)
    skills = models.JSONField(_("skills"), default=list, blank=True)
    salary_min = models.DecimalField(_("salary from"), **MONEY, null=True, blank=True)
    salary_max = models.DecimalField(_("salary to"), **MONEY, null=True, blank=True)
    salary_currency = models.CharField(_("currency"), max_length=3, blank=True)
    openings = models.PositiveIntegerField(_("open positions"), default=1)
    hiring_manager = models.ForeignKey(
        Employee, on_delete=models.SET_NULL, null=True, blank=True, related_name="managed_jobs"
    )
    recruiter = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="recruited_jobs"
    )
    status = models.CharField(max_length=STATUS_LENGTH, choices=JobStatus.choices, default=JobStatus.DRAFT)
    published_on_career_page = models.BooleanField(default=False)
    is_internal_only = models.BooleanField(default=False)
    published_at = models.DateTimeField(null=True, blank=True)
    closes_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("job posting")
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "reference_code"], name="job_reference_unique_per_tenant"
            ),
            models.CheckConstraint(
                condition=Q(salary_min__isnull=True)
                | Q(salary_max__isnull=True)
                | Q(salary_max__gte=F("salary_min")),
                name="job_salary_range_ordered",
            ),
        ]
        indexes = [models.Index(fields=["tenant", "status"], name="job_tenant_status")]

    def __str__(self):
        return f"{self.title} ({self.reference_code})" if self.reference_code else self.title

    def save(self, *args, **kwargs):
        if not self.salary_currency:
            self.salary_currency = (
                current_tenant().default_currency if self.tenant_id is None else self.tenant.default_currency
            )
        if not self.reference_code:
            self.reference_code = self.next_free_code()
        super().save(*args, **kwargs)

    @classmethod
    def next_free_code(cls) -> str:
        last = (
            cls.objects.filter(reference_code__regex=r"^JOB-[0-9]+$")
            .order_by(models.functions.Length("reference_code").desc(), "-reference_code")
            .values_list("reference_code", flat=True)
            .first()
        )
        return f"JOB-{(int(last[4:]) if last else 0) + 1:04d}"

    @property
    def is_open(self) -> bool:
        return self.status == JobStatus.PUBLISHED
