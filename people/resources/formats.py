"""The file formats of every admin's import and export: CSV and XLSX whose exports never run a formula.

django-import-export's own escaping (IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT) only drops a leading
"=": "=1+1" loses its "=" and "+49 30 1234567" or "@handle" stay formulas for a spreadsheet. Here:
- CSV: text that starts like a formula (=, +, -, @, tab, CR: `people.reports.FORMULA_TRIGGERS`)
  gets a leading apostrophe, the usual CSV-injection defence; our imports drop it again
  (`people.resources.hr_base.as_text`), so an export imports back unchanged.
- XLSX: written by the kernel's own writer (`people.exporting.write_xlsx`): such text is a text
  cell with Excel's quote prefix, which shows exactly as written and never runs.
"""

from io import BytesIO

from import_export.formats.base_formats import CSV, XLSX

from people.exporting import write_xlsx
from people.reports import FORMULA_TRIGGERS


def quote_formula(value):
    """`value` with an apostrophe before it if it is text a spreadsheet would run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


class SafeCSV(CSV):
    def _escape_formulae(self, dataset):
        for index, row in enumerate(dataset):
            dataset[index] = [quote_formula(cell) for cell in row]


class SafeXLSX(XLSX):
    def export_data(self, dataset, **kwargs):
        title = dataset.title or "Export"
        return write_xlsx(dataset, dataset.headers or [], sheet_title=title, output=BytesIO()).getvalue()
