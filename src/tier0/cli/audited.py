"""The CLI as the author of a change: ``by=CLI`` for the services, ``CLI_ACTOR`` for the
few that still take an actor.

Every change the CLI makes is audited by its service, in the change's transaction
(tier0.audit.changes); changes in the counter store (lifting a block) are audited by their
service write-ahead (tier0.services.protection_blocks).
"""

from __future__ import annotations

from typing import Final

from tier0.audit import Actor
from tier0.audit.changes import ChangedBy

CLI: Final = ChangedBy.cli()
CLI_ACTOR: Final[Actor] = CLI.actor
