"""Large XLSX exports of any app: openpyxl write-only workbooks fed from `values_list().iterator()`.

Memory stays flat whatever the row count: the database rows arrive in chunks (a server-side cursor
on PostgreSQL), openpyxl's write-only mode keeps only the current row (it streams the sheet to a
temporary file), and the finished workbook goes to a spooled temporary file (in memory while
small, on disk past `SPOOL_MAX_BYTES`) that `FileResponse` then reads back in blocks.

Text that a spreadsheet would run as a formula (=, +, -, @ ...) is written as text
(`people.reports.safe_cell`); dates, datetimes, numbers and decimals stay native cells. Every
export writes the same audit line as the admin's import-export exports (who, what, how many rows;
the log line's time is the when).
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import IO, Any

from django.http import FileResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from people.reports import BOLD, ITERATOR_CHUNK, XLSX_CONTENT_TYPE, safe_cell

audit_log = logging.getLogger("audit")

SPOOL_MAX_BYTES = 8 * 1024 * 1024
SHEET_TITLE_MAX = 31  # Excel's limit

# (header, lookup) or (header, lookup, convert): `lookup` is a values_list() path such as
# "candidate__email"; `convert(value)` turns the database value into the cell's (e.g. a choice's
# label, a number of days). Several columns may read the same lookup (it is fetched once).
Column = tuple[str, str] | tuple[str, str, Callable[[Any], Any]]


def excel_value(value):
    """A database value as openpyxl can store it: Excel has no time zones, so an aware datetime
    becomes the naive local time (what the admin shows); everything else passes through."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return timezone.localtime(value).replace(tzinfo=None)
    return value


def write_xlsx(
    rows: Iterable[Sequence],
    headers: Sequence[str],
    *,
    sheet_title: str,
    output: IO[bytes] | None = None,
) -> IO[bytes]:
    """Write `headers` (bold) then `rows` into a one-sheet workbook; returns the file, rewound.

    `output` is any writable binary file; by default a SpooledTemporaryFile. Text cells that start
    like a formula are escaped; aware datetimes are written in local time (`excel_value`).
    """
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=sheet_title[:SHEET_TITLE_MAX])
    header_cells = []
    for header in headers:
        cell = WriteOnlyCell(sheet, value=str(header))
        cell.font = BOLD
        header_cells.append(cell)
    sheet.append(header_cells)
    append = sheet.append
    for row in rows:
        append([safe_cell(sheet, excel_value(value)) for value in row])
    if output is None:
        output = tempfile.SpooledTemporaryFile(max_size=SPOOL_MAX_BYTES)  # noqa: SIM115 (returned)
    workbook.save(output)  # write-only workbooks can be saved once; this closes the workbook
    output.seek(0)
    return output


def queryset_rows(queryset, columns: Sequence[Column], *, chunk_size: int = ITERATOR_CHUNK):
    """The rows of `columns` from `queryset`, one `values_list(...).iterator()` query."""
    lookups = list(dict.fromkeys(column[1] for column in columns))  # unique, in order
    getters = []
    for column in columns:
        index = lookups.index(column[1])
        convert = column[2] if len(column) > 2 else None
        getters.append((index, convert))
    plain = all(convert is None for _, convert in getters) and len(lookups) == len(columns)
    values = queryset.values_list(*lookups).iterator(chunk_size=chunk_size)
    if plain:
        return values
    return (
        [raw[index] if convert is None else convert(raw[index]) for index, convert in getters]
        for raw in values
    )


class _Counted:
    """Counts the rows an iterable yields (for the audit line)."""

    def __init__(self, iterable):
        self.iterable, self.count = iterable, 0

    def __iter__(self):
        for item in self.iterable:
            self.count += 1
            yield item


def xlsx_export_response(
    queryset,
    columns: Sequence[Column],
    *,
    filename: str,
    request,
    sheet_title: str | None = None,
) -> FileResponse:
    """An attachment response with `columns` of every row of `queryset`, audit-logged.

    The caller passes the queryset the user may see (an admin's scoped, filtered queryset); the
    workbook is complete before the response is returned, so the rows are read inside the request's
    tenant and the audit line tells the real row count.
    """
    rows = _Counted(queryset_rows(queryset, columns))
    output = write_xlsx(
        rows,
        [column[0] for column in columns],
        sheet_title=sheet_title or str(queryset.model._meta.verbose_name_plural).capitalize(),
    )
    audit_log.info(
        "admin export",
        extra={
            "user_id": request.user.pk,
            "tenant_id": getattr(getattr(request, "tenant", None), "pk", None),
            "model": queryset.model._meta.label,
            "rows": rows.count,
            "format": "xlsx",
        },
    )
    if not filename.endswith(".xlsx"):
        filename += ".xlsx"
    return FileResponse(output, as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE)
