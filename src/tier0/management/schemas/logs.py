"""Audit log entries as the management API shows them (Auth0's log object, tier0 fields)."""

from __future__ import annotations

from tier0.management.schemas.common import Out


class Party(Out):
    kind: str
    id: str | None


class LogOut(Out):
    """One security event. `auth0_type` is Auth0's log code where one exists (`sapi`, `s`…);
    pass `seq` back as `from` to read on from there."""

    log_id: str
    seq: int
    date: str
    type: str
    auth0_type: str | None
    category: str
    outcome: str
    actor: Party
    subject: Party | None
    client_id: str | None
    ip: str | None
    user_agent: str | None
    details: dict[str, object]
