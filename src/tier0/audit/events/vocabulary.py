"""The names: :class:`EventType` (the closed list), :class:`Category` (Auth0's stream
filter names), :class:`EventInfo` (one type's metadata) and the Auth0 codes that may be
mapped to. The metadata rows live in the sibling modules, by domain."""

# Event names mention passwords and tokens; none of these strings is a secret.
# ruff: noqa: S105

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Final


class Category(StrEnum):
    """Log-stream filter categories, named as Auth0 names them."""

    LOGIN_SUCCESS = "auth.login.success"
    LOGIN_FAIL = "auth.login.fail"
    LOGIN_NOTIFICATION = "auth.login.notification"
    LOGOUT_SUCCESS = "auth.logout.success"
    LOGOUT_FAIL = "auth.logout.fail"
    SIGNUP_SUCCESS = "auth.signup.success"
    SIGNUP_FAIL = "auth.signup.fail"
    SILENT_AUTH_SUCCESS = "auth.silent_auth.success"
    SILENT_AUTH_FAIL = "auth.silent_auth.fail"
    TOKEN_EXCHANGE_SUCCESS = "auth.token_exchange.success"
    TOKEN_EXCHANGE_FAIL = "auth.token_exchange.fail"
    ANCILLARY_SUCCESS = "auth.ancillary.success"
    ANCILLARY_FAIL = "auth.ancillary.fail"
    MANAGEMENT_SUCCESS = "management.success"
    MANAGEMENT_FAIL = "management.fail"
    USER_SUCCESS = "user.success"
    USER_FAIL = "user.fail"
    USER_NOTIFICATION = "user.notification"
    SYSTEM_NOTIFICATION = "system.notification"
    OTHER = "other"


class EventType(StrEnum):
    """Every security event tier0 can emit. Metadata lives in :data:`EVENT_TABLE`."""

    # sign-in, sign-up, silent authentication
    USER_LOGIN_SUCCEEDED = "user.login.succeeded"
    USER_LOGIN_FAILED = "user.login.failed"
    USER_LOGIN_PASSWORD_INCORRECT = "user.login.password_incorrect"
    USER_LOGIN_USER_UNKNOWN = "user.login.user_unknown"
    USER_LOGIN_BREACHED_PASSWORD = "user.login.breached_password"
    USER_LOGIN_RATE_LIMITED = "user.login.rate_limited"
    USER_SIGNUP_SUCCEEDED = "user.signup.succeeded"
    USER_SIGNUP_FAILED = "user.signup.failed"
    USER_SIGNUP_BREACHED_PASSWORD = "user.signup.breached_password"
    USER_SILENT_AUTH_SUCCEEDED = "user.silent_auth.succeeded"
    USER_SILENT_AUTH_FAILED = "user.silent_auth.failed"
    # verification, reset, account changes
    USER_EMAIL_VERIFICATION_SENT = "user.email_verification.sent"
    USER_EMAIL_VERIFIED = "user.email.verified"
    USER_EMAIL_VERIFICATION_FAILED = "user.email_verification.failed"
    USER_EMAIL_CHANGED = "user.email.changed"
    USER_EMAIL_CHANGE_FAILED = "user.email.change_failed"
    USER_PASSWORD_RESET_REQUESTED = "user.password_reset.requested"
    USER_PASSWORD_RESET_REQUEST_FAILED = "user.password_reset.request_failed"
    USER_PASSWORD_RESET_BREACHED_PASSWORD = "user.password_reset.breached_password"
    USER_PASSWORD_CHANGED = "user.password.changed"
    USER_PASSWORD_CHANGE_FAILED = "user.password.change_failed"
    # MFA
    MFA_REQUIRED = "mfa.required"
    MFA_CHALLENGE_SUCCEEDED = "mfa.challenge.succeeded"
    MFA_CHALLENGE_FAILED = "mfa.challenge.failed"
    MFA_ENROLLMENT_COMPLETED = "mfa.enrollment.completed"
    MFA_FACTOR_REMOVED = "mfa.factor.removed"
    MFA_RECOVERY_SUCCEEDED = "mfa.recovery.succeeded"
    MFA_RECOVERY_FAILED = "mfa.recovery.failed"
    MFA_RATE_LIMIT_EXCEEDED = "mfa.rate_limit.exceeded"
    MFA_PASSKEY_SIGN_COUNT_REGRESSED = "mfa.passkey.sign_count_regressed"
    # OAuth artefacts
    AUTHORIZATION_CODE_ISSUED = "authorization_code.issued"
    AUTHORIZATION_CODE_REDEEMED = "authorization_code.redeemed"
    AUTHORIZATION_CODE_REJECTED = "authorization_code.rejected"
    AUTHORIZATION_CODE_REPLAYED = "authorization_code.replayed"
    CLIENT_CREDENTIALS_EXCHANGED = "client_credentials.exchanged"
    CLIENT_CREDENTIALS_REJECTED = "client_credentials.rejected"
    TOKEN_ISSUED = "token.issued"
    TOKEN_REFRESHED = "token.refreshed"
    TOKEN_REVOKED = "token.revoked"
    REFRESH_TOKEN_REJECTED = "refresh_token.rejected"
    REFRESH_TOKEN_REUSED = "refresh_token.reused"
    REFRESH_TOKEN_REVOKED = "refresh_token.revoked"
    CLIENT_AUTH_FAILED = "client.auth.failed"
    CONSENT_GRANTED = "consent.granted"
    CONSENT_REVOKED = "consent.revoked"
    # sessions
    SESSION_ENDED = "session.ended"
    SESSION_LOGOUT_FAILED = "session.logout_failed"
    SESSION_REVOKED = "session.revoked"
    # attack protection
    RATE_LIMIT_EXCEEDED = "rate_limit.exceeded"
    BRUTE_FORCE_BLOCKED = "brute_force.blocked"
    BRUTE_FORCE_UNBLOCKED = "brute_force.unblocked"
    SUSPICIOUS_IP_THROTTLED = "suspicious_ip.throttled"
    SECURITY_CREDENTIAL_STUFFING_SUSPECTED = "security.credential_stuffing_suspected"
    # keys, secrets, infrastructure
    KEY_ROTATED = "key.rotated"
    KEY_WITHDRAWN = "key.withdrawn"
    SECRET_READ = "secret.read"
    BACKEND_TLS_FAILED = "backend.tls.failed"
    AUDIT_CHAIN_VERIFIED = "audit.chain.verified"
    AUDIT_CHAIN_VERIFICATION_FAILED = "audit.chain.verification_failed"
    AUDIT_CHECKPOINT_SIGNED = "audit.checkpoint.signed"
    LOG_STREAM_DEAD_LETTERED = "log_stream.dead_lettered"
    # management API changes, one per resource and action
    MANAGEMENT_REQUEST_FAILED = "management.request.failed"
    MANAGEMENT_STEP_UP_REQUIRED = "management.step_up.required"
    MANAGEMENT_TENANTS_CREATED = "management.tenants.created"
    MANAGEMENT_TENANTS_UPDATED = "management.tenants.updated"
    MANAGEMENT_TENANTS_DELETED = "management.tenants.deleted"
    MANAGEMENT_APPLICATIONS_CREATED = "management.applications.created"
    MANAGEMENT_APPLICATIONS_UPDATED = "management.applications.updated"
    MANAGEMENT_APPLICATIONS_DELETED = "management.applications.deleted"
    MANAGEMENT_APPLICATIONS_SECRET_ROTATED = "management.applications.secret_rotated"
    MANAGEMENT_RESOURCE_SERVERS_CREATED = "management.resource_servers.created"
    MANAGEMENT_RESOURCE_SERVERS_UPDATED = "management.resource_servers.updated"
    MANAGEMENT_RESOURCE_SERVERS_DELETED = "management.resource_servers.deleted"
    MANAGEMENT_CLIENT_GRANTS_CREATED = "management.client_grants.created"
    MANAGEMENT_CLIENT_GRANTS_UPDATED = "management.client_grants.updated"
    MANAGEMENT_CLIENT_GRANTS_DELETED = "management.client_grants.deleted"
    MANAGEMENT_USERS_CREATED = "management.users.created"
    MANAGEMENT_USERS_UPDATED = "management.users.updated"
    MANAGEMENT_USERS_DELETED = "management.users.deleted"
    MANAGEMENT_ROLES_CREATED = "management.roles.created"
    MANAGEMENT_ROLES_UPDATED = "management.roles.updated"
    MANAGEMENT_ROLES_DELETED = "management.roles.deleted"
    MANAGEMENT_ROLE_PERMISSIONS_CREATED = "management.role_permissions.created"
    MANAGEMENT_ROLE_PERMISSIONS_DELETED = "management.role_permissions.deleted"
    MANAGEMENT_USER_ROLES_CREATED = "management.user_roles.created"
    MANAGEMENT_USER_ROLES_DELETED = "management.user_roles.deleted"
    MANAGEMENT_GRANTS_DELETED = "management.grants.deleted"
    MANAGEMENT_LOG_STREAMS_CREATED = "management.log_streams.created"
    MANAGEMENT_LOG_STREAMS_UPDATED = "management.log_streams.updated"
    MANAGEMENT_LOG_STREAMS_DELETED = "management.log_streams.deleted"
    MANAGEMENT_SIGNING_KEYS_CREATED = "management.signing_keys.created"
    MANAGEMENT_SIGNING_KEYS_UPDATED = "management.signing_keys.updated"
    MANAGEMENT_SIGNING_KEYS_DELETED = "management.signing_keys.deleted"
    MANAGEMENT_SIGNING_KEYS_REVOKED = "management.signing_keys.revoked"
    MANAGEMENT_SESSIONS_DELETED = "management.sessions.deleted"
    MANAGEMENT_REFRESH_TOKENS_DELETED = "management.refresh_tokens.deleted"
    MANAGEMENT_JOBS_CREATED = "management.jobs.created"
    MANAGEMENT_SECRETS_CREATED = "management.secrets.created"
    MANAGEMENT_SECRETS_UPDATED = "management.secrets.updated"
    MANAGEMENT_SECRETS_DELETED = "management.secrets.deleted"
    MANAGEMENT_ATTACK_PROTECTION_UPDATED = "management.attack_protection.updated"
    MANAGEMENT_DETECTION_RULES_UPDATED = "management.detection_rules.updated"
    MANAGEMENT_BLOCKS_DELETED = "management.blocks.deleted"
    # bulk import, export and erasure (privacy)
    IMPORT_COMPLETED = "import.completed"
    IMPORT_FAILED = "import.failed"
    EXPORT_REQUESTED = "export.requested"
    EXPORT_COMPLETED = "export.completed"
    EXPORT_FAILED = "export.failed"
    ERASURE_REQUESTED = "erasure.requested"
    ERASURE_COMPLETED = "erasure.completed"
    ERASURE_FAILED = "erasure.failed"
    # incident response actions
    INCIDENT_USER_LOCKED_DOWN = "incident.user_locked_down"
    INCIDENT_SESSIONS_REVOKED = "incident.sessions_revoked"
    INCIDENT_KEYS_ROTATED = "incident.keys_rotated"
    # detection rules
    ALERT_FAILED_LOGIN_BURST = "alert.failed_login_burst"
    ALERT_CREDENTIAL_STUFFING = "alert.credential_stuffing"
    ALERT_REFRESH_TOKEN_REUSE = "alert.refresh_token_reuse"
    ALERT_ADMIN_NEW_IP = "alert.admin_new_ip"
    ALERT_BLOCK_BURST = "alert.block_burst"
    ALERT_AUDIT_CHAIN_BROKEN = "alert.audit_chain_broken"

    @property
    def info(self) -> EventInfo:
        """This type's row in :data:`EVENT_TABLE`."""
        return _TABLE[self]

    @property
    def category(self) -> Category:
        return _TABLE[self].category

    @property
    def auth0_code(self) -> str | None:
        return _TABLE[self].auth0_code

    @property
    def description(self) -> str:
        return _TABLE[self].description

    @property
    def is_failure(self) -> bool:
        return _TABLE[self].failure


@dataclass(frozen=True, slots=True)
class EventInfo:
    """Metadata of one event type."""

    description: str
    category: Category
    auth0_code: str | None = None
    failure: bool = False
    reserved: bool = False


# The Auth0 log-type codes tier0 may map to: exactly those in Auth0's published list
# (AUTH0-COMPAT.md §4). A test checks every mapping is in here, so none is invented.
AUTH0_CODES: Final = frozenset(
    {
        "s", "f", "fp", "fu", "ss", "fs", "ssa", "fsa", "seacft", "feacft", "seccft",
        "feccft", "sertft", "fertft", "ferrt", "srrt", "slo", "flo", "scp", "fcp", "scpr",
        "fcpr", "sce", "fce", "sv", "fv", "svr", "fvr", "sdu", "fdu", "sapi", "fapi",
        "mgmt_api_read", "sui", "fui", "limit_wc", "limit_sul", "limit_mu", "ublkdu",
        "pwd_leak", "signup_pwd_leak", "reset_pwd_leak", "mfar", "api_limit",
        "gd_auth_succeed", "gd_auth_failed", "gd_enrollment_complete", "gd_unenroll",
        "gd_recovery_succeed", "gd_recovery_failed", "gd_otp_rate_limit_exceed",
    }
)  # fmt: skip


_TABLE: dict[EventType, EventInfo] = {}
"""The rows, installed once by :mod:`tier0.audit.events` (the row modules import this one,
so they cannot be imported from here); read through :data:`~tier0.audit.events.EVENT_TABLE`."""


def install(rows: Mapping[EventType, EventInfo]) -> Mapping[EventType, EventInfo]:
    """Install the rows in the enum's order; returns the read-only table."""
    _TABLE.clear()
    _TABLE.update((event, rows[event]) for event in EventType if event in rows)
    return MappingProxyType(_TABLE)
