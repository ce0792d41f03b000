"""Admins of the people app, one module per area; importing this package registers them all.

accounts: tenants, users and memberships; organisation: departments and employees;
timeoff: holidays, time-off types, the ledger and requests; imports: background import jobs;
metrics: the daily metric snapshots.
"""

from people.admin import accounts, imports, metrics, organisation, timeoff

__all__ = ["accounts", "imports", "metrics", "organisation", "timeoff"]
