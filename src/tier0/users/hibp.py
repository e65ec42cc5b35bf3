"""Optional online breached-password check: the Pwned Passwords k-anonymity range API.

Off by default (tier0 must work air-gapped); a connected deployment can turn it on in
addition to the shipped offline list. Only the first 5 hex characters of the password's
SHA-1 leave the machine, and the ``Add-Padding: true`` header asks the service to pad each
response with fake zero-count suffixes so its size does not reveal the prefix either.

Failure handling is explicit: by default an unreachable service refuses the password change
(:class:`BreachCheckUnavailable`, fail closed); ``fail_open=True`` skips the online check
instead, leaving the offline list as the only blocklist.
"""

from __future__ import annotations

import hashlib
import hmac

import httpx

DEFAULT_BASE_URL = "https://api.pwnedpasswords.com"
DEFAULT_TIMEOUT = 2.0


class BreachCheckUnavailable(Exception):
    """The online service could not be asked, and the checker is configured to fail closed."""


class HibpChecker:
    """Asks ``GET {base_url}/range/{prefix}`` whether a password's SHA-1 is listed."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        base_url: str = DEFAULT_BASE_URL,
        fail_open: bool = False,
        timeout: float = DEFAULT_TIMEOUT,
        min_count: int = 1,
    ) -> None:
        self._client = client
        self._base_url = base_url.rstrip("/")
        self._fail_open = fail_open
        self._timeout = timeout
        self._min_count = max(1, min_count)

    async def breach_count(self, password: str) -> int | None:
        """How often the (normalised) password was seen; ``None`` if unknown and failing open."""
        digest = hashlib.sha1(password.encode("utf-8"), usedforsecurity=False).hexdigest()
        prefix, suffix = digest[:5].upper(), digest[5:].upper()
        try:
            response = await self._client.get(
                f"{self._base_url}/range/{prefix}",
                headers={"Add-Padding": "true"},
                timeout=self._timeout,
            )
            response.raise_for_status()
            return _count_in(response.text, suffix)
        except (httpx.HTTPError, ValueError) as exc:
            if self._fail_open:
                return None
            # The prefix is not secret but the exception text stays generic anyway.
            raise BreachCheckUnavailable("the online breached-password check failed") from exc

    async def is_breached(self, password: str) -> bool:
        count = await self.breach_count(password)
        return count is not None and count >= self._min_count


def _count_in(body: str, suffix: str) -> int:
    """Find ``SUFFIX:COUNT`` in a range response. Padding lines have count 0."""
    found = 0
    for line in body.splitlines():
        candidate, sep, count = line.strip().partition(":")
        if not sep:
            continue
        # Every line is compared, so the time taken does not depend on where the match is.
        if hmac.compare_digest(candidate.upper().encode(), suffix.encode()):
            found = int(count)
    return found
