"""The monthly revenue report: revenue per day by plan with a native Excel chart per currency,
and the accounts receivable aging at the month's end, as an Excel workbook.

A fixed number of queries and a bounded number of rows whatever the data size: the per-day,
per-plan figures and the aging come grouped from SQL, and only the most overdue invoices are
listed (writing cells, not SQL, is what grows with a listing: bench/billing_reports.py).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.utils import get_column_letter

from billing import selectors
from billing.reports.sheets import ReportSheet, amount, count, day, text
from people.tenancy import current_tenant

MAX_PLAN_COLUMNS = 12  # per currency; smaller plans are added up in "Other"
CHART_HEIGHT_ROWS = 20
MOST_OVERDUE = 200  # invoices listed on "Most overdue invoices"


def build_monthly_report(path: Path, *, month_start: date, month_end: date) -> dict[str, int]:
    """Write the report of the month `month_start`..`month_end` to `path`; rows per sheet."""
    zone = selectors.tenant_zone()
    period = {"start": month_start, "end": month_end}
    workbook = Workbook(write_only=True)
    sheets = [
        _summary(workbook, zone, period),
        _revenue_by_day(workbook, zone, period),
        _aging(workbook, zone, month_end),
        _most_overdue(workbook, zone, month_end),
    ]
    workbook.save(path)
    return {sheet.title: sheet.rows for sheet in sheets}


def _summary(workbook, zone, period) -> ReportSheet:
    sheet = ReportSheet(
        workbook,
        "Summary",
        [text("Currency", 12), amount("Collected", 16), amount("Refunded", 16), amount("Net revenue", 16),
         count("Payments"), count("Refunds")],
        zone=zone,
    )  # fmt: skip
    for row in selectors.revenue(**period):
        sheet.append(row)
    end = period["end"]
    sheet.section(
        f"Receivables on {end:%Y-%m-%d}",
        [text("Currency", 12), count("Open invoices", 16), amount("Amount due", 16), count("Overdue invoices", 16),
         amount("Overdue amount", 16)],
    )  # fmt: skip
    for row in selectors.open_invoices(as_of=end):
        sheet.append(row)
    sheet.note(f"{period['start']:%B %Y}, days in {zone.key}. Collected: payments received in the month; "
               "net revenue = collected - refunds that succeeded in the month.")  # fmt: skip
    return sheet


def _plan_columns(plan_days) -> dict[str, list[tuple[int | None, str]]]:
    """Per currency, the (plan id, header) columns: the biggest plans by name, then "Other"
    (smaller plans, invoices without a plan, contract payments)."""
    totals: dict[str, dict[int | None, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    names = {}
    for row in plan_days:
        totals[row.currency][row.plan_id] += row.amount
        names[row.plan_id] = row.plan
    columns = {}
    for currency in sorted(totals):
        plans = sorted(
            (p for p in totals[currency] if p is not None), key=lambda p: (-totals[currency][p], names[p])
        )
        shown = sorted(plans[:MAX_PLAN_COLUMNS], key=lambda p: names[p])  # same order every month
        columns[currency] = [(p, f"{names[p]} ({currency})") for p in shown]
        if len(shown) < len(totals[currency]):
            columns[currency].append((None, f"Other ({currency})"))
    return columns


def _revenue_by_day(workbook, zone, period) -> ReportSheet:
    plan_days = selectors.revenue_by_day_and_plan(**period)
    columns = _plan_columns(plan_days) or {current_tenant().default_currency: []}
    shown = {(currency, plan_id) for currency, plans in columns.items() for plan_id, _h in plans}
    grid: dict[tuple[date, str, int | None], Decimal] = defaultdict(Decimal)
    for row in plan_days:
        plan_id = row.plan_id if (row.currency, row.plan_id) in shown else None
        grid[row.day, row.currency, plan_id] += row.amount

    headers = [day("Day")]
    for currency, plans in columns.items():
        headers += [amount(header, max(14, len(header) + 2)) for _p, header in plans]
        headers.append(amount(f"Total {currency}", 14))
    sheet = ReportSheet(workbook, "Revenue by day", headers, zone=zone)
    days = (period["end"] - period["start"]).days + 1
    for offset in range(days):
        current = period["start"] + timedelta(days=offset)
        values = [current]
        for currency, plans in columns.items():
            amounts = [grid.get((current, currency, plan_id), Decimal("0.00")) for plan_id, _h in plans]
            values += [*amounts, sum(amounts, Decimal("0.00"))]
        sheet.append(values)
    _add_charts(sheet, columns, days)
    return sheet


def _add_charts(sheet: ReportSheet, columns, days: int) -> None:
    """One stacked bar chart per currency (plans as series, days as categories), beside the
    table; its data references the sheet's cells, so the chart follows edits in Excel."""
    categories = Reference(sheet.sheet, min_col=1, min_row=2, max_row=days + 1)
    first = 2
    last_column = 1 + sum(len(plans) + 1 for plans in columns.values())
    for index, (currency, plans) in enumerate(columns.items()):
        chart = BarChart()
        chart.type, chart.grouping, chart.overlap = "col", "stacked", 100
        chart.title = f"Revenue per day by plan ({currency})"
        chart.y_axis.title, chart.x_axis.title = currency, "Day"
        chart.y_axis.number_format, chart.x_axis.number_format = "#,##0", "d mmm"
        chart.x_axis.delete = chart.y_axis.delete = False  # openpyxl 3.1 hides both axes otherwise
        chart.width, chart.height = 24, 10
        # The plans' columns, or the total when no plan had revenue.
        series_to = first + max(len(plans), 1) - 1
        data = Reference(sheet.sheet, min_col=first, max_col=series_to, min_row=1, max_row=days + 1)
        chart.add_data(data, titles_from_data=True)
        chart.set_categories(categories)
        sheet.sheet.add_chart(chart, f"{get_column_letter(last_column + 2)}{1 + index * CHART_HEIGHT_ROWS}")
        first += len(plans) + 1


def _aging(workbook, zone, as_of: date) -> ReportSheet:
    buckets = selectors.AGING_BUCKETS
    sheet = ReportSheet(
        workbook, "Receivables aging", [text("Currency", 20), *(amount(b, 14) for b in buckets), amount("Total")],
        zone=zone,
    )  # fmt: skip
    aging = selectors.receivables_aging(as_of=as_of)
    for row in aging:
        sheet.append([row.currency, *row.buckets, row.total])
    sheet.section("Open invoices", [text("Currency", 20), *(count(b, 14) for b in buckets), count("Total")])
    for row in aging:
        sheet.append([row.currency, *row.invoices, sum(row.invoices)])
    sheet.note(
        f"Invoices issued by {as_of:%Y-%m-%d} and still open when this report was generated "
        f"({datetime.now(zone):%Y-%m-%d %H:%M}), by days past their due date on {as_of:%Y-%m-%d}: "
        "money received since is not due any more. The "
        f"{MOST_OVERDUE} longest past due are listed on the next sheet."
    )
    return sheet


def bucket_of(days_past_due: int | None) -> str:
    labels = selectors.AGING_BUCKETS
    if days_past_due is None or days_past_due <= 0:
        return labels[0]
    return labels[min(4, (days_past_due - 1) // 30 + 1)]


def _most_overdue(workbook, zone, as_of: date) -> ReportSheet:
    """The invoices longest past due, for collections: bounded, so the report's time stays in
    SQL whatever the backlog (every open invoice is in the console's invoice list)."""
    sheet = ReportSheet(
        workbook,
        "Most overdue invoices",
        [text("Invoice", 18), text("Customer", 30), day("Issued"), day("Due"), count("Days past due", 13),
         text("Bucket", 14), amount("Total"), amount("Amount due"), text("Currency", 9)],
        zone=zone,
    )  # fmt: skip
    rows = selectors.open_invoice_rows(as_of=as_of, overdue_only=True, limit=MOST_OVERDUE)
    for number, customer, issued, due, total, due_amount, currency in rows:
        late = (as_of - due).days
        sheet.append([number, customer, issued, due, late, bucket_of(late), total, due_amount, currency])
    return sheet
