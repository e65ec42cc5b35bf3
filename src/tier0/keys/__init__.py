"""Signing-key lifecycle: next -> active -> retired, and the JWKS that follows from it.

The functions here are pure (no storage, no clock reads): they take the keys and ``now`` and
say what the key set should become. Storage and scheduling live in the key service.
"""

from __future__ import annotations

from tier0.keys.lifecycle import (
    RotationPlan,
    apply_plan,
    current_signer,
    plan_ensure,
    plan_rotation,
    published,
)
from tier0.keys.model import KeyState, NoSigningKey, SigningKey, new_kid, new_signing_key

__all__ = [
    "KeyState",
    "NoSigningKey",
    "RotationPlan",
    "SigningKey",
    "apply_plan",
    "current_signer",
    "new_kid",
    "new_signing_key",
    "plan_ensure",
    "plan_rotation",
    "published",
]
