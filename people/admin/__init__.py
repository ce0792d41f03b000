"""Admins of the people app, one module per area; importing this package registers them all.

accounts: tenants, users and memberships; organisation: departments and employees;
timeoff: holidays, time-off types, the ledger and requests.
"""

from people.admin import accounts, organisation, timeoff

__all__ = ["accounts", "organisation", "timeoff"]
