"""JW-04: private signing keys are sealed at rest and bound to their tenant and kid."""

from __future__ import annotations

import pytest

from tier0.crypto.aead import generate_key
from tier0.jose.keys import generate_private_jwk
from tier0.keys.sealing import SealedKeyError, open_private_jwk, seal_private_jwk


def test_jw04_sealed_key_round_trips_and_hides_the_private_member() -> None:
    subkey = generate_key()
    jwk = generate_private_jwk("ES256", "kid-1")
    sealed = seal_private_jwk(subkey, tenant_id="ten_a", kid="kid-1", private_jwk=jwk)
    assert jwk["d"].encode() not in sealed
    assert b'"d"' not in sealed
    assert open_private_jwk(subkey, tenant_id="ten_a", kid="kid-1", sealed=sealed) == jwk


@pytest.mark.parametrize(
    ("tenant_id", "kid", "other_key"),
    [("ten_b", "kid-1", False), ("ten_a", "kid-2", False), ("ten_a", "kid-1", True)],
)
def test_jw04_sealed_key_does_not_open_elsewhere(tenant_id: str, kid: str, other_key: bool) -> None:
    subkey = generate_key()
    jwk = generate_private_jwk("EdDSA", "kid-1")
    sealed = seal_private_jwk(subkey, tenant_id="ten_a", kid="kid-1", private_jwk=jwk)
    key = generate_key() if other_key else subkey
    with pytest.raises(SealedKeyError):
        open_private_jwk(key, tenant_id=tenant_id, kid=kid, sealed=sealed)


def test_tampered_sealed_key_is_refused() -> None:
    subkey = generate_key()
    sealed = bytearray(
        seal_private_jwk(
            subkey, tenant_id="t", kid="k", private_jwk=generate_private_jwk("ES256", "k")
        )
    )
    sealed[-1] ^= 1
    with pytest.raises(SealedKeyError) as caught:
        open_private_jwk(subkey, tenant_id="t", kid="k", sealed=bytes(sealed))
    assert str(caught.value) == "sealed signing key could not be opened"


def test_a_sealed_jwk_with_another_kid_inside_is_refused() -> None:
    subkey = generate_key()
    sealed = seal_private_jwk(
        subkey, tenant_id="t", kid="k", private_jwk=generate_private_jwk("ES256", "other")
    )
    with pytest.raises(SealedKeyError):
        open_private_jwk(subkey, tenant_id="t", kid="k", sealed=sealed)
