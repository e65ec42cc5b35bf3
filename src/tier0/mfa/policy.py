"""The tenant's MFA policy: ``tenant.settings["mfa"]["policy"]`` (issue 10).

``never`` skips the second factor for everyone, ``optional`` (the default) asks it of
users who enrolled one, ``required`` also makes a user without a factor enroll one during
sign-in, before any session or code exists (MF-04). A value that is present but not one of
the three fails closed, to ``required``: a typo must not switch MFA off.
"""

from __future__ import annotations

from enum import StrEnum

from tier0.domain import Tenant

__all__ = ["MfaPolicy", "mfa_policy"]


class MfaPolicy(StrEnum):
    NEVER = "never"
    OPTIONAL = "optional"
    REQUIRED = "required"


def mfa_policy(tenant: Tenant) -> MfaPolicy:
    """The policy configured for ``tenant``."""
    section = tenant.settings.get("mfa")
    if not isinstance(section, dict) or "policy" not in section:
        return MfaPolicy.OPTIONAL
    try:
        return MfaPolicy(section["policy"])
    except ValueError:
        return MfaPolicy.REQUIRED
