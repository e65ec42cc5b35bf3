"""All tables. Each feature keeps its tables in its own module; import it here so that
migrations and metadata comparisons see every table."""

from tier0.storage.sql.models.account_tickets import AccountTicketRow
from tier0.storage.sql.models.audit import AuditCheckpointRow, AuditHeadRow, EventRow
from tier0.storage.sql.models.base import Base
from tier0.storage.sql.models.directory import (
    ApplicationRow,
    ClientGrantRow,
    ResourceServerRow,
    RolePermissionRow,
    RoleRow,
    TenantKeyRow,
    TenantRow,
    UserPermissionRow,
    UserRoleRow,
    UserRow,
)
from tier0.storage.sql.models.jobs import JobRow
from tier0.storage.sql.models.log_streams import LogStreamRow
from tier0.storage.sql.models.mfa import MfaFactorRow, RecoveryCodeRow
from tier0.storage.sql.models.mfa_extra import EmailCodeRow, PasskeyRow
from tier0.storage.sql.models.oauth import (
    AuthorizationCodeRow,
    GrantRow,
    RefreshTokenRow,
    ReplayRow,
    SessionRow,
)
from tier0.storage.sql.models.password_history import PasswordHistoryRow
from tier0.storage.sql.models.protection import ProtectionPolicyRow, UnblockTicketRow
from tier0.storage.sql.models.secrets import StoredSecretRow
from tier0.storage.sql.models.signing_keys import SigningKeyRow
from tier0.storage.sql.models.user_keys import UserKeyRow, UserWrapKeyRow

__all__ = [
    "AccountTicketRow",
    "ApplicationRow",
    "AuditCheckpointRow",
    "AuditHeadRow",
    "AuthorizationCodeRow",
    "Base",
    "ClientGrantRow",
    "EmailCodeRow",
    "EventRow",
    "GrantRow",
    "JobRow",
    "LogStreamRow",
    "MfaFactorRow",
    "PasskeyRow",
    "PasswordHistoryRow",
    "ProtectionPolicyRow",
    "RecoveryCodeRow",
    "RefreshTokenRow",
    "ReplayRow",
    "ResourceServerRow",
    "RolePermissionRow",
    "RoleRow",
    "SessionRow",
    "SigningKeyRow",
    "StoredSecretRow",
    "TenantKeyRow",
    "TenantRow",
    "UnblockTicketRow",
    "UserKeyRow",
    "UserPermissionRow",
    "UserRoleRow",
    "UserRow",
    "UserWrapKeyRow",
]
