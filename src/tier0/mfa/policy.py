"""The tenant's MFA settings: ``tenant.settings["mfa"]`` (issue 10).

``policy``: ``never`` skips the second factor for everyone, ``optional`` (the default) asks
it of users who enrolled one, ``required`` also makes a user without a factor enroll one
during sign-in, before any session or code exists (MF-04). ``required_clients`` lists the
applications (client ids) that require it whatever the tenant's policy says. ``passkeys``
sets the WebAuthn user-verification preference and whether a passkey may be the only
factor (passwordless); ``email_otp`` turns on the email one-time code as a fallback.

A value that is present but not understood fails closed: a typo must not switch MFA off
(an unknown policy counts as ``required``, an unknown user-verification value as
``required``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from tier0.domain import Tenant

__all__ = ["MfaOptions", "MfaPolicy", "UserVerification", "mfa_options", "mfa_policy"]


class MfaPolicy(StrEnum):
    NEVER = "never"
    OPTIONAL = "optional"
    REQUIRED = "required"


class UserVerification(StrEnum):
    """WebAuthn L2 §5.8.6 ``UserVerificationRequirement``."""

    REQUIRED = "required"
    PREFERRED = "preferred"
    DISCOURAGED = "discouraged"


@dataclass(frozen=True, slots=True)
class MfaOptions:
    policy: MfaPolicy = MfaPolicy.OPTIONAL
    required_clients: frozenset[str] = frozenset()
    user_verification: UserVerification = UserVerification.PREFERRED
    passwordless: bool = False
    email_otp: bool = False

    def policy_for(self, client_id: str | None) -> MfaPolicy:
        """The policy a sign-in for ``client_id`` meets: an application listed in
        ``required_clients`` raises it to ``required`` (even over ``never``), none lowers it."""
        if client_id is not None and client_id in self.required_clients:
            return MfaPolicy.REQUIRED
        return self.policy


def _section(tenant: Tenant) -> Mapping[str, Any]:
    section = tenant.settings.get("mfa")
    return section if isinstance(section, dict) else {}


def mfa_policy(tenant: Tenant) -> MfaPolicy:
    """The policy configured for ``tenant``."""
    section = _section(tenant)
    if "policy" not in section:
        return MfaPolicy.OPTIONAL
    try:
        return MfaPolicy(section["policy"])
    except ValueError:
        return MfaPolicy.REQUIRED


def mfa_options(tenant: Tenant) -> MfaOptions:
    """Every MFA setting of ``tenant``, parsed and defaulted."""
    section = _section(tenant)
    clients = section.get("required_clients", [])
    passkeys = section.get("passkeys", {})
    passkeys = passkeys if isinstance(passkeys, dict) else {}
    try:
        uv = UserVerification(passkeys.get("user_verification", "preferred"))
    except ValueError:
        uv = UserVerification.REQUIRED
    return MfaOptions(
        policy=mfa_policy(tenant),
        required_clients=frozenset(c for c in clients if isinstance(c, str))
        if isinstance(clients, list)
        else frozenset(),
        user_verification=uv,
        passwordless=passkeys.get("passwordless") is True,
        email_otp=section.get("email_otp") is True,
    )
