"""The daily financial report: one day's revenue, payments by status, refunds, escrow held and
released, and the failed payments, as an Excel workbook.

A fixed number of queries whatever the data size, all grouped aggregates except the failed
payments (the rows finance acts on that day), streamed with `values_list().iterator()`. A day's
payments, refunds and escrow entries are summed, not listed: their changelists (and exports) and
a contract's escrow page list them one by one.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from openpyxl import Workbook

from billing import selectors
from billing.models import EscrowKind, Gateway, PaymentStatus
from billing.reports.sheets import ReportSheet, amount, count, moment, text

STATUS_LABELS = {value: str(label) for value, label in PaymentStatus.choices}
GATEWAY_LABELS = {value: str(label) for value, label in Gateway.choices}
ESCROW_LABELS = {value: str(label) for value, label in EscrowKind.choices}


def purpose(for_invoices: bool) -> str:
    return "Invoices" if for_invoices else "Contract funding"


def build_daily_report(path: Path, *, day_of: date) -> dict[str, int]:
    """Write the report of `day_of` (tenant time) to `path`; returns the data rows per sheet."""
    zone = selectors.tenant_zone()
    period = {"start": day_of, "end": day_of}
    workbook = Workbook(write_only=True)
    sheets = [
        _summary(workbook, zone, period),
        _payments(workbook, zone, period),
        _refunds(workbook, zone, period),
        _escrow(workbook, zone, period),
        _failed(workbook, zone, period),
    ]
    workbook.save(path)
    return {sheet.title: sheet.rows for sheet in sheets}


def _summary(workbook, zone, period) -> ReportSheet:
    sheet = ReportSheet(
        workbook,
        "Summary",
        [text("Currency", 12), amount("Collected"), amount("Refunded"), amount("Net revenue"),
         count("Payments"), count("Refunds")],
        zone=zone,
    )  # fmt: skip
    for row in selectors.revenue(**period):
        sheet.append(row)
    sheet.section(
        "Payments by status", [text("Status", 20), text("Currency", 12), count("Payments"), amount("Amount")]
    )
    for row in selectors.payments_by_status(**period):
        sheet.append([STATUS_LABELS.get(row.status, row.status), row.currency, row.count, row.amount])
    sheet.section("Refunds (succeeded)", [text("Currency", 20), count("Refunds"), amount("Amount")])
    for row in selectors.refunds_in_period(**period):
        sheet.append(row)
    sheet.section(
        "Escrow",
        [
            text("Currency", 20),
            amount("Held"),
            amount("Released"),
            amount("Refunded"),
            amount("Balance at day end"),
        ],
    )
    for row in selectors.escrow_in_period(**period):
        sheet.append(row)
    sheet.note(f"Day {period['start']:%Y-%m-%d}, times in {zone.key}. Collected: payments received that day "
               "(refunded since or not); net revenue = collected - refunds that succeeded that day.")  # fmt: skip
    return sheet


def _payments(workbook, zone, period) -> ReportSheet:
    # Each status split by purpose, gateway and currency.
    sheet = ReportSheet(
        workbook,
        "Payments by status",
        [text("Status", 18), text("For", 16), text("Gateway", 22), text("Currency", 9), count("Payments"),
         amount("Amount"), amount("Refunded"), count("Attempts"), moment("First"), moment("Last")],
        zone=zone,
    )  # fmt: skip
    for row in selectors.payment_breakdown(**period):
        sheet.append([
            STATUS_LABELS.get(row.status, row.status), purpose(row.for_invoices),
            GATEWAY_LABELS.get(row.gateway, row.gateway), row.currency, row.count, row.amount, row.refunded,
            row.attempts, row.first_at, row.last_at,
        ])  # fmt: skip
    return sheet


def _refunds(workbook, zone, period) -> ReportSheet:
    sheet = ReportSheet(
        workbook,
        "Refunds",
        [text("Currency", 9), text("For", 16), text("Gateway", 22), count("Refunds"), amount("Amount"),
         moment("First"), moment("Last")],
        zone=zone,
    )  # fmt: skip
    for row in selectors.refund_breakdown(**period):
        sheet.append([
            row.currency, purpose(row.for_invoices), GATEWAY_LABELS.get(row.gateway, row.gateway), row.count,
            row.amount, row.first_at, row.last_at,
        ])  # fmt: skip
    return sheet


def _escrow(workbook, zone, period) -> ReportSheet:
    sheet = ReportSheet(
        workbook,
        "Escrow",
        [text("Entry", 26), text("Currency", 9), count("Entries"), count("Contracts"), amount("Amount")],
        zone=zone,
    )  # fmt: skip
    for row in selectors.escrow_breakdown(**period):
        sheet.append(
            [ESCROW_LABELS.get(row.kind, row.kind), row.currency, row.entries, row.contracts, row.amount]
        )
    return sheet


def _failed(workbook, zone, period) -> ReportSheet:
    sheet = ReportSheet(
        workbook,
        "Failed payments",
        [moment("Failed at"), amount("Amount"), text("Currency", 9), text("Customer", 28), text("Invoice", 18),
         text("Contract", 28), text("Gateway", 10), count("Attempts"), text("Failure code", 18),
         text("Failure message", 40), moment("Next retry")],
        zone=zone,
    )  # fmt: skip
    for row in selectors.failed_payment_rows(**period):
        sheet.append(row)
    return sheet
