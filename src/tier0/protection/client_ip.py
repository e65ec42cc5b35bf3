"""Which address a request really comes from (BF-02).

Rate limits and blocks are keyed by client IP, so the IP must not be attacker-chosen. ASVS
15.3.4 / RFC 9700 §4.13 spirit: `X-Forwarded-For` and `Forwarded` are client-supplied text and
are believed only as far as they were written by proxies we run. The rule: start from the
socket peer; while the address in hand is a configured trusted proxy, step one hop left in the
forwarding header. The first untrusted address is the client. Anything malformed stops the
walk at the peer, which is safe: it over-limits the proxy, it never lets a client pick a key.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from enum import StrEnum

from tier0.protection.networks import NetworkList, normalise_ip, parse_ip

# A host in a forwarding header: "[v6]:port", "[v6]", "v4:port", or a bare v4/v6 address.
_BRACKETED = re.compile(r"^\[([0-9A-Fa-f:.]+)\](?::\d{1,5})?$")
_V4_PORT = re.compile(r"^(\d{1,3}(?:\.\d{1,3}){3}):\d{1,5}$")


class ForwardingHeader(StrEnum):
    """Which header the trusted proxies append to. Only one is read: a proxy that appends to
    one passes the other through untouched, so reading both would let clients forge hops."""

    X_FORWARDED_FOR = "x-forwarded-for"
    FORWARDED = "forwarded"  # RFC 7239


class TrustedProxies:
    """The proxies whose forwarding header we believe. Default: nobody (headers ignored)."""

    def __init__(
        self,
        cidrs: Iterable[str] = (),
        *,
        header: ForwardingHeader = ForwardingHeader.X_FORWARDED_FOR,
    ) -> None:
        self._networks = NetworkList(cidrs)
        self.header = header

    def client_ip(self, peer: str, headers: Mapping[str, str]) -> str:
        """The client address for a request from socket `peer` with these `headers`.

        `headers` must hold one value per name with repeated fields joined by ", " (RFC 9110
        §5.3); names are matched case-insensitively.
        """
        peer_ip = normalise_ip(peer)
        if not self._networks.contains(peer_ip):
            return peer_ip
        raw = _header(headers, self.header.value)
        if raw is None:
            return peer_ip
        hops = _xff_hops(raw) if self.header is ForwardingHeader.X_FORWARDED_FOR else _fwd(raw)
        client = peer_ip
        for hop in reversed(hops):
            address = _host(hop) if hop is not None else None
            if address is None:
                return peer_ip  # malformed or obfuscated hop: do not guess
            client = address
            if not self._networks.contains(address):
                return address
        return client  # every hop is a trusted proxy: the leftmost one is the client


def client_ip(peer: str, headers: Mapping[str, str], trusted: TrustedProxies | None = None) -> str:
    """Module-level shorthand for `TrustedProxies.client_ip` (default: trust nobody)."""
    return (trusted or TrustedProxies()).client_ip(peer, headers)


def _header(headers: Mapping[str, str], name: str) -> str | None:
    value = headers.get(name)
    if value is not None:
        return value
    for key, candidate in headers.items():
        if key.lower() == name:
            return candidate
    return None


def _xff_hops(raw: str) -> list[str | None]:
    return [part.strip() for part in raw.split(",")]


def _fwd(raw: str) -> list[str | None]:
    """The `for=` value of each RFC 7239 forwarded-element (None when an element has none)."""
    hops: list[str | None] = []
    for element in raw.split(","):
        value: str | None = None
        for pair in element.split(";"):
            name, sep, text = pair.strip().partition("=")
            if sep and name.strip().lower() == "for":
                value = text.strip().strip('"')
        hops.append(value)
    return hops


def _host(text: str) -> str | None:
    """Canonical address of one hop, or None ("unknown", "_obfuscated", garbage)."""
    match = _BRACKETED.match(text) or _V4_PORT.match(text)
    candidate = match.group(1) if match else text
    address = parse_ip(candidate)
    return str(address) if address is not None else None
