"""The tenant's account switches: self-service sign-up and required email verification.

Both live in ``tenant.settings`` like the MFA policy::

    {"signup": {"enabled": true}, "email_verification": {"required": true}}

Sign-up is off unless ``enabled`` is exactly ``true`` (a typo must not open a tenant to
anyone). Verification is not required by default; a ``required`` value that is present but
not a boolean counts as ``true`` (fail closed). They are set by ``tier0 tenant set``, the
``signup`` / ``require_verified_email`` keys of ``tier0 apply`` and ``PATCH
/api/v2/tenants/settings``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tier0.domain import Tenant

__all__ = [
    "account_switches",
    "signup_enabled",
    "verification_required",
    "with_account_switches",
]

_SIGNUP = "signup"
_VERIFICATION = "email_verification"


def signup_enabled(tenant: Tenant) -> bool:
    section = tenant.settings.get(_SIGNUP)
    return isinstance(section, dict) and section.get("enabled") is True


def verification_required(tenant: Tenant) -> bool:
    section = tenant.settings.get(_VERIFICATION)
    if not isinstance(section, dict) or "required" not in section:
        return False
    return section["required"] is not False


def account_switches(tenant: Tenant) -> dict[str, bool]:
    """Both switches as they take effect (for views and audit diffs)."""
    return {
        "signup_enabled": signup_enabled(tenant),
        "email_verification_required": verification_required(tenant),
    }


def with_account_switches(
    settings: Mapping[str, Any],
    *,
    signup: bool | None = None,
    require_verified_email: bool | None = None,
) -> dict[str, Any]:
    """A copy of ``settings`` with the given switches set (``None`` leaves one as it is)."""
    updated = dict(settings)
    if signup is not None:
        updated[_SIGNUP] = {**_section(settings, _SIGNUP), "enabled": signup}
    if require_verified_email is not None:
        updated[_VERIFICATION] = {
            **_section(settings, _VERIFICATION),
            "required": require_verified_email,
        }
    return updated


def _section(settings: Mapping[str, Any], name: str) -> dict[str, Any]:
    section = settings.get(name)
    return dict(section) if isinstance(section, dict) else {}
