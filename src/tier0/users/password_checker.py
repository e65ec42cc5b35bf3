"""One entry point for "may this user set this password?" on sign-up, change and reset.

Combines the pure policy rules (:func:`~tier0.users.password_policy.check_password`), the
shipped offline blocklist, the optional online HIBP range check and password history, in
that order: cheap and local first, network last (PW-04, PW-05).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from tier0.users.hibp import HibpChecker
from tier0.users.password_policy import (
    Blocklist,
    PasswordMatcher,
    PasswordPolicy,
    PasswordRejected,
    RejectionCode,
    check_not_reused,
    check_password,
    normalize_password,
)


class PasswordChecker:
    """Built once in the container; holds the (lazily loaded) blocklist and HIBP client, and
    each tenant's :class:`PasswordPolicy` (a default plus per-tenant overrides by name)."""

    def __init__(
        self,
        blocklist: Blocklist,
        *,
        hibp: HibpChecker | None = None,
        default: PasswordPolicy | None = None,
        overrides: Mapping[str, PasswordPolicy] | None = None,
    ) -> None:
        self._blocklist = blocklist
        self._hibp = hibp
        self._default = default or PasswordPolicy()
        self._overrides = dict(overrides or {})

    def policy_for(self, tenant: str) -> PasswordPolicy:
        """The policy of the tenant named ``tenant``."""
        return self._overrides.get(tenant, self._default)

    async def check(
        self,
        password: str,
        policy: PasswordPolicy,
        *,
        context: Sequence[str],
        previous_hashes: Sequence[str] = (),
        matches: PasswordMatcher | None = None,
    ) -> str:
        """Raise :class:`PasswordRejected`, or return the NFKC form to hash.

        ``previous_hashes`` (newest first) and ``matches`` are needed only when the policy
        keeps a password history.
        """
        check_password(password, policy, context=context, blocklist=self._blocklist)
        normalized = normalize_password(password)
        if policy.blocklist and self._hibp is not None and await self._hibp.is_breached(normalized):
            raise PasswordRejected(
                RejectionCode.BLOCKLISTED,
                "This password has appeared in a data breach. Choose another one.",
            )
        if policy.history_size and previous_hashes:
            if matches is None:
                raise ValueError("a password history check needs a matcher")
            await check_not_reused(password, previous_hashes, policy, matches)
        return normalized
