"""Admins of the people app, one module per area; importing this package registers them all.

accounts: tenants, users and memberships; organisation: departments and employees;
timeoff: holidays, time-off types, the ledger and requests; imports: background import jobs.
"""

from people.admin import accounts, imports, organisation, timeoff

__all__ = ["accounts", "imports", "organisation", "timeoff"]
