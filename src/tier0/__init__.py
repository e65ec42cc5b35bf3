"""tier0: a security-first, self-hosted identity platform.

An OAuth 2.1 / OpenID Connect provider with Auth0-compatible paths, universal login,
attack protection, a tamper-evident audit log and envelope encryption at rest.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
