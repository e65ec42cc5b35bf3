"""The closed vocabulary of security events (LG-01).

Every security-relevant thing tier0 does is announced as one :class:`EventType`: a dotted
name in the style of node-oidc-provider (``refresh_token.reused``). The list is closed: an
event that is not a member cannot be built, so SIEM rules written against these names keep
working. Each member has one row in :data:`EVENT_TABLE` carrying

- a description (shown in ``docs/events.md``),
- a :class:`Category`: Auth0's log-stream filter names (``auth.login.fail`` ...), so a stream
  filter written for Auth0 selects the same kind of events here,
- the Auth0 log-type code it corresponds to, or ``None`` when Auth0 has none (codes are
  never invented: they come from Auth0's published list, see AUTH0-COMPAT.md §4),
- whether the event records a failure (which fixes the event's ``outcome``),
- whether it is reserved for a feature not built yet.
"""

# Event names mention passwords and tokens; none of these strings is a secret.
# ruff: noqa: S105

from __future__ import annotations

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
        return EVENT_TABLE[self]

    @property
    def category(self) -> Category:
        return EVENT_TABLE[self].category

    @property
    def auth0_code(self) -> str | None:
        return EVENT_TABLE[self].auth0_code

    @property
    def description(self) -> str:
        return EVENT_TABLE[self].description

    @property
    def is_failure(self) -> bool:
        return EVENT_TABLE[self].failure


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

_E = EventType
_C = Category


def _mgmt(resource: str, action: str) -> EventInfo:
    return EventInfo(f"Management API: {resource} {action}.", _C.MANAGEMENT_SUCCESS, "sapi")


_ROWS: dict[EventType, EventInfo] = {
    _E.USER_LOGIN_SUCCEEDED: EventInfo("A user signed in.", _C.LOGIN_SUCCESS, "s"),
    _E.USER_LOGIN_FAILED: EventInfo(
        "A sign-in failed for another reason than password or identifier (details.reason: "
        "blocked, unverified, ...).",
        _C.LOGIN_FAIL,
        "f",
        failure=True,
    ),
    _E.USER_LOGIN_PASSWORD_INCORRECT: EventInfo(
        "A sign-in failed: wrong password for an existing user.", _C.LOGIN_FAIL, "fp", True
    ),
    _E.USER_LOGIN_USER_UNKNOWN: EventInfo(
        "A sign-in failed: no such user (identifier kept only as a keyed hash).",
        _C.LOGIN_FAIL,
        "fu",
        True,
    ),
    _E.USER_LOGIN_BREACHED_PASSWORD: EventInfo(
        "A sign-in used a password found in a breach list.", _C.USER_NOTIFICATION, "pwd_leak"
    ),
    _E.USER_LOGIN_RATE_LIMITED: EventInfo(
        "Too many sign-ins for one account; further attempts are refused for a while.",
        _C.USER_NOTIFICATION,
        "limit_sul",
        True,
    ),
    _E.USER_SIGNUP_SUCCEEDED: EventInfo("A user signed up.", _C.SIGNUP_SUCCESS, "ss"),
    _E.USER_SIGNUP_FAILED: EventInfo("A sign-up failed.", _C.SIGNUP_FAIL, "fs", True),
    _E.USER_SIGNUP_BREACHED_PASSWORD: EventInfo(
        "A sign-up was refused: breached password.", _C.SIGNUP_FAIL, "signup_pwd_leak", True
    ),
    _E.USER_SILENT_AUTH_SUCCEEDED: EventInfo(
        "A prompt=none authorization reused an existing session.", _C.SILENT_AUTH_SUCCESS, "ssa"
    ),
    _E.USER_SILENT_AUTH_FAILED: EventInfo(
        "A prompt=none authorization needed interaction.", _C.SILENT_AUTH_FAIL, "fsa", True
    ),
    _E.USER_EMAIL_VERIFICATION_SENT: EventInfo(
        "A verification email was requested and sent.", _C.USER_SUCCESS, "svr"
    ),
    _E.USER_EMAIL_VERIFIED: EventInfo("A user verified an email address.", _C.USER_SUCCESS, "sv"),
    _E.USER_EMAIL_VERIFICATION_FAILED: EventInfo(
        "An email verification link was invalid or expired.", _C.USER_FAIL, "fv", True
    ),
    _E.USER_EMAIL_CHANGED: EventInfo("A user's email address changed.", _C.USER_SUCCESS, "sce"),
    _E.USER_EMAIL_CHANGE_FAILED: EventInfo("An email change failed.", _C.USER_FAIL, "fce", True),
    _E.USER_PASSWORD_RESET_REQUESTED: EventInfo(
        "A password reset was requested (link sent if the account exists).",
        _C.USER_SUCCESS,
        "scpr",
    ),
    _E.USER_PASSWORD_RESET_REQUEST_FAILED: EventInfo(
        "A password reset request failed.", _C.USER_FAIL, "fcpr", True
    ),
    _E.USER_PASSWORD_RESET_BREACHED_PASSWORD: EventInfo(
        "A password reset was refused: breached password.", _C.USER_FAIL, "reset_pwd_leak", True
    ),
    _E.USER_PASSWORD_CHANGED: EventInfo(
        "A user's password changed (reset or change).", _C.USER_SUCCESS, "scp"
    ),
    _E.USER_PASSWORD_CHANGE_FAILED: EventInfo(
        "A password change or reset failed (bad link, policy).", _C.USER_FAIL, "fcp", True
    ),
    _E.MFA_REQUIRED: EventInfo(
        "A sign-in (or a step-up) needs a second factor.", _C.LOGIN_NOTIFICATION, "mfar"
    ),
    _E.MFA_CHALLENGE_SUCCEEDED: EventInfo(
        "A second factor (TOTP, passkey, email code) was accepted.",
        _C.ANCILLARY_SUCCESS,
        "gd_auth_succeed",
    ),
    _E.MFA_CHALLENGE_FAILED: EventInfo(
        "A second factor was refused (wrong, reused or expired code; bad passkey assertion).",
        _C.ANCILLARY_FAIL,
        "gd_auth_failed",
        True,
    ),
    _E.MFA_ENROLLMENT_COMPLETED: EventInfo(
        "A user enrolled a factor (authenticator app or passkey).",
        _C.ANCILLARY_SUCCESS,
        "gd_enrollment_complete",
    ),
    _E.MFA_FACTOR_REMOVED: EventInfo(
        "A factor was removed from a user.", _C.ANCILLARY_SUCCESS, "gd_unenroll"
    ),
    _E.MFA_RECOVERY_SUCCEEDED: EventInfo(
        "A recovery code was accepted (and used up).", _C.ANCILLARY_SUCCESS, "gd_recovery_succeed"
    ),
    _E.MFA_RECOVERY_FAILED: EventInfo(
        "A recovery code was refused.", _C.ANCILLARY_FAIL, "gd_recovery_failed", True
    ),
    _E.MFA_RATE_LIMIT_EXCEEDED: EventInfo(
        "Too many second-factor attempts.", _C.ANCILLARY_FAIL, "gd_otp_rate_limit_exceed", True
    ),
    _E.MFA_PASSKEY_SIGN_COUNT_REGRESSED: EventInfo(
        "A passkey's signature counter did not move forward: a possibly cloned "
        "authenticator; the sign-in was refused (MF-03).",
        _C.ANCILLARY_FAIL,
        None,
        True,
    ),
    _E.AUTHORIZATION_CODE_ISSUED: EventInfo(
        "An authorization code was issued (stored as a keyed hash only).",
        _C.ANCILLARY_SUCCESS,
    ),
    _E.AUTHORIZATION_CODE_REDEEMED: EventInfo(
        "An authorization code was exchanged for tokens.", _C.TOKEN_EXCHANGE_SUCCESS, "seacft"
    ),
    _E.AUTHORIZATION_CODE_REJECTED: EventInfo(
        "A code exchange failed (unknown, expired, PKCE or redirect_uri mismatch).",
        _C.TOKEN_EXCHANGE_FAIL,
        "feacft",
        True,
    ),
    _E.AUTHORIZATION_CODE_REPLAYED: EventInfo(
        "A used authorization code was presented again; tokens from it are revoked.",
        _C.TOKEN_EXCHANGE_FAIL,
        "feacft",
        True,
    ),
    _E.CLIENT_CREDENTIALS_EXCHANGED: EventInfo(
        "A client_credentials grant issued a token.", _C.TOKEN_EXCHANGE_SUCCESS, "seccft"
    ),
    _E.CLIENT_CREDENTIALS_REJECTED: EventInfo(
        "A client_credentials grant failed.", _C.TOKEN_EXCHANGE_FAIL, "feccft", True
    ),
    _E.TOKEN_ISSUED: EventInfo(
        "An access or ID token was minted (details.token_type, details.grant_type).",
        _C.TOKEN_EXCHANGE_SUCCESS,
    ),
    _E.TOKEN_REFRESHED: EventInfo(
        "A refresh token was rotated for new tokens.", _C.TOKEN_EXCHANGE_SUCCESS, "sertft"
    ),
    _E.TOKEN_REVOKED: EventInfo(
        "A token was revoked through the revocation endpoint.", _C.ANCILLARY_SUCCESS
    ),
    _E.REFRESH_TOKEN_REJECTED: EventInfo(
        "A refresh token exchange failed (unknown, expired, wrong client).",
        _C.TOKEN_EXCHANGE_FAIL,
        "fertft",
        True,
    ),
    _E.REFRESH_TOKEN_REUSED: EventInfo(
        "A rotated refresh token was used again; its whole family is revoked.",
        _C.TOKEN_EXCHANGE_FAIL,
        "ferrt",
        True,
    ),
    _E.REFRESH_TOKEN_REVOKED: EventInfo(
        "A refresh token (family) was revoked.", _C.ANCILLARY_SUCCESS, "srrt"
    ),
    _E.CLIENT_AUTH_FAILED: EventInfo(
        "A client failed to authenticate at a protected endpoint.",
        _C.TOKEN_EXCHANGE_FAIL,
        failure=True,
    ),
    _E.CONSENT_GRANTED: EventInfo("A user granted scopes to an application.", _C.USER_SUCCESS),
    _E.CONSENT_REVOKED: EventInfo("A user's grant to an application was revoked.", _C.USER_SUCCESS),
    _E.SESSION_ENDED: EventInfo("A user logged out.", _C.LOGOUT_SUCCESS, "slo"),
    _E.SESSION_LOGOUT_FAILED: EventInfo("A logout request failed.", _C.LOGOUT_FAIL, "flo", True),
    _E.SESSION_REVOKED: EventInfo(
        "A session was ended by an operator or by policy.", _C.USER_NOTIFICATION
    ),
    _E.RATE_LIMIT_EXCEEDED: EventInfo(
        "A request hit a rate limit (details.limit).", _C.SYSTEM_NOTIFICATION, "api_limit", True
    ),
    _E.BRUTE_FORCE_BLOCKED: EventInfo(
        "An IP was blocked for one account after repeated failed sign-ins.",
        _C.USER_NOTIFICATION,
        "limit_wc",
    ),
    _E.BRUTE_FORCE_UNBLOCKED: EventInfo(
        "A brute-force block was released.", _C.USER_NOTIFICATION, "ublkdu"
    ),
    _E.SUSPICIOUS_IP_THROTTLED: EventInfo(
        "An IP was throttled for failures across many accounts.",
        _C.SYSTEM_NOTIFICATION,
        "limit_mu",
    ),
    _E.SECURITY_CREDENTIAL_STUFFING_SUSPECTED: EventInfo(
        "Many identifiers were tried from one source: credential stuffing suspected.",
        _C.SYSTEM_NOTIFICATION,
    ),
    _E.KEY_ROTATED: EventInfo(
        "A key was rotated (details.kind: signing, data, kek).", _C.SYSTEM_NOTIFICATION
    ),
    _E.KEY_WITHDRAWN: EventInfo(
        "A key was withdrawn at once (emergency); tokens signed by it fail.",
        _C.SYSTEM_NOTIFICATION,
    ),
    _E.SECRET_READ: EventInfo(
        "A stored secret was read by an operator or the management API.",
        _C.MANAGEMENT_SUCCESS,
        "mgmt_api_read",
    ),
    _E.BACKEND_TLS_FAILED: EventInfo(
        "A TLS connection to a backend (DB, KMS, SMTP, stream) failed verification.",
        _C.SYSTEM_NOTIFICATION,
        failure=True,
    ),
    _E.AUDIT_CHAIN_VERIFIED: EventInfo(
        "A tenant's audit chain verified intact.", _C.SYSTEM_NOTIFICATION
    ),
    _E.AUDIT_CHAIN_VERIFICATION_FAILED: EventInfo(
        "A tenant's audit chain failed verification (details name the first bad record).",
        _C.SYSTEM_NOTIFICATION,
        failure=True,
    ),
    _E.AUDIT_CHECKPOINT_SIGNED: EventInfo(
        "A signed checkpoint of the audit chain head was stored.", _C.SYSTEM_NOTIFICATION
    ),
    _E.LOG_STREAM_DEAD_LETTERED: EventInfo(
        "A log stream gave up delivering after its retry bound.",
        _C.SYSTEM_NOTIFICATION,
        failure=True,
    ),
    _E.MANAGEMENT_REQUEST_FAILED: EventInfo(
        "A management API write failed (details.resource, details.action).",
        _C.MANAGEMENT_FAIL,
        "fapi",
        True,
    ),
    _E.MANAGEMENT_STEP_UP_REQUIRED: EventInfo(
        "A privileged management operation was refused: the token was not recent enough "
        "(AC-05; details.operation, details.issued_seconds_ago).",
        _C.MANAGEMENT_FAIL,
        "fapi",
        True,
    ),
    _E.MANAGEMENT_TENANTS_CREATED: _mgmt("tenant", "created"),
    _E.MANAGEMENT_TENANTS_UPDATED: _mgmt("tenant settings", "updated"),
    _E.MANAGEMENT_TENANTS_DELETED: _mgmt("tenant", "deleted"),
    _E.MANAGEMENT_APPLICATIONS_CREATED: _mgmt("application", "created"),
    _E.MANAGEMENT_APPLICATIONS_UPDATED: _mgmt("application", "updated"),
    _E.MANAGEMENT_APPLICATIONS_DELETED: _mgmt("application", "deleted"),
    _E.MANAGEMENT_APPLICATIONS_SECRET_ROTATED: _mgmt("application client secret", "rotated"),
    _E.MANAGEMENT_RESOURCE_SERVERS_CREATED: _mgmt("API (resource server)", "created"),
    _E.MANAGEMENT_RESOURCE_SERVERS_UPDATED: _mgmt("API (resource server)", "updated"),
    _E.MANAGEMENT_RESOURCE_SERVERS_DELETED: _mgmt("API (resource server)", "deleted"),
    _E.MANAGEMENT_CLIENT_GRANTS_CREATED: _mgmt("client grant", "created"),
    _E.MANAGEMENT_CLIENT_GRANTS_UPDATED: _mgmt("client grant", "updated"),
    _E.MANAGEMENT_CLIENT_GRANTS_DELETED: _mgmt("client grant", "deleted"),
    _E.MANAGEMENT_USERS_CREATED: _mgmt("user", "created"),
    _E.MANAGEMENT_USERS_UPDATED: _mgmt("user (profile, blocked flag, metadata)", "updated"),
    _E.MANAGEMENT_USERS_DELETED: EventInfo(
        "Management API: user deleted.", _C.MANAGEMENT_SUCCESS, "sdu"
    ),
    _E.MANAGEMENT_ROLES_CREATED: _mgmt("role", "created"),
    _E.MANAGEMENT_ROLES_UPDATED: _mgmt("role", "updated"),
    _E.MANAGEMENT_ROLES_DELETED: _mgmt("role", "deleted"),
    _E.MANAGEMENT_ROLE_PERMISSIONS_CREATED: _mgmt("permissions of a role", "added"),
    _E.MANAGEMENT_ROLE_PERMISSIONS_DELETED: _mgmt("permissions of a role", "removed"),
    _E.MANAGEMENT_USER_ROLES_CREATED: _mgmt("roles of a user", "assigned"),
    _E.MANAGEMENT_USER_ROLES_DELETED: _mgmt("roles of a user", "removed"),
    _E.MANAGEMENT_GRANTS_DELETED: _mgmt("user grant", "deleted"),
    _E.MANAGEMENT_LOG_STREAMS_CREATED: _mgmt("log stream", "created"),
    _E.MANAGEMENT_LOG_STREAMS_UPDATED: _mgmt("log stream", "updated"),
    _E.MANAGEMENT_LOG_STREAMS_DELETED: _mgmt("log stream", "deleted"),
    _E.MANAGEMENT_SIGNING_KEYS_CREATED: _mgmt("signing key", "created"),
    _E.MANAGEMENT_SIGNING_KEYS_UPDATED: _mgmt("signing key state", "updated"),
    _E.MANAGEMENT_SIGNING_KEYS_DELETED: _mgmt("signing key", "deleted"),
    _E.MANAGEMENT_SIGNING_KEYS_REVOKED: _mgmt("signing key", "revoked (withdrawn from the JWKS)"),
    _E.MANAGEMENT_SESSIONS_DELETED: _mgmt("user sign-in session", "ended"),
    _E.MANAGEMENT_REFRESH_TOKENS_DELETED: _mgmt("refresh-token family", "revoked"),
    _E.MANAGEMENT_JOBS_CREATED: _mgmt("bulk user import or export job", "created"),
    _E.MANAGEMENT_SECRETS_CREATED: _mgmt("secret", "created"),
    _E.MANAGEMENT_SECRETS_UPDATED: _mgmt("secret (new version)", "updated"),
    _E.MANAGEMENT_SECRETS_DELETED: _mgmt("secret", "deleted"),
    _E.MANAGEMENT_ATTACK_PROTECTION_UPDATED: _mgmt("attack protection settings", "updated"),
    _E.MANAGEMENT_DETECTION_RULES_UPDATED: _mgmt("detection rule thresholds", "updated"),
    _E.MANAGEMENT_BLOCKS_DELETED: _mgmt("brute-force block", "deleted"),
    _E.IMPORT_COMPLETED: EventInfo("A bulk user import finished.", _C.MANAGEMENT_SUCCESS, "sui"),
    _E.IMPORT_FAILED: EventInfo("A bulk user import failed.", _C.MANAGEMENT_FAIL, "fui", True),
    _E.EXPORT_REQUESTED: EventInfo("A user or tenant export was requested.", _C.USER_SUCCESS),
    _E.EXPORT_COMPLETED: EventInfo("An export finished and is downloadable.", _C.USER_SUCCESS),
    _E.EXPORT_FAILED: EventInfo("An export failed.", _C.USER_FAIL, failure=True),
    _E.ERASURE_REQUESTED: EventInfo("Erasure of a user was requested.", _C.USER_SUCCESS),
    _E.ERASURE_COMPLETED: EventInfo(
        "A user was erased (data removed or crypto-shredded).", _C.USER_SUCCESS
    ),
    _E.ERASURE_FAILED: EventInfo("An erasure failed.", _C.USER_FAIL, failure=True),
    _E.INCIDENT_USER_LOCKED_DOWN: EventInfo(
        "Incident response: a user was blocked, signed out everywhere and forced to reset.",
        _C.MANAGEMENT_SUCCESS,
    ),
    _E.INCIDENT_SESSIONS_REVOKED: EventInfo(
        "Incident response: sessions were revoked (one user or the whole tenant).",
        _C.MANAGEMENT_SUCCESS,
    ),
    _E.INCIDENT_KEYS_ROTATED: EventInfo(
        "Incident response: emergency key rotation, old key withdrawn at once.",
        _C.MANAGEMENT_SUCCESS,
    ),
    _E.ALERT_FAILED_LOGIN_BURST: EventInfo(
        "Detection: burst of failed sign-ins for one account.", _C.SYSTEM_NOTIFICATION
    ),
    _E.ALERT_CREDENTIAL_STUFFING: EventInfo(
        "Detection: credential stuffing pattern across accounts.", _C.SYSTEM_NOTIFICATION
    ),
    _E.ALERT_REFRESH_TOKEN_REUSE: EventInfo(
        "Detection: refresh-token reuse (possible token theft).", _C.SYSTEM_NOTIFICATION
    ),
    _E.ALERT_ADMIN_NEW_IP: EventInfo(
        "Detection: an administrator signed in from a new IP.", _C.SYSTEM_NOTIFICATION
    ),
    _E.ALERT_BLOCK_BURST: EventInfo(
        "Detection: many brute-force blocks in a window.", _C.SYSTEM_NOTIFICATION
    ),
    _E.ALERT_AUDIT_CHAIN_BROKEN: EventInfo(
        "Detection: audit chain verification failed.", _C.SYSTEM_NOTIFICATION
    ),
}

EVENT_TABLE: Final = MappingProxyType(_ROWS)
"""Metadata for every :class:`EventType`; a test checks it covers the enum exactly."""
