"""The organisation: departments (a tree) and employees (with reporting lines)."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.db.models.functions import Length
from django.utils.translation import gettext_lazy as _

from people.models.accounts import User
from people.tenancy import TenantOwned

# Deep enough for any real organisation; a longer chain means a cycle or corrupt data.
MAX_TREE_DEPTH = 100


def _walk_up(start, parent_attr: str, model):
    """Yield the ancestors of `start` (an instance) by following `parent_attr`, one query each."""
    parent_id = getattr(start, f"{parent_attr}_id")
    for _depth in range(MAX_TREE_DEPTH):
        if parent_id is None:
            return
        yield parent_id
        parent_id = (
            model._base_manager.filter(pk=parent_id).values_list(f"{parent_attr}_id", flat=True).first()
        )
    yield None  # too deep: treated as a cycle by the callers


class Department(TenantOwned):
    name = models.CharField(_("name"), max_length=120)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        help_text=_("The department this one belongs to; empty for a top-level department."),
    )
    head = models.ForeignKey(
        "people.Employee", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    cost_center = models.CharField(_("cost center"), max_length=40, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "name"], name="department_name_unique_per_tenant")
        ]
        indexes = [models.Index(fields=["tenant", "parent"], name="department_tenant_parent")]

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        if self.parent_id is not None:
            if self.parent_id == self.pk:
                raise ValidationError({"parent": _("A department cannot be its own parent.")})
            if self.pk is not None and any(
                ancestor in (self.pk, None) for ancestor in _walk_up(self, "parent", Department)
            ):
                raise ValidationError(
                    {"parent": _("That parent is inside this department: it would make a cycle.")}
                )


class EmploymentType(models.TextChoices):
    FULL_TIME = "full_time", _("Full-time")
    PART_TIME = "part_time", _("Part-time")
    CONTRACTOR = "contractor", _("Contractor")
    INTERN = "intern", _("Intern")
    TEMPORARY = "temporary", _("Temporary")


class EmployeeStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    ON_LEAVE = "on_leave", _("On leave")
    TERMINATED = "terminated", _("Terminated")


class Employee(TenantOwned):
    NUMBER_PREFIX = "E"

    employee_number = models.CharField(
        _("employee number"),
        max_length=20,
        blank=True,
        help_text=_("Left blank, the next free number (E00001, …) is used."),
    )
    user = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="employee_records",
        help_text=_("The staff account of this person, if they log in to the console."),
    )
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    work_email = models.EmailField(_("work e-mail"))
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    job_title = models.CharField(_("job title"), max_length=120, blank=True)
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, null=True, blank=True, related_name="employees"
    )
    manager = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="reports"
    )
    employment_type = models.CharField(
        max_length=20, choices=EmploymentType.choices, default=EmploymentType.FULL_TIME
    )
    status = models.CharField(max_length=20, choices=EmployeeStatus.choices, default=EmployeeStatus.ACTIVE)
    hire_date = models.DateField(_("hire date"))
    termination_date = models.DateField(_("termination date"), null=True, blank=True)
    location = models.CharField(_("location"), max_length=120, blank=True)
    emergency_contact_name = models.CharField(_("emergency contact"), max_length=120, blank=True)
    emergency_contact_phone = models.CharField(_("emergency contact phone"), max_length=40, blank=True)

    class Meta:
        ordering = ["last_name", "first_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "employee_number"], name="employee_number_unique_per_tenant"
            ),
            models.UniqueConstraint(fields=["tenant", "work_email"], name="employee_email_unique_per_tenant"),
            models.UniqueConstraint(
                fields=["tenant", "user"],
                condition=Q(user__isnull=False),
                name="employee_user_unique_per_tenant",
            ),
            models.CheckConstraint(
                condition=Q(termination_date__isnull=True) | Q(termination_date__gte=models.F("hire_date")),
                name="employee_terminated_after_hire",
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "status"], name="employee_tenant_status"),
            models.Index(fields=["tenant", "department"], name="employee_tenant_department"),
            models.Index(fields=["tenant", "manager"], name="employee_tenant_manager"),
            models.Index(fields=["tenant", "hire_date"], name="employee_tenant_hire_date"),
        ]

    def __str__(self):
        return f"{self.full_name} ({self.employee_number})" if self.employee_number else self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def clean(self):
        super().clean()
        errors = {}
        if self.termination_date and self.hire_date and self.termination_date < self.hire_date:
            errors["termination_date"] = _("The termination date cannot be before the hire date.")
        if self.status == EmployeeStatus.TERMINATED and not self.termination_date:
            errors["termination_date"] = _("A terminated employee needs a termination date.")
        if self.manager_id is not None:
            if self.manager_id == self.pk:
                errors["manager"] = _("An employee cannot be their own manager.")
            elif self.pk is not None and any(
                boss in (self.pk, None) for boss in _walk_up(self, "manager", Employee)
            ):
                errors["manager"] = _(
                    "That manager reports (directly or not) to this employee: it would make a cycle."
                )
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs):
        self.work_email = self.work_email.strip().lower()
        if self.employee_number:
            return super().save(*args, **kwargs)
        # Generate the next free number; if a concurrent save took it, try the one after.
        for _attempt in range(5):
            self.employee_number = self.next_free_number()
            try:
                with transaction.atomic():
                    return super().save(*args, **kwargs)
            except IntegrityError:
                taken = Employee.objects.filter(employee_number=self.employee_number).exists()
                self.employee_number = ""
                if not taken:
                    raise  # another constraint (e.g. the work e-mail) failed
        raise IntegrityError("Could not find a free employee number; try again.")

    @classmethod
    def next_free_number(cls) -> str:
        """One more than the highest generated number (E00001, E00002, …) in the active tenant."""
        last = (
            cls.objects.filter(employee_number__regex=rf"^{cls.NUMBER_PREFIX}[0-9]+$")
            .order_by(Length("employee_number").desc(), "-employee_number")
            .values_list("employee_number", flat=True)
            .first()
        )
        highest = int(last[len(cls.NUMBER_PREFIX) :]) if last else 0
        return f"{cls.NUMBER_PREFIX}{highest + 1:05d}"
