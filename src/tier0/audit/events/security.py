"""Rows of :data:`~tier0.audit.events.EVENT_TABLE`: attack protection, keys, secrets and
infrastructure, and the detection rules' alerts."""

from __future__ import annotations

from tier0.audit.events.vocabulary import Category, EventInfo, EventType

_E = EventType
_C = Category


ROWS: dict[EventType, EventInfo] = {
    # attack protection
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
        "A source was throttled after repeated failures (details.stage): an IP across many "
        "accounts at sign-in or sign-up, or a client secret being guessed.",
        _C.SYSTEM_NOTIFICATION,
        "limit_mu",
    ),
    _E.SECURITY_CREDENTIAL_STUFFING_SUSPECTED: EventInfo(
        "Many identifiers were tried from one source: credential stuffing suspected.",
        _C.SYSTEM_NOTIFICATION,
    ),
    # keys, secrets, infrastructure
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
    # detection rules
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
