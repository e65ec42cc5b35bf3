"""Rows of :data:`~tier0.audit.events.EVENT_TABLE`: management API changes, bulk
import/export and erasure, incident response."""

from __future__ import annotations

from tier0.audit.events.vocabulary import Category, EventInfo, EventType

_E = EventType
_C = Category


def _mgmt(resource: str, action: str) -> EventInfo:
    return EventInfo(f"Management API: {resource} {action}.", _C.MANAGEMENT_SUCCESS, "sapi")


ROWS: dict[EventType, EventInfo] = {
    # management API changes, one per resource and action
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
    # bulk import, export and erasure (privacy)
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
    # incident response actions
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
}
