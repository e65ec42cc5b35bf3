"""DP-06: unguessable values come from `secrets` and carry at least 128 bits."""

from __future__ import annotations

import base64
import re

import pytest

from tier0.crypto import random_client_id, random_id, random_token


def _b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@pytest.mark.parametrize("nbytes", [16, 32, 48])
def test_dp06_token_decodes_to_requested_length(nbytes: int) -> None:
    token = random_token(nbytes)
    assert re.fullmatch(r"[A-Za-z0-9_-]+", token), "URL-safe alphabet, no padding"
    assert len(_b64url_decode(token)) == nbytes


def test_dp06_default_token_is_256_bits() -> None:
    assert len(_b64url_decode(random_token())) == 32


@pytest.mark.parametrize("nbytes", [0, 8, 15])
def test_dp06_token_below_128_bits_refused(nbytes: int) -> None:
    with pytest.raises(ValueError, match="128 bits"):
        random_token(nbytes)


def test_dp06_tokens_do_not_repeat() -> None:
    assert len({random_token() for _ in range(2000)}) == 2000


def test_dp06_random_id_shape_and_entropy() -> None:
    ident = random_id("rol_")
    assert ident.startswith("rol_")
    body = ident.removeprefix("rol_")
    assert re.fullmatch(r"[a-z2-7]+", body), "lowercase base32, no padding"
    decoded = base64.b32decode(body.upper() + "=" * (-len(body) % 8))
    assert len(decoded) == 16


def test_dp06_random_id_below_128_bits_refused() -> None:
    with pytest.raises(ValueError):
        random_id("x_", nbytes=12)


def test_dp06_random_ids_unique() -> None:
    assert len({random_id() for _ in range(2000)}) == 2000


def test_dp06_client_id_is_32_alphanumerics() -> None:
    client_ids = {random_client_id() for _ in range(500)}
    assert len(client_ids) == 500
    for client_id in client_ids:
        assert re.fullmatch(r"[A-Za-z0-9]{32}", client_id)
    # Every character class shows up across many ids: the alphabet is the full 62.
    joined = "".join(client_ids)
    assert re.search(r"[a-z]", joined) and re.search(r"[A-Z]", joined)
    assert re.search(r"[0-9]", joined)
