"""Errors raised by :mod:`tier0.jose`.

A verifier raises one opaque exception (RFC 8725 §3: do not tell an attacker which check
failed). The reason travels in ``debug``, for logs only, and never contains the token.
"""

from __future__ import annotations

_DEBUG_LIMIT = 200


class JoseError(Exception):
    """Base of every failure in :mod:`tier0.jose`."""


class InvalidJwt(JoseError):
    """A JWT failed parsing, signature, type or claim checks.

    ``str()`` is always the same fixed text; ``debug`` says why, for a log line only.
    """

    def __init__(self, debug: str = "") -> None:
        super().__init__("invalid JWT")
        # Attacker-controlled header values can end up here (an unknown alg name): bound it.
        self.debug = debug[:_DEBUG_LIMIT]

    def __repr__(self) -> str:
        return "InvalidJwt()"
