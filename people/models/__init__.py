"""People models: the tenancy side (accounts), HR (organisation, time off) and background imports."""

from people.models.accounts import (
    LOGO_MAX_BYTES,
    Membership,
    Tenant,
    User,
    UserManager,
    validate_logo_size,
)
from people.models.imports import ImportFormat, ImportJob, ImportStatus
from people.models.operations import DailyMetric, TenantHealthSnapshot
from people.models.organisation import Department, Employee, EmployeeStatus, EmploymentType
from people.models.timeoff import (
    ACTIVE_REQUEST_STATUSES,
    CHAIN_STEPS,
    AccrualMethod,
    ApprovalChain,
    ApprovalStep,
    Holiday,
    LedgerEntryKind,
    RequestStatus,
    TimeOffApproval,
    TimeOffLedgerEntry,
    TimeOffRequest,
    TimeOffType,
    TimeOffUnit,
)

__all__ = [
    "ACTIVE_REQUEST_STATUSES",
    "CHAIN_STEPS",
    "LOGO_MAX_BYTES",
    "AccrualMethod",
    "ApprovalChain",
    "ApprovalStep",
    "DailyMetric",
    "Department",
    "Employee",
    "EmployeeStatus",
    "EmploymentType",
    "Holiday",
    "ImportFormat",
    "ImportJob",
    "ImportStatus",
    "LedgerEntryKind",
    "Membership",
    "RequestStatus",
    "Tenant",
    "TenantHealthSnapshot",
    "TimeOffApproval",
    "TimeOffLedgerEntry",
    "TimeOffRequest",
    "TimeOffType",
    "TimeOffUnit",
    "User",
    "UserManager",
    "validate_logo_size",
]
