"""Dispatch on ``grant_type``: one handler per implemented grant."""

from __future__ import annotations

from collections.abc import Iterable

from tier0.protocol.checks.grant_types import GrantType
from tier0.protocol.errors import UnsupportedGrantType
from tier0.protocol.grants.base import Grant

__all__ = ["GrantRegistry"]


class GrantRegistry:
    """The grants the token endpoint serves, by type."""

    def __init__(self, grants: Iterable[Grant]) -> None:
        self._grants: dict[GrantType, Grant] = {}
        for grant in grants:
            if grant.grant_type in self._grants:
                raise ValueError(f"two handlers for {grant.grant_type.value}")
            self._grants[grant.grant_type] = grant

    def get(self, grant_type: GrantType) -> Grant:
        """The handler, or ``unsupported_grant_type`` (RFC 6749 §5.2)."""
        grant = self._grants.get(grant_type)
        if grant is None:
            raise UnsupportedGrantType(f"The {grant_type.value} grant is not enabled.")
        return grant

    @property
    def grant_types(self) -> tuple[str, ...]:
        return tuple(grant_type.value for grant_type in self._grants)
