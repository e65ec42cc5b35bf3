"""Which API an access token is for: ``audience`` (Auth0) or ``resource`` (RFC 8707).

RFC 8707 §2: the resource value "MUST be an absolute URI, as specified by Section 4.3
of [RFC3986]" and "MUST NOT include a fragment component. It SHOULD NOT include a
query component." An invalid or unknown one is ``invalid_target``: "The requested
resource is invalid, missing, unknown, or malformed."

tier0 access tokens are RFC 9068 JWTs for exactly one API (OA-12: audience-restricted),
so one request selects at most one API. Auth0's ``audience`` takes any API identifier
(not necessarily a URI); ``resource`` must be a URI per RFC 8707. When both are sent
they must name the same API.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence

from tier0.protocol.errors import InvalidTarget

__all__ = ["check_resource_uri", "select_audience"]

# RFC 3986 §4.3: absolute-URI = scheme ":" hier-part [ "?" query ], ASCII only.
_ABSOLUTE_URI = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:[A-Za-z0-9\-._~:/?\[\]@!$&'()*+,;=%]+")


def check_resource_uri(value: str) -> None:
    """Refuse a ``resource`` that is not an absolute URI, or that has a fragment."""
    if "#" in value:
        raise InvalidTarget("The resource must not contain a fragment.")
    if _ABSOLUTE_URI.fullmatch(value) is None:
        raise InvalidTarget("The resource must be an absolute URI.")


def select_audience(
    audience: str | None,
    resources: Sequence[str],
    known: Collection[str],
    default: str | None = None,
) -> str | None:
    """The identifier of the API the token is for, or ``None`` (no API: OIDC only).

    ``known`` holds the identifiers of the tenant's APIs; ``default`` is the tenant's
    default audience, used when the request names none.
    """
    for resource in resources:
        check_resource_uri(resource)
    if len(resources) > 1:
        raise InvalidTarget("Only one resource per request is supported.")
    requested = {value for value in (audience, *resources) if value is not None}
    if len(requested) > 1:
        raise InvalidTarget("audience and resource name different APIs.")
    if not requested:
        return default
    (target,) = requested
    if target not in known:
        raise InvalidTarget(
            "The requested API is unknown.", debug=f"unknown audience of {len(target)} chars"
        )
    return target
