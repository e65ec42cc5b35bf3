"""``prompt`` and ``max_age`` (OIDC Core §3.1.2.1, §3.1.2.3).

The protocol core only decides *that* the end-user must sign in (or consent); the
``login/`` package performs the interaction and resumes the request.

OIDC Core §3.1.2.1, ``prompt``: "If this parameter contains none with any other value,
an error is returned." ``max_age``: "If the elapsed time is greater than this value,
the OP MUST attempt to actively re-authenticate the End-User." and (errata set 1)
"Note that max_age=0 is equivalent to prompt=login."
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from tier0.protocol.errors import ConsentRequired, InvalidRequest, LoginRequired

__all__ = [
    "Prompt",
    "check_prompt_none",
    "needs_login",
    "parse_max_age",
    "parse_prompt",
]


class Prompt(StrEnum):
    """The prompt values of OIDC Core §3.1.2.1."""

    NONE = "none"
    LOGIN = "login"
    CONSENT = "consent"
    SELECT_ACCOUNT = "select_account"


_MAX_AGE_DIGITS = 10


def parse_prompt(value: str | None) -> frozenset[Prompt]:
    """The set of prompt values; unknown values and ``none`` with others are refused."""
    if value is None:
        return frozenset()
    words = {word for word in value.split(" ") if word}
    try:
        prompts = frozenset(Prompt(word) for word in words)
    except ValueError:
        raise InvalidRequest("The prompt parameter has an unsupported value.") from None
    if Prompt.NONE in prompts and len(prompts) > 1:
        raise InvalidRequest("prompt=none cannot be combined with other prompt values.")
    return prompts


def parse_max_age(value: str | None) -> int | None:
    """``max_age`` in seconds: a non-negative integer of at most 10 digits."""
    if value is None:
        return None
    if not value.isascii() or not value.isdigit() or len(value) > _MAX_AGE_DIGITS:
        raise InvalidRequest("max_age must be a non-negative integer number of seconds.")
    return int(value)


def needs_login(
    session_auth_time: datetime | None,
    now: datetime,
    prompt: frozenset[Prompt],
    max_age: int | None,
    *,
    authenticated_in_this_request: bool = False,
) -> bool:
    """Whether the end-user must (re-)authenticate before this request can complete.

    ``session_auth_time`` is when the current session's user last authenticated
    (``None``: no session). ``authenticated_in_this_request`` is true once the login
    interaction for *this* request has run: it satisfies ``prompt=login`` and
    ``max_age``, so resuming the request does not loop back to the login page.
    ``now`` comes from the injected :class:`tier0.clock.Clock`.
    """
    if session_auth_time is None:
        return True
    if authenticated_in_this_request:
        return False
    if Prompt.LOGIN in prompt:
        return True
    if max_age is None:
        return False
    if max_age == 0:
        return True
    elapsed = (now - session_auth_time).total_seconds()
    return elapsed > max_age


def check_prompt_none(
    prompt: frozenset[Prompt], *, login_needed: bool, consent_needed: bool = False
) -> None:
    """With ``prompt=none`` no UI may be shown: report what would have been needed.

    OIDC Core §3.1.2.1, ``none``: "The Authorization Server MUST NOT display any
    authentication or consent user interface pages. An error is returned if an
    End-User is not already authenticated or the Client does not have pre-configured
    consent for the requested Claims".
    """
    if Prompt.NONE not in prompt:
        return
    if login_needed:
        raise LoginRequired()
    if consent_needed:
        raise ConsentRequired()
