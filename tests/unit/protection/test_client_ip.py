"""BF-02: the client IP comes from the socket unless a configured proxy vouches for it."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tier0.protection.client_ip import ForwardingHeader, TrustedProxies, client_ip
from tier0.protection.networks import normalise_ip

PROXY = "10.0.0.5"
LB = "10.0.0.9"


def test_bf02_spoofed_xff_ignored_by_default() -> None:
    headers = {"X-Forwarded-For": "1.2.3.4", "Forwarded": "for=5.6.7.8"}
    assert client_ip("203.0.113.7", headers) == "203.0.113.7"
    assert TrustedProxies().client_ip(PROXY, headers) == PROXY


def test_bf02_spoofed_xff_from_untrusted_peer_ignored_when_proxies_configured() -> None:
    trusted = TrustedProxies(["10.0.0.0/24"])
    assert trusted.client_ip("203.0.113.7", {"x-forwarded-for": "1.2.3.4"}) == "203.0.113.7"


def test_bf02_trusted_proxy_gives_rightmost_untrusted_hop() -> None:
    trusted = TrustedProxies(["10.0.0.0/24"])
    # The client forged "6.6.6.6"; our LB and proxy appended the real hops on the right.
    headers = {"X-Forwarded-For": f"6.6.6.6, 198.51.100.20, {LB}"}
    assert trusted.client_ip(PROXY, headers) == "198.51.100.20"


@pytest.mark.parametrize("forged", ["1.1.1.1", "2.2.2.2, 3.3.3.3", "10.0.0.1", "garbage"])
def test_bf02_rotating_spoofed_xff_behind_trusted_proxy_keeps_the_real_address(
    forged: str,
) -> None:
    trusted = TrustedProxies(["10.0.0.0/24"])
    headers = {"x-forwarded-for": f"{forged}, 198.51.100.20"}
    assert trusted.client_ip(PROXY, headers) == "198.51.100.20"


def test_bf02_all_hops_trusted_gives_the_leftmost() -> None:
    trusted = TrustedProxies(["10.0.0.0/24"])
    assert trusted.client_ip(PROXY, {"x-forwarded-for": f"10.0.0.1, {LB}"}) == "10.0.0.1"


@pytest.mark.parametrize("header", ["", "not-an-ip", "198.51.100.20, , 10.0.0.9", "unknown"])
def test_bf02_malformed_hop_falls_back_to_the_peer(header: str) -> None:
    trusted = TrustedProxies(["10.0.0.0/24"])
    assert trusted.client_ip(PROXY, {"x-forwarded-for": header}) == PROXY


def test_bf02_missing_header_behind_trusted_proxy_gives_the_peer() -> None:
    assert TrustedProxies(["10.0.0.0/24"]).client_ip(PROXY, {}) == PROXY


def test_bf02_addresses_are_normalised() -> None:
    trusted = TrustedProxies(["10.0.0.0/24", "2001:db8:1::/48"])
    assert client_ip("::ffff:192.0.2.1", {}) == "192.0.2.1"
    assert client_ip("2001:DB8:0:0:0:0:0:1", {}) == "2001:db8::1"
    # An IPv4-mapped peer still matches an IPv4 proxy range.
    assert trusted.client_ip("::ffff:10.0.0.5", {"x-forwarded-for": "192.0.2.9"}) == "192.0.2.9"
    headers = {"x-forwarded-for": "[2001:DB8::AB]:443, 192.0.2.4:5000"}
    assert trusted.client_ip("2001:db8:1::1", headers) == "192.0.2.4"
    assert trusted.client_ip(PROXY, {"x-forwarded-for": "[2001:DB8::AB]:443"}) == "2001:db8::ab"


def test_bf02_forwarded_header_rfc7239() -> None:
    trusted = TrustedProxies(["10.0.0.0/24"], header=ForwardingHeader.FORWARDED)
    headers = {"forwarded": 'for=6.6.6.6, for="[2001:db8:cafe::17]:4711";proto=https, for=10.0.0.9'}
    assert trusted.client_ip(PROXY, headers) == "2001:db8:cafe::17"
    assert trusted.client_ip(PROXY, {"forwarded": 'For="192.0.2.43:47011"'}) == "192.0.2.43"
    # Obfuscated identifiers and elements without for= are not addresses: use the peer.
    assert trusted.client_ip(PROXY, {"forwarded": "for=_hidden"}) == PROXY
    assert trusted.client_ip(PROXY, {"forwarded": "proto=https"}) == PROXY


def test_bf02_only_the_configured_header_is_read() -> None:
    xff_only = TrustedProxies(["10.0.0.0/24"])
    assert xff_only.client_ip(PROXY, {"forwarded": "for=1.2.3.4"}) == PROXY
    fwd_only = TrustedProxies(["10.0.0.0/24"], header=ForwardingHeader.FORWARDED)
    assert fwd_only.client_ip(PROXY, {"x-forwarded-for": "1.2.3.4"}) == PROXY


def test_bf02_bad_proxy_cidr_is_refused_at_configuration() -> None:
    with pytest.raises(ValueError, match="not an IP network"):
        TrustedProxies(["10.0.0.0/33"])


@given(st.text(max_size=200))
def test_bf02_any_header_from_an_untrusted_peer_gives_the_peer(header: str) -> None:
    trusted = TrustedProxies(["10.0.0.0/24"])
    assert trusted.client_ip("198.51.100.1", {"x-forwarded-for": header}) == "198.51.100.1"


@given(st.lists(st.ip_addresses(), max_size=6))
def test_bf02_result_is_the_peer_or_an_untrusted_hop(
    hops: list[ipaddress.IPv4Address | ipaddress.IPv6Address],
) -> None:
    trusted = TrustedProxies(["10.0.0.0/8", "fd00::/8"])
    header = ", ".join(str(hop) for hop in hops)
    result = trusted.client_ip(PROXY, {"x-forwarded-for": header})
    assert result == PROXY or result in {normalise_ip(str(hop)) for hop in hops}
