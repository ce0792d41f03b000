"""Write-only sheets of the financial reports: typed columns, a frozen bold header row, widths.

openpyxl's write-only mode keeps only the row being written, so a sheet of any length costs the
same memory. Column styles must be set before the first row, hence the columns up front. Text that
a spreadsheet would run as a formula is written as text (people.reports.safe_cell).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from people.reports import safe_cell

MONEY_FORMAT = "#,##0.00"
COUNT_FORMAT = "#,##0"
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
BOLD = Font(bold=True)


@dataclass(frozen=True)
class Column:
    header: str
    width: int = 14
    number_format: str | None = None  # None: text or whatever the value is


def text(header: str, width: int = 20) -> Column:
    return Column(header, width)


def amount(header: str, width: int = 14) -> Column:
    return Column(header, width, MONEY_FORMAT)


def count(header: str, width: int = 10) -> Column:
    return Column(header, width, COUNT_FORMAT)


def day(header: str, width: int = 12) -> Column:
    return Column(header, width, DATE_FORMAT)


def moment(header: str, width: int = 17) -> Column:
    return Column(header, width, DATETIME_FORMAT)


class ReportSheet:
    """A write-only sheet whose first row is the frozen header of `columns`.

    `append()` writes a data row (counted in `rows`); `section()` starts another block with its
    own title and header on the same sheet (the Summary sheets), whose rows then take its formats.
    """

    def __init__(self, workbook, title: str, columns: list[Column], *, zone: ZoneInfo):
        self.sheet = workbook.create_sheet(title)
        self.title, self.zone, self.rows = title, zone, 0
        for index, column in enumerate(columns, start=1):
            self.sheet.column_dimensions[get_column_letter(index)].width = column.width
        self.sheet.freeze_panes = "A2"
        self._header(columns)

    def _header(self, columns: list[Column]) -> None:
        self.columns = columns
        self.sheet.append([self.bold(column.header) for column in columns])

    def bold(self, value):
        cell = WriteOnlyCell(self.sheet, value=value)
        cell.font = BOLD
        return cell

    def section(self, title: str, columns: list[Column]) -> None:
        self.sheet.append([])
        self.sheet.append([self.bold(title)])
        self._header(columns)

    def note(self, value: str) -> None:
        self.sheet.append([safe_cell(self.sheet, value)])

    def append(self, values) -> None:
        self.sheet.append(
            [self._cell(value, column) for value, column in zip(values, self.columns, strict=True)]
        )
        self.rows += 1

    def _cell(self, value, column: Column):
        if value is None or column.number_format is None:
            return safe_cell(self.sheet, self._naive(value))
        cell = WriteOnlyCell(self.sheet, value=self._naive(value))
        cell.number_format = column.number_format
        return cell

    def _naive(self, value):
        # Excel has no time zones: an aware moment is written as the tenant's wall-clock time.
        if isinstance(value, datetime) and value.tzinfo is not None:
            return value.astimezone(self.zone).replace(tzinfo=None)
        return value
