"""Which rate-limit endpoint class a request belongs to (issue #5): the edge's route table.

Paths are matched under `/t/{tenant}`, in Auth0's layout (DESIGN.md §4); the answer is
remembered per (method, path), bounded, because the same few paths come back on every
request and a dictionary read costs a fraction of the regular expressions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from tier0.protection.rate_limits import EndpointClass

__all__ = ["MAX_MEMO", "ROUTES", "Surface", "classify"]

E = EndpointClass
_TENANT_PATH = re.compile(r"^/t/(?P<tenant>[^/]{1,63})(?P<rest>/.*)$")


class Surface(StrEnum):
    OAUTH = "oauth"
    MANAGEMENT = "management"
    LOGIN_UI = "login_ui"  # pages in a browser: the forms, and /authorize


@dataclass(frozen=True, slots=True)
class _Route:
    pattern: re.Pattern[str]
    endpoint: EndpointClass
    methods: frozenset[str] | None = None  # None: every method


def _route(path: str, endpoint: EndpointClass, methods: str | None = None) -> _Route:
    return _Route(re.compile(path), endpoint, frozenset(methods.split()) if methods else None)


#: Paths under /t/{tenant}, in Auth0's layout (DESIGN.md §4). First match wins.
ROUTES: tuple[_Route, ...] = (
    _route(r"^/authorize$", E.AUTHORIZE),
    _route(r"^/oauth/token$", E.TOKEN),
    _route(r"^/oauth/(revoke|introspect)$", E.INTROSPECT_REVOKE),
    _route(r"^/userinfo$", E.USERINFO),
    _route(r"^/\.well-known/jwks\.json$", E.JWKS),
    _route(r"^/api/v2(/.*)?$", E.MANAGEMENT),
    _route(r"^/(u/login|usernamepassword/login|login)(/.*)?$", E.LOGIN, "POST"),
    _route(r"^/(u/signup|dbconnections/signup|u/email-verification)(/.*)?$", E.SIGNUP, "POST"),
    _route(r"^/(u/reset-password|dbconnections/change_password)(/.*)?$", E.RESET, "POST"),
    _route(r"^/(u/)?mfa(/.*)?$", E.MFA, "POST"),
    # The account pages: a password change checks and hashes passwords (as a reset does),
    # an enrolment checks codes; the unblock link lifts a block (a mailed link, as a reset).
    _route(r"^/account/password$", E.RESET, "POST"),
    _route(r"^/account/mfa$", E.MFA, "POST"),
    _route(r"^/u/unblock$", E.RESET, "POST"),
)


def classify(method: str, path: str) -> tuple[str, EndpointClass] | None:
    """(tenant, endpoint class) of a request, or None when no limit class applies.

    Remembered per (method, path): the same few paths come back on every request, and a
    dictionary read costs a fraction of the regular expressions. Bounded, so a flood of
    made-up paths only churns the memo (each miss costs what every request used to)."""
    memo_key = (method, path)
    try:
        return _CLASSIFIED[memo_key]
    except KeyError:
        pass
    target = _classify(method, path)
    if len(_CLASSIFIED) >= MAX_MEMO:
        _CLASSIFIED.clear()
    _CLASSIFIED[memo_key] = target
    return target


_CLASSIFIED: dict[tuple[str, str], tuple[str, EndpointClass] | None] = {}
MAX_MEMO = 4096


def _classify(method: str, path: str) -> tuple[str, EndpointClass] | None:
    match = _TENANT_PATH.match(path)
    if match is None:
        return None
    rest = match.group("rest")
    for route in ROUTES:
        if route.pattern.match(rest) and (route.methods is None or method in route.methods):
            return match.group("tenant"), route.endpoint
    return None
