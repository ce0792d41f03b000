"""HR imports and exports: departments, employees, holidays and opening balances."""

import re

from django.core.exceptions import ValidationError
from import_export import fields

from people.models import (
    Department,
    Employee,
    EmployeeStatus,
    EmploymentType,
    Holiday,
    LedgerEntryKind,
    TimeOffLedgerEntry,
    TimeOffType,
)
from people.resources.hr_base import (
    ChoiceWidget,
    DaysWidget,
    EmailWidget,
    HRResource,
    IsoDateWidget,
    KeyedLookupWidget,
    as_text,
    chunked,
    column,
)


class DepartmentResource(HRResource):
    """Departments as `name, parent, cost_center, head` rows; a known name updates that department.
    `parent` is a department's name (in the database or anywhere in the file), `head` an employee's
    number (employees are imported after departments, so heads are often set by a second import)."""

    name = column("name")
    parent = column(
        "parent",
        KeyedLookupWidget(Department, "name", missing="no department named {key!r} in this company or file."),
    )
    cost_center = column("cost_center")
    head = column(
        "head",
        KeyedLookupWidget(
            Employee, "employee_number", missing="no employee with number {key!r} in this company."
        ),
    )

    self_reference = "parent"

    class Meta(HRResource.Meta):
        model = Department
        fields = ("name", "parent", "cost_center", "head")
        import_id_fields = ("name",)
        name = "Departments"


class EmployeeResource(HRResource):
    """Employees by number: a known number updates that employee, a blank one adds an employee with
    the next free number. `department` is a department's name, `manager` an employee's number (in
    the database or anywhere in the file)."""

    employee_number = column("employee_number")
    first_name = column("first_name")
    last_name = column("last_name")
    work_email = column("work_email", EmailWidget())
    phone = column("phone")
    job_title = column("job_title")
    department = column(
        "department",
        KeyedLookupWidget(
            Department, "name", missing="no department named {key!r} in this company; import it first."
        ),
    )
    manager = column(
        "manager",
        KeyedLookupWidget(
            Employee, "employee_number", missing="no employee with number {key!r} in this company or file."
        ),
    )
    employment_type = column("employment_type", ChoiceWidget(EmploymentType), saves_null_values=False)
    status = column("status", ChoiceWidget(EmployeeStatus), saves_null_values=False)
    hire_date = column("hire_date", IsoDateWidget())
    termination_date = column("termination_date", IsoDateWidget())
    location = column("location")
    emergency_contact_name = column("emergency_contact_name")
    emergency_contact_phone = column("emergency_contact_phone")

    self_reference = "manager"

    class Meta(HRResource.Meta):
        model = Employee
        fields = (
            "employee_number",
            "first_name",
            "last_name",
            "work_email",
            "phone",
            "job_title",
            "department",
            "manager",
            "employment_type",
            "status",
            "hire_date",
            "termination_date",
            "location",
            "emergency_contact_name",
            "emergency_contact_phone",
        )
        import_id_fields = ("employee_number",)
        name = "Employees"

    _NUMBER = re.compile(rf"^{re.escape(Employee.NUMBER_PREFIX)}([0-9]+)$")

    def before_import(self, dataset, **kwargs):
        super().before_import(dataset, **kwargs)
        self._last_number = None
        # Work e-mails are unique per tenant: {e-mail: (pk, number)} of the file's e-mails, so a
        # taken one is a row error on its column rather than a database error at save.
        self._email_owner, self._email_of = {}, {}
        if "work_email" in (dataset.headers or ()):
            emails = sorted({as_text(v).lower() for v in dataset["work_email"]} - {""})
            for chunk in chunked(emails):
                for email, pk, number in Employee.objects.filter(work_email__in=chunk).values_list(
                    "work_email", "pk", "employee_number"
                ):
                    self._email_owner[email], self._email_of[pk] = (pk, number), email

    def check_instance(self, instance):
        owner = self._email_owner.get(instance.work_email)
        if owner is not None and owner[0] != instance.pk:
            return {
                "work_email": [f"{instance.work_email} is already the work e-mail of employee {owner[1]}."]
            }
        return {}

    def before_save_instance(self, instance, row, **kwargs):
        super().before_save_instance(instance, row, **kwargs)
        if not instance.employee_number:
            instance.employee_number = self._next_number()

    def _next_number(self) -> str:
        """Numbers for blank cells: after the highest generated number in the database and in the
        file (one query per import, where Employee.save() would run one per row)."""
        if self._last_number is None:
            in_file = [int(m.group(1)) for (key,) in self._first_row_of if (m := self._NUMBER.match(key))]
            in_db = int(Employee.next_free_number()[len(Employee.NUMBER_PREFIX) :]) - 1
            self._last_number = max([in_db, *in_file])
        self._last_number += 1
        return f"{Employee.NUMBER_PREFIX}{self._last_number:05d}"

    def after_save_instance(self, instance, row, **kwargs):
        super().after_save_instance(instance, row, **kwargs)
        if instance.pk is not None:
            previous = self._email_of.pop(instance.pk, None)
            if previous is not None and self._email_owner.get(previous, (None,))[0] == instance.pk:
                del self._email_owner[previous]
            self._email_owner[instance.work_email] = (instance.pk, instance.employee_number)
            self._email_of[instance.pk] = instance.work_email


class HolidayResource(HRResource):
    """The holiday calendar as `date, name` rows; a known date renames that holiday."""

    date = column("date", IsoDateWidget())
    name = column("name")

    class Meta(HRResource.Meta):
        model = Holiday
        fields = ("date", "name")
        import_id_fields = ("date",)
        name = "Holidays"


class OpeningBalanceResource(HRResource):
    """Opening balances as `employee, time_off_type, days, effective_date, note` rows.

    Each row is a ledger entry of kind opening_balance (the kind never comes from the file). The
    import is idempotent on (employee, type, effective date): a row identical to a stored opening
    balance is skipped, so re-importing a file doubles nothing. A row that changes a stored amount
    is refused, because ledger entries are never edited: the difference is a manual adjustment.
    """

    employee = column(
        "employee",
        KeyedLookupWidget(
            Employee,
            "employee_number",
            required=True,
            missing="no employee with number {key!r} in this company.",
        ),
    )
    time_off_type = column(
        "time_off_type",
        KeyedLookupWidget(
            TimeOffType,
            "name",
            required=True,
            missing="no time-off type named {key!r} in this company; add it under time-off types first.",
        ),
    )
    days = fields.Field(attribute="amount", column_name="days", widget=DaysWidget())
    effective_date = column("effective_date", IsoDateWidget())
    note = column("note")

    class Meta(HRResource.Meta):
        model = TimeOffLedgerEntry
        fields = ("employee", "time_off_type", "days", "effective_date", "note")
        import_id_fields = ("employee", "time_off_type", "effective_date")
        name = "Opening balances"

    def get_queryset(self):
        return super().get_queryset().filter(kind=LedgerEntryKind.OPENING_BALANCE)

    def init_instance(self, row=None):
        return TimeOffLedgerEntry(kind=LedgerEntryKind.OPENING_BALANCE)

    def import_instance(self, instance, row, **kwargs):
        stored = instance.amount if instance.pk else None
        super().import_instance(instance, row, **kwargs)
        if stored is not None and instance.amount is not None and instance.amount != stored:
            raise ValidationError(
                {
                    "amount": (
                        f"{instance.employee.employee_number} already has an opening balance of "
                        f"{stored.normalize():f} {instance.time_off_type.name} days on "
                        f"{instance.effective_date:%Y-%m-%d}, and ledger entries are never edited; "
                        f"record the difference ({instance.amount - stored:+f}) as a manual adjustment."
                    )
                }
            )

    def before_save_instance(self, instance, row, **kwargs):
        super().before_save_instance(instance, row, **kwargs)
        instance.kind = LedgerEntryKind.OPENING_BALANCE
