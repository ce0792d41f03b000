"""Writes of the people app. Admin actions, imports, tasks and tests call these functions.

members: tenants and memberships; employees: the organisation; timeoff: requests and the ledger.
"""

from people.services.members import (
    LastOwnerError,
    SetupResult,
    change_role,
    email_goes_to_console,
    ensure_role_change_allowed,
    ensure_tenant_with_member,
    generate_password,
    invite_member,
    normalize_email,
    remove_member,
    unique_slug,
)

__all__ = [
    "LastOwnerError",
    "SetupResult",
    "change_role",
    "email_goes_to_console",
    "ensure_role_change_allowed",
    "ensure_tenant_with_member",
    "generate_password",
    "invite_member",
    "normalize_email",
    "remove_member",
    "unique_slug",
]
