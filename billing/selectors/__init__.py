"""Reads of billing that reports and dashboards share: figures aggregated in SQL, listings streamed.

Periods are whole days `start`..`end` (both included) in the active tenant's time zone
(`Tenant.timezone`): a payment at 23:30 UTC belongs to the next day in Berlin. Which moment
counts for a payment depends on what happened to it:
- collected (succeeded, refunded, partially refunded: the money arrived once) on `succeeded_at`;
- failed on its last attempt (`last_attempt_at`, else `created_at`);
- pending on `created_at`.
A refund counts when it succeeded (`processed_at`); an escrow entry when it was written.
Revenue counts payments of invoices only: a contract's funding is client money held in escrow.
Amounts are per currency and never added across currencies. Sums are rounded to the currency's
minor unit here because SQLite sums decimals as floats.

One module per area (periods, payments, escrow, receivables); everything is importable from
here: `from billing import selectors; selectors.revenue(start=..., end=...)`.
"""

from billing.selectors.escrow import EscrowGroup, EscrowTotal, escrow_breakdown, escrow_held, escrow_in_period
from billing.selectors.payments import (
    FAILED_COLUMNS,
    PaymentGroup,
    PlanDay,
    RefundGroup,
    RefundTotal,
    Revenue,
    StatusTotal,
    failed_payment_rows,
    payment_breakdown,
    payments_by_status,
    refund_breakdown,
    refunds_in_period,
    revenue,
    revenue_by_day_and_plan,
    revenue_by_month,
)
from billing.selectors.periods import (
    PAYMENT_MOMENT,
    day_bounds,
    money,
    payments_in,
    tenant_today,
    tenant_zone,
)
from billing.selectors.receivables import (
    AGING_BUCKETS,
    OPEN_INVOICE_COLUMNS,
    Aging,
    OpenInvoices,
    Recurring,
    aging_filters,
    monthly_recurring_revenue,
    open_invoice_rows,
    open_invoices,
    receivables_aging,
)

__all__ = [
    "AGING_BUCKETS", "FAILED_COLUMNS", "OPEN_INVOICE_COLUMNS", "PAYMENT_MOMENT", "Aging", "EscrowGroup",
    "EscrowTotal", "OpenInvoices", "PaymentGroup", "PlanDay", "Recurring", "RefundGroup", "RefundTotal", "Revenue",
    "StatusTotal", "aging_filters", "day_bounds", "escrow_breakdown", "escrow_held", "escrow_in_period",
    "failed_payment_rows", "monthly_recurring_revenue", "money", "open_invoice_rows", "open_invoices",
    "payment_breakdown", "payments_by_status", "payments_in", "receivables_aging", "refund_breakdown",
    "refunds_in_period", "revenue", "revenue_by_day_and_plan", "revenue_by_month", "tenant_today", "tenant_zone",
]  # fmt: skip
