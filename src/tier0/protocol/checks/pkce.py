"""PKCE (RFC 7636), S256 only, required for every authorization-code client (OA-03).

RFC 9700 §2.1.1: "Authorization servers MUST support PKCE" and "MUST mitigate PKCE
Downgrade Attacks by ensuring that a token request containing a code_verifier parameter
is accepted only if a code_challenge parameter was present in the authorization
request". OAuth 2.1 makes PKCE mandatory; tier0 requires it for every client and
accepts only ``S256``, the one method that does not expose the verifier in the
authorization request (RFC 9700 §2.1.1). A missing method would mean ``plain``
(RFC 7636 §4.3: "Defaults to "plain" if not present in the request").
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re

from tier0.protocol.errors import InvalidGrant, InvalidRequest

__all__ = ["S256", "check_code_challenge", "s256_challenge", "verify_pkce"]

S256 = "S256"

# RFC 7636 §4.1: code-verifier = 43*128unreserved, unreserved = ALPHA / DIGIT / "-" /
# "." / "_" / "~".
_VERIFIER = re.compile(r"[A-Za-z0-9\-._~]{43,128}")
# RFC 7636 §4.2: for S256 the challenge is BASE64URL(SHA256(verifier)) without
# padding, i.e. exactly 43 characters of the base64url alphabet.
_S256_CHALLENGE = re.compile(r"[A-Za-z0-9_-]{43}")


def s256_challenge(verifier: str) -> str:
    """``BASE64URL-ENCODE(SHA256(ASCII(code_verifier)))`` (RFC 7636 §4.2)."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def check_code_challenge(challenge: str | None, method: str | None) -> None:
    """At /authorize: a well-formed S256 challenge is required (OA-03).

    A missing challenge, a missing method (which would mean ``plain``), ``plain`` or
    any other method is ``invalid_request`` (RFC 7636 §4.4.1: "the authorization
    server ... MUST return the authorization error response with the "error" value set
    to "invalid_request"").
    """
    if challenge is None:
        raise InvalidRequest("PKCE is required: send code_challenge with method S256.")
    if method != S256:
        raise InvalidRequest(
            "Only code_challenge_method=S256 is supported.",
            debug=f"code_challenge_method={method!r}",
        )
    if _S256_CHALLENGE.fullmatch(challenge) is None:
        raise InvalidRequest("The code_challenge is not a valid S256 challenge.")


def verify_pkce(verifier: str | None, challenge: str | None) -> None:
    """At /token: the verifier must match the challenge stored with the code.

    Both must be present: a verifier without a stored challenge, or a stored challenge
    without a verifier, is refused (the PKCE downgrade attack, RFC 9700 §4.8.2). Every
    failure is the same ``invalid_grant`` (RFC 7636 §4.6: "If the values are not
    equal, an error response indicating "invalid_grant" ... MUST be returned"). The
    comparison runs in constant time.
    """
    if challenge is None or verifier is None:
        raise InvalidGrant(
            "PKCE verification failed.",
            debug="verifier without challenge" if challenge is None else "verifier missing",
        )
    if _VERIFIER.fullmatch(verifier) is None:
        raise InvalidGrant("PKCE verification failed.", debug="malformed code_verifier")
    expected = s256_challenge(verifier).encode("ascii")
    if not hmac.compare_digest(expected, challenge.encode("ascii", "replace")):
        raise InvalidGrant("PKCE verification failed.", debug="code_verifier mismatch")
