"""Rows of :data:`~tier0.audit.events.EVENT_TABLE`: OAuth artefacts (codes, tokens, consent,
clients) and sessions."""

from __future__ import annotations

from tier0.audit.events.vocabulary import Category, EventInfo, EventType

_E = EventType
_C = Category


ROWS: dict[EventType, EventInfo] = {
    # OAuth artefacts
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
        "A refresh token (family) was revoked: at the revocation endpoint, or by a logout "
        "ending the session it was issued in (details.reason `logout`).",
        _C.ANCILLARY_SUCCESS,
        "srrt",
    ),
    _E.CLIENT_AUTH_FAILED: EventInfo(
        "A client failed to authenticate at a protected endpoint.",
        _C.TOKEN_EXCHANGE_FAIL,
        failure=True,
    ),
    _E.CONSENT_GRANTED: EventInfo("A user granted scopes to an application.", _C.USER_SUCCESS),
    _E.CONSENT_REVOKED: EventInfo("A user's grant to an application was revoked.", _C.USER_SUCCESS),
    # sessions
    _E.SESSION_ENDED: EventInfo("A user logged out.", _C.LOGOUT_SUCCESS, "slo"),
    _E.SESSION_LOGOUT_FAILED: EventInfo("A logout request failed.", _C.LOGOUT_FAIL, "flo", True),
    _E.SESSION_REVOKED: EventInfo(
        "A session was ended by an operator or by policy.", _C.USER_NOTIFICATION
    ),
}
