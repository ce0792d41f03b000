"""Dashboard widgets of billing (collected through people.registry, see config/dashboard.py).

For the roles that run billing (finance and owners: billing.change_invoice; viewers see the
billing lists, not these cards):
- KPI cards: monthly recurring revenue, net revenue this month, failed payments this month, open
  invoices and the overdue amount, money held in escrow;
- a revenue-per-month chart over the last twelve months, one series per currency.
Figures come from billing.selectors (aggregates in SQL, per currency, never added across
currencies): six queries in all whatever the data size (this month's revenue is the chart's last
month, read once per request). "This month" is the tenant's, in its time zone. The dashboard
caches the whole widget set briefly (config/dashboard.py).
"""

from __future__ import annotations

from datetime import date

from billing import selectors
from billing.models import PaymentStatus
from billing.money import display

PERMISSION = "billing.change_invoice"
MONTHS = 12


def _runs_billing(request) -> bool:
    return request.user.has_perm(PERMISSION)


def _amounts(by_currency: dict, fallback_currency: str) -> str:
    """'€1,200.00 · $300.00'; zero in the tenant's currency when there is nothing."""
    shown = [display(amount, currency) for currency, amount in sorted(by_currency.items()) if amount]
    return " · ".join(shown) or display(0, fallback_currency)


def _months_back(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


def _months(request) -> tuple[list[date], dict[tuple[date, str], object]]:
    """The last twelve months (first days, oldest first) and net revenue per (month, currency):
    two queries, made once per request for the revenue card and the chart."""
    if not hasattr(request, "_billing_months"):
        today = selectors.tenant_today()
        months = [_months_back(today, back) for back in range(MONTHS - 1, -1, -1)]
        rows = selectors.revenue_by_month(start=months[0], end=today)
        request._billing_months = months, {(month, currency): amount for month, currency, amount in rows}
    return request._billing_months


def billing_kpis(request):
    """MRR, revenue this month, failed payments, open and overdue invoices, escrow: four queries
    and the months' revenue (two, shared with the chart)."""
    if not _runs_billing(request):
        return None
    home = request.tenant.default_currency
    today = selectors.tenant_today()
    month = {"start": today.replace(day=1), "end": today}
    mrr = selectors.monthly_recurring_revenue()
    months, revenue = _months(request)
    this_month = {currency: amount for (first, currency), amount in revenue.items() if first == months[-1]}
    failed = [row for row in selectors.payments_by_status(**month) if row.status == PaymentStatus.FAILED]
    invoices = selectors.open_invoices(as_of=today)
    held = selectors.escrow_held()
    return [
        {
            "kind": "kpi",
            "title": "Monthly recurring revenue",
            "value": _amounts({row.currency: row.mrr for row in mrr}, home),
            "footer": f"{sum(row.subscriptions for row in mrr)} paying subscriptions (yearly plans as 1/12)",
        },
        {
            "kind": "kpi",
            "title": "Revenue this month",
            "value": _amounts(this_month, home),
            "footer": f"collected minus refunds since {month['start']:%d %B}",
        },
        {
            "kind": "kpi",
            "title": "Failed payments",
            "value": sum(row.count for row in failed),
            "footer": f"this month: {_amounts({row.currency: row.amount for row in failed}, home)}",
        },
        {
            "kind": "kpi",
            "title": "Open invoices",
            "value": sum(row.count for row in invoices),
            "footer": f"{_amounts({row.currency: row.amount_due for row in invoices}, home)} due",
        },
        {
            "kind": "kpi",
            "title": "Overdue",
            "value": _amounts({row.currency: row.overdue_amount for row in invoices}, home),
            "footer": f"{sum(row.overdue_count for row in invoices)} invoices past their due date",
        },
        {
            "kind": "kpi",
            "title": "Held in escrow",
            "value": _amounts(held, home),
            "footer": "funded contracts not yet released or refunded",
        },
    ]


def revenue_per_month_chart(request):
    """Net revenue per month (collected minus refunds), last twelve months: two queries."""
    if not _runs_billing(request):
        return None
    months, amounts = _months(request)
    currencies = sorted({currency for _month, currency in amounts}) or [request.tenant.default_currency]
    return {
        "kind": "chart",
        "chart": "bar",
        "title": "Revenue per month",
        "data": {
            "labels": [f"{month:%b %Y}" for month in months],
            "datasets": [
                {"label": currency, "data": [float(amounts.get((month, currency), 0)) for month in months]}
                for currency in currencies
            ],
        },
    }


WIDGETS = [billing_kpis, revenue_per_month_chart]
