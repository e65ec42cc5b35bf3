"""Turning a raw multi-dict of request parameters into single, bounded values.

The web layer hands the protocol core a ``Mapping[str, Sequence[str]]`` (every value a
parameter was sent with, in order). This module is the one place that decides what a
parameter's value is, so that no two layers can read a different copy of it.

RFC 6749 §3.1 (and §3.2): "Parameters sent without a value MUST be treated as if they
were omitted from the request. The authorization server MUST ignore unrecognized
request parameters. Request and response parameters MUST NOT be included more than
once." A repeated parameter is refused here, before anything reads a value: if
``redirect_uri=A&redirect_uri=B`` were accepted, a check could validate A while the
response went to B.

IV-02 ("schema and length limits on every parameter"): each recognised parameter has
a maximum length and a character set taken from RFC 6749 Appendix A where one exists.
The limits are generous enough for real clients (OA-04: a state of 1,500 characters
and a nonce of 64 or more must round-trip) and small enough to bound work and storage.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from tier0.protocol.errors import InvalidRequest, OAuthError

__all__ = ["PARAM_SPECS", "ParamSpec", "RawParams", "many", "required", "single"]

RawParams = Mapping[str, Sequence[str]]

# RFC 6749 Appendix A character classes.
_VSCHAR = r"[\x20-\x7e]"  # visible ASCII and space
_NQCHAR = r"[\x21\x23-\x5b\x5d-\x7e]"  # VSCHAR without space, '"' and '\'
_NQSCHAR = r"[\x20\x21\x23-\x5b\x5d-\x7e]"
# Anything printable: every Unicode character except C0/C1 controls and DEL.
_PRINTABLE = r"[^\x00-\x1f\x7f-\x9f]"
# RFC 3986 URI characters (reserved, unreserved and '%'): no spaces, no controls.
_URI = r"[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]"
_UNRESERVED = r"[A-Za-z0-9\-._~]"
_RESPONSE_CHAR = r"[A-Za-z0-9_ ]"  # RFC 6749 A.3: response-name *( SP response-name )
_NAME_CHAR = r"[A-Za-z0-9\-._]"


@dataclass(frozen=True, slots=True)
class ParamSpec:
    """The limits for one parameter: maximum length in characters and its alphabet."""

    max_length: int
    pattern: re.Pattern[str]

    def matches(self, value: str) -> bool:
        return self.pattern.fullmatch(value) is not None


def _spec(max_length: int, alphabet: str) -> ParamSpec:
    return ParamSpec(max_length=max_length, pattern=re.compile(f"{alphabet}+"))


# One row per recognised parameter. Unlisted parameters are ignored (RFC 6749 §3.1),
# so nothing ever reads them.
PARAM_SPECS: Mapping[str, ParamSpec] = {
    # authorization request (RFC 6749 §4.1.1, RFC 7636, OIDC Core §3.1.2.1, RFC 8707)
    "response_type": _spec(64, _RESPONSE_CHAR),
    "client_id": _spec(256, _VSCHAR),  # A.1
    "redirect_uri": _spec(2048, _URI),  # A.6
    "scope": _spec(2048, _NQSCHAR),  # A.4 (tokens checked again in checks/scope.py)
    "state": _spec(2048, _VSCHAR),  # A.5; OA-04 needs >= 1 KB to round-trip
    "nonce": _spec(512, _VSCHAR),  # OA-04 needs >= 64 characters
    "code_challenge": _spec(128, _UNRESERVED),  # RFC 7636 §4.2
    "code_challenge_method": _spec(16, _NAME_CHAR),
    "response_mode": _spec(32, _NAME_CHAR),
    "prompt": _spec(128, _NQSCHAR),
    "max_age": _spec(10, r"[0-9]"),
    "login_hint": _spec(512, _PRINTABLE),
    "id_token_hint": _spec(8192, _VSCHAR),
    "acr_values": _spec(1024, _NQSCHAR),
    "ui_locales": _spec(256, _NQSCHAR),
    "audience": _spec(2048, _URI),
    "resource": _spec(2048, _URI),
    "organization": _spec(256, _VSCHAR),
    "connection": _spec(256, _VSCHAR),
    "screen_hint": _spec(64, _NAME_CHAR),
    "request": _spec(16384, _VSCHAR),
    "request_uri": _spec(2048, _URI),
    "dpop_jkt": _spec(128, _UNRESERVED),
    # token request (RFC 6749 §4.1.3, §6, §4.4; RFC 7636 §4.5; RFC 7523)
    "grant_type": _spec(256, _URI),  # A.10: grant-name / URI-reference
    "code": _spec(512, _VSCHAR),  # A.11
    "code_verifier": _spec(128, _UNRESERVED),  # RFC 7636 §4.1 (length checked in pkce)
    "refresh_token": _spec(2048, _VSCHAR),  # A.16
    "client_secret": _spec(512, _VSCHAR),  # A.2
    "client_assertion": _spec(8192, _VSCHAR),
    "client_assertion_type": _spec(256, _URI),
    # revocation / introspection (RFC 7009, RFC 7662)
    "token": _spec(8192, _VSCHAR),
    "token_type_hint": _spec(64, _NAME_CHAR),
    # resource requests (RFC 6750 §2.2, form-encoded body)
    "access_token": _spec(8192, _VSCHAR),
}


def _sent(raw: RawParams, name: str) -> Sequence[str]:
    """Every value sent for ``name``, empty ones included."""
    sent = raw.get(name, ())
    if isinstance(sent, str):
        # A str is a Sequence[str] to the type checker: a caller passing a plain dict
        # of strings would make every multi-character value look "repeated".
        raise TypeError(f"{name}: raw parameters map names to lists of values")
    return sent


def _values(raw: RawParams, name: str) -> list[str]:
    """Every non-empty value of ``name``; empty values count as absent (RFC 6749 §3.1)."""
    return [value for value in _sent(raw, name) if value != ""]


def _check(name: str, value: str, error: type[OAuthError]) -> str:
    spec = PARAM_SPECS[name]
    if len(value) > spec.max_length:
        raise error(
            f"The {name} parameter is too long (at most {spec.max_length} characters).",
            debug=f"{name} has {len(value)} characters",
        )
    if not spec.matches(value):
        raise error(f"The {name} parameter contains characters that are not allowed.")
    return value


def single(raw: RawParams, name: str, *, error: type[OAuthError] = InvalidRequest) -> str | None:
    """The one value of ``name``, or ``None`` when absent or empty.

    Raises ``error`` (``invalid_request`` by default) when the parameter is repeated,
    too long, or contains characters outside its alphabet.
    """
    if raw.get(name) is None:  # absent: most of a token request's dozen names
        return None
    if len(_sent(raw, name)) > 1:
        # RFC 6749 §3.1: "Request and response parameters MUST NOT be included more
        # than once." Counted before dropping empties: a repeat is a repeat.
        raise error(f"The {name} parameter was sent more than once.")
    values = _values(raw, name)
    return _check(name, values[0], error) if values else None


def required(raw: RawParams, name: str, *, error: type[OAuthError] = InvalidRequest) -> str:
    """Like :func:`single`, but an absent or empty parameter is an ``error`` too."""
    value = single(raw, name, error=error)
    if value is None:
        raise error(f"The {name} parameter is required.")
    return value


_MAX_REPEATS = 10


def many(raw: RawParams, name: str, *, error: type[OAuthError] = InvalidRequest) -> tuple[str, ...]:
    """All values of a parameter that may legitimately repeat (RFC 8707 ``resource``).

    RFC 8707 §2: "Multiple resource parameters MAY be used to indicate that the
    requested token is intended to be used at multiple resources." Duplicates are
    dropped, order kept, and the count is bounded.
    """
    values = _values(raw, name)
    if len(_sent(raw, name)) > _MAX_REPEATS:
        raise error(f"The {name} parameter was sent too many times.")
    checked = [_check(name, value, error) for value in values]
    return tuple(dict.fromkeys(checked))
