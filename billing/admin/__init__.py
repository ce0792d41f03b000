"""Admins of billing; importing this package registers them all.

settings: the tenant's billing settings; customers: customers and plans (imported and exported);
subscriptions: started through the service, then cancel / resume steps; invoices (+ invoice_lines,
invoice_steps): drafts with their lines inline, issue / mark paid / write off / void, the printable
invoice; payments: payments (retry, refund); refunds: refund requests (approve, reject); escrow: the
append-only escrow ledger and the contract escrow steps; events: gateway events (replay) and the
invoice numbering; reports: financial reports (download, generate now). The step machinery is the
kernel's (people.admin_workflow); common: what these admins share.
"""

from billing.admin import (
    customers,
    escrow,
    events,
    invoices,
    payments,
    refunds,
    reports,
    settings,
    subscriptions,
)

__all__ = [
    "customers",
    "escrow",
    "events",
    "invoices",
    "payments",
    "refunds",
    "reports",
    "settings",
    "subscriptions",
]
