"""Token-endpoint grants, one module each, behind the :class:`Grant` protocol."""

from tier0.protocol.grants.base import Grant, GrantContext, TokenPolicy, TokenResponse
from tier0.protocol.grants.registry import GrantRegistry

__all__ = ["Grant", "GrantContext", "GrantRegistry", "TokenPolicy", "TokenResponse"]
