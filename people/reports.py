"""Excel reports of the people app: headcount and time-off usage.

Each report runs a fixed number of queries, whatever the number of employees: grouped aggregates
for the figures and `values_list(...).iterator()` for the listings, streamed row by row into an
openpyxl write-only workbook (which keeps only the current row in memory, not a grid of cells).
Text that a spreadsheet would run as a formula is written as text (`safe_cell`).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from io import BytesIO

from django.db.models import Count, Q, Sum
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from people.models import Department, Employee, LedgerEntryKind, TimeOffLedgerEntry

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NO_DEPARTMENT = "No department"
ITERATOR_CHUNK = 2000

# A cell starting with one of these is a formula to Excel or LibreOffice (and tab / carriage
# return hide one), so a name such as "=HYPERLINK(...)" or "+49 30 1234" must be stored as text.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
BOLD = Font(bold=True)


@dataclass(frozen=True)
class Report:
    content: bytes
    rows: int  # data rows written, over all sheets (totals and headings not counted)


def safe_cell(sheet, value):
    """`value` as a spreadsheet will show it, never run it.

    Text that starts like a formula is written as a text cell with Excel's quote prefix (what
    typing an apostrophe first does): it shows exactly as written and stays text when edited.
    Control characters XLSX cannot hold are dropped. Other values pass through unchanged.
    """
    if not isinstance(value, str):
        return value
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    if not value.startswith(FORMULA_TRIGGERS):
        return value
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"  # openpyxl makes "=..." a formula; this makes it text again
    cell.quotePrefix = True
    return cell


class _Sheet:
    """A write-only sheet: a title line, a bold header row, then rows of escaped cells."""

    def __init__(self, workbook, title: str, heading: str, columns: list[tuple[str, int]]):
        self.sheet = workbook.create_sheet(title)
        for index, (_name, width) in enumerate(columns):
            self.sheet.column_dimensions[get_column_letter(index + 1)].width = width
        self.sheet.freeze_panes = "A3"
        self.sheet.append([self._bold(heading)])
        self.sheet.append([self._bold(name) for name, _width in columns])
        self.rows = 0

    def _bold(self, value):
        cell = WriteOnlyCell(self.sheet, value=value)
        cell.font = BOLD
        return cell

    def append(self, values, *, total=False):
        if total:
            self.sheet.append([self._bold(value) for value in values])
        else:
            self.sheet.append([safe_cell(self.sheet, value) for value in values])
            self.rows += 1


def _save(workbook) -> bytes:
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _person(first_name, last_name, number=None) -> str:
    name = f"{first_name or ''} {last_name or ''}".strip()
    return f"{name} ({number})" if number else name


# --- headcount ----------------------------------------------------------------------------------
def employed_on(day: date) -> Q:
    """Employees on the payroll on `day`: hired on or before it, and not past their last day (the
    termination date). Active and on-leave employees count; future hires and leavers do not."""
    return Q(hire_date__lte=day) & (Q(termination_date__isnull=True) | Q(termination_date__gte=day))


def build_headcount_report(as_of: date) -> Report:
    """Sheet "Headcount": per department (and "No department") the headcount on `as_of`, and the
    joiners (hire date) and leavers (termination date) in the calendar month of `as_of`, then a
    totals row. Sheet "Employees": everyone in the headcount. Three queries."""
    month_start = as_of.replace(day=1)
    month_end = as_of.replace(day=calendar.monthrange(as_of.year, as_of.month)[1])
    counts = {
        department_id: (headcount, joiners, leavers)
        for department_id, headcount, joiners, leavers in Employee.objects.order_by()
        .values_list("department_id")
        .annotate(
            headcount=Count("pk", filter=employed_on(as_of)),
            joiners=Count("pk", filter=Q(hire_date__range=(month_start, month_end))),
            leavers=Count("pk", filter=Q(termination_date__range=(month_start, month_end))),
        )
    }

    workbook = Workbook(write_only=True)
    summary = _Sheet(
        workbook,
        "Headcount",
        f"Headcount on {as_of:%Y-%m-%d}; joiners and leavers in {as_of:%B %Y}",
        [
            ("Department", 32),
            ("Parent department", 28),
            ("Cost center", 14),
            ("Headcount", 12),
            ("Joiners", 10),
            ("Leavers", 10),
        ],
    )
    totals = [0, 0, 0]
    departments = Department.objects.order_by("name", "pk").values_list(
        "pk", "name", "parent__name", "cost_center"
    )
    for department_id, name, parent, cost_center in departments.iterator(chunk_size=ITERATOR_CHUNK):
        figures = counts.get(department_id, (0, 0, 0))
        summary.append([name, parent or "", cost_center, *figures])
        totals = [a + b for a, b in zip(totals, figures, strict=True)]
    figures = counts.get(None, (0, 0, 0))
    summary.append([NO_DEPARTMENT, "", "", *figures])
    totals = [a + b for a, b in zip(totals, figures, strict=True)]
    summary.append(["Total", "", "", *totals], total=True)

    listing = _Sheet(
        workbook,
        "Employees",
        f"Employees on {as_of:%Y-%m-%d} (active and on leave)",
        [
            ("Employee number", 16),
            ("Name", 28),
            ("Job title", 28),
            ("Department", 28),
            ("Manager", 34),
            ("Hire date", 12),
            ("Status", 12),
        ],
    )
    employees = (
        Employee.objects.filter(employed_on(as_of))
        .order_by("last_name", "first_name", "employee_number")
        .values_list(
            "employee_number",
            "first_name",
            "last_name",
            "job_title",
            "department__name",
            "manager__first_name",
            "manager__last_name",
            "manager__employee_number",
            "hire_date",
            "status",
        )
    )
    for (
        number,
        first,
        last,
        title,
        department,
        m_first,
        m_last,
        m_number,
        hired,
        status,
    ) in employees.iterator(chunk_size=ITERATOR_CHUNK):
        manager = _person(m_first, m_last, m_number) if m_number or m_last else ""
        listing.append(
            [number, _person(first, last), title, department or NO_DEPARTMENT, manager, hired, status]
        )
    return Report(content=_save(workbook), rows=summary.rows + listing.rows)


def headcount_report(as_of: date) -> bytes:
    return build_headcount_report(as_of).content


# --- time-off usage -----------------------------------------------------------------------------
GRANTED_KINDS = (
    LedgerEntryKind.OPENING_BALANCE,
    LedgerEntryKind.ALLOCATION,
    LedgerEntryKind.ACCRUAL,
    LedgerEntryKind.CARRY_OVER,
)
USED_KINDS = (LedgerEntryKind.DEDUCTION, LedgerEntryKind.REVERSAL)
ZERO = Decimal("0")

USAGE_COLUMNS = [
    ("Employee number", 16),
    ("Employee", 28),
    ("Department", 24),
    ("Time-off type", 22),
    ("Brought forward", 16),
    ("Allocated / accrued", 19),
    ("Adjustments", 13),
    ("Used", 10),
    ("Expired", 10),
    ("Balance on 31 Dec", 18),
]


def build_time_off_usage_report(year: int) -> Report:
    """One row per employee and time-off type with ledger entries up to the end of `year`, in
    days: brought forward (balance before 1 January), allocated / accrued (opening balances,
    allocations, accruals and carry-over dated in the year), manual adjustments (either sign),
    used (approved requests minus cancelled ones), expired (year-end expiry) and the balance on
    31 December. Brought forward + allocated + adjustments - used - expired = balance.

    One grouped query over the ledger, whatever the number of employees.
    """
    first_day, last_day = date(year, 1, 1), date(year, 12, 31)
    in_year = Q(effective_date__gte=first_day)
    rows = (
        TimeOffLedgerEntry.objects.filter(effective_date__lte=last_day)
        .values_list(
            "employee_id",
            "time_off_type_id",
            "employee__employee_number",
            "employee__first_name",
            "employee__last_name",
            "employee__department__name",
            "time_off_type__name",
        )
        .annotate(
            brought_forward=Sum("amount", filter=Q(effective_date__lt=first_day), default=ZERO),
            granted=Sum("amount", filter=in_year & Q(kind__in=GRANTED_KINDS), default=ZERO),
            adjusted=Sum("amount", filter=in_year & Q(kind=LedgerEntryKind.ADJUSTMENT), default=ZERO),
            used=Sum("amount", filter=in_year & Q(kind__in=USED_KINDS), default=ZERO),
            expired=Sum("amount", filter=in_year & Q(kind=LedgerEntryKind.EXPIRY), default=ZERO),
            balance=Sum("amount", default=ZERO),
            entries_in_year=Count("pk", filter=in_year),
        )
        # Leave out people with nothing left and nothing happening this year (long gone).
        .filter(Q(entries_in_year__gt=0) | ~Q(balance=0))
        .order_by(
            "employee__last_name", "employee__first_name", "employee__employee_number", "time_off_type__name"
        )
    )
    workbook = Workbook(write_only=True)
    sheet = _Sheet(workbook, "Time-off usage", f"Time-off usage {year} (days)", USAGE_COLUMNS)
    for (
        _employee_id,
        _type_id,
        number,
        first,
        last,
        department,
        type_name,
        brought_forward,
        granted,
        adjusted,
        used,
        expired,
        balance,
        _entries,
    ) in rows.iterator(chunk_size=ITERATOR_CHUNK):
        sheet.append(
            [
                number,
                _person(first, last),
                department or NO_DEPARTMENT,
                type_name,
                brought_forward,
                granted,
                adjusted,
                -used + ZERO,  # "+ ZERO" turns -0 into 0
                -expired + ZERO,
                balance,
            ]
        )
    return Report(content=_save(workbook), rows=sheet.rows)


def time_off_usage_report(year: int) -> bytes:
    return build_time_off_usage_report(year).content
