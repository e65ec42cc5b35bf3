"""The closed vocabulary of security events (LG-01).

Every security-relevant thing tier0 does is announced as one :class:`EventType`: a dotted
name in the style of node-oidc-provider (``refresh_token.reused``). The list is closed: an
event that is not a member cannot be built, so SIEM rules written against these names keep
working. Each member has one row in :data:`EVENT_TABLE` carrying

- a description (shown in ``docs/events.md``),
- a :class:`Category`: Auth0's log-stream filter names (``auth.login.fail`` ...), so a stream
  filter written for Auth0 selects the same kind of events here,
- the Auth0 log-type code it corresponds to, or ``None`` when Auth0 has none (codes are
  never invented: they come from Auth0's published list, see AUTH0-COMPAT.md §4),
- whether the event records a failure (which fixes the event's ``outcome``),
- whether it is reserved for a feature not built yet.

The names are in :mod:`~tier0.audit.events.vocabulary`; the rows, by domain, in
``users``, ``oauth``, ``security`` and ``management``.
"""

from __future__ import annotations

from typing import Final

from tier0.audit.events import management, oauth, security, users
from tier0.audit.events.vocabulary import AUTH0_CODES, Category, EventInfo, EventType, install

__all__ = ["AUTH0_CODES", "EVENT_TABLE", "Category", "EventInfo", "EventType"]

EVENT_TABLE: Final = install({**users.ROWS, **oauth.ROWS, **security.ROWS, **management.ROWS})
"""Metadata for every :class:`EventType`, in the enum's order; a test checks it covers the
enum exactly."""
