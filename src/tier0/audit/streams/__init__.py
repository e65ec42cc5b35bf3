"""Log streams: deliver a tenant's events to a SIEM, at least once and in order.

A relay reads the ``events`` table (the outbox) from each stream's cursor and hands batches
to a sender (signed webhook, syslog over TCP or TLS, JSON lines). The cursor only moves
after a delivery succeeded, so a crash or restart re-sends rather than loses; a lease per
stream keeps several relay nodes from delivering the same stream at once.
"""

from tier0.audit.streams.model import LogStream, StreamKind, StreamStatus
from tier0.audit.streams.relay import Relay, RelayPolicy
from tier0.audit.streams.senders import DeliveryError, Sender

__all__ = [
    "DeliveryError",
    "LogStream",
    "Relay",
    "RelayPolicy",
    "Sender",
    "StreamKind",
    "StreamStatus",
]
