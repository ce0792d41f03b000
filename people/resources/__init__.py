"""Import/export resources. Every resource inherits `TenantResource` (base.py)."""

from people.resources.base import NEVER_IMPORTED, TenantResource
from people.resources.hr import DepartmentResource, EmployeeResource, HolidayResource, OpeningBalanceResource
from people.resources.members import MemberByEmailWidget, MembershipResource, UserByEmailWidget

__all__ = [
    "NEVER_IMPORTED",
    "DepartmentResource",
    "EmployeeResource",
    "HolidayResource",
    "MemberByEmailWidget",
    "MembershipResource",
    "OpeningBalanceResource",
    "TenantResource",
    "UserByEmailWidget",
]
