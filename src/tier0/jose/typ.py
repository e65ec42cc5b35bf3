"""Explicit JWT typing (RFC 8725 §3.11) with mutually exclusive rules (JW-03).

RFC 8725 §3.11: "it is RECOMMENDED that the 'application/' prefix be omitted" and
RFC 7515 §4.1.9 says recipients compare media types case-insensitively and MUST treat a value
without "/" as if "application/" were prefixed. So ``at+JWT`` and ``application/at+jwt`` are the
same type; ``JWT`` (an ID token) and ``at+jwt`` (RFC 9068 access token) never are.
"""

from __future__ import annotations

#: OpenID Connect ID tokens (and ``id_token_hint``) carry the generic ``JWT``.
TYP_ID_TOKEN = "JWT"  # noqa: S105 - a media type, not a secret
#: RFC 9068 §2.1: access tokens "MUST include" ``typ: at+jwt``.
TYP_ACCESS_TOKEN = "at+jwt"  # noqa: S105 - a media type, not a secret
#: RFC 9449 §4.2: DPoP proofs carry ``typ: dpop+jwt``.
TYP_DPOP = "dpop+jwt"
#: OIDC Back-Channel Logout §2.4: ``logout+jwt``.
TYP_LOGOUT = "logout+jwt"
#: RFC 8417 security event tokens.
TYP_SECEVENT = "secevent+jwt"
#: RFC 9701 introspection responses.
TYP_INTROSPECTION = "token-introspection+jwt"

#: Types that name one specific kind of token. A token declaring one of these is only ever
#: accepted where exactly that type is expected, even by a caller that checks no type.
EXPLICIT_TYPES: frozenset[str] = frozenset(
    {TYP_ACCESS_TOKEN, TYP_DPOP, TYP_LOGOUT, TYP_SECEVENT, TYP_INTROSPECTION}
)

_PREFIX = "application/"


def normalize_typ(value: str) -> str:
    """Lower-case a ``typ`` value and drop an ``application/`` prefix."""
    lowered = value.strip().lower()
    if lowered.startswith(_PREFIX):
        lowered = lowered[len(_PREFIX) :]
    return lowered


def typ_acceptable(header_typ: object, expected: str | None) -> bool:
    """Whether a header ``typ`` passes the check for ``expected``.

    With ``expected`` set, ``typ`` must be present and equal after normalising. With
    ``expected=None`` an absent or generic ``typ`` passes, but a token that declares one of
    :data:`EXPLICIT_TYPES` does not: an access token or DPoP proof never doubles as something
    untyped (RFC 8725 §3.11, "mutually exclusive validation rules").
    """
    if header_typ is not None and not isinstance(header_typ, str):
        return False
    if expected is None:
        return header_typ is None or normalize_typ(header_typ) not in EXPLICIT_TYPES
    if header_typ is None:
        return False
    return normalize_typ(header_typ) == normalize_typ(expected)
