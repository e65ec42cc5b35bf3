"""IP address parsing and CIDR lists shared by proxy trust and allow-lists."""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Iterable

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


@functools.lru_cache(maxsize=4096)
def parse_ip(text: str) -> IPAddress | None:
    """Parse one address; IPv4-mapped IPv6 (`::ffff:192.0.2.1`) becomes plain IPv4 so both
    spellings share one rate-limit key. Returns None for anything that is not an address.

    Memoised (address objects are immutable): one request parses its client's address a
    dozen times across proxy trust, rate limits and attack protection, ~0.1 ms in all."""
    try:
        address = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def normalise_ip(text: str) -> str:
    """Canonical text of an address (compressed IPv6, unmapped IPv4); other text unchanged."""
    address = parse_ip(text)
    return str(address) if address is not None else text


class NetworkList:
    """A fixed set of CIDR blocks (`10.0.0.0/8`, `2001:db8::/32`, or single addresses)."""

    def __init__(self, cidrs: Iterable[str] = ()) -> None:
        networks: list[IPNetwork] = []
        for cidr in cidrs:
            try:
                networks.append(ipaddress.ip_network(cidr.strip(), strict=False))
            except ValueError as exc:
                raise ValueError(f"not an IP network: {cidr!r}") from exc
        self._networks = tuple(networks)

    def __bool__(self) -> bool:
        return bool(self._networks)

    def __len__(self) -> int:
        return len(self._networks)

    def contains(self, address: str | IPAddress | None) -> bool:
        """True when `address` lies in one of the networks; unparsable text never matches."""
        parsed = parse_ip(address) if isinstance(address, str) else address
        if parsed is None:
            return False
        return any(parsed.version == net.version and parsed in net for net in self._networks)
