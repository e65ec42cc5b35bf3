"""KeyService on a real database (JW-04): ensure, sign, rotate mid-flow, emergency, list,
and no private key in clear at rest."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError
from sqlalchemy import text

from tests.conftest import unique
from tier0.audit.changes import ChangedBy, ChangeLog
from tier0.clock import FrozenClock, epoch
from tier0.container import Container, key_policy
from tier0.errors import InvalidInput
from tier0.jose import InvalidJwt, sign_jwt, verify_jwt
from tier0.jose.algorithms import SIGNING_ALGS
from tier0.keys.lifecycle import VERIFY_LEEWAY
from tier0.keys.model import KeyState
from tier0.services.keys import KeyPolicy, KeyService
from tier0.settings import Settings
from tier0.storage.sql.engine import session_of
from tier0.storage.sql.repos.signing_keys import sql_key_store

TTL = timedelta(minutes=15)
LIFETIME = timedelta(hours=1)


@pytest.fixture
def service(container: Container) -> KeyService:
    """A key service on the container's database with quick EC keys."""
    policy = KeyPolicy(default_alg="ES256", jwks_cache_ttl=TTL, max_token_lifetime=LIFETIME)
    return KeyService(
        container.db,
        sql_key_store,
        container.keyring,
        container.clock,
        ChangeLog(container.audit, container.clock),
        policy,
    )


async def _tenant(container: Container) -> str:
    return (await container.tenants.create(unique(), by=ChangedBy.cli())).id


async def _verify(service: KeyService, tenant_id: str, token: str, clock: FrozenClock) -> object:
    return verify_jwt(
        token,
        keys=(await service.jwks(tenant_id))["keys"],
        allowed_algs=SIGNING_ALGS,
        expected_typ="JWT",
        issuer=None,
        audience=None,
        clock=clock,
    )


async def test_default_container_signs_with_rs256(container: Container) -> None:
    tenant_id = await _tenant(container)
    signer = await container.keys.signer(tenant_id)  # created on first use
    assert signer.alg == "RS256"
    jwks = await container.keys.jwks(tenant_id)
    assert jwks["keys"][0]["kid"] == signer.kid  # the active key is listed first
    states = sorted(k.state for k in await container.keys.list(tenant_id))
    assert states == [KeyState.ACTIVE, KeyState.NEXT]


async def test_first_jwks_already_holds_the_signer_and_its_successor(
    container: Container, service: KeyService
) -> None:
    tenant_id = await _tenant(container)
    jwks = await service.jwks(tenant_id)
    signer = await service.signer(tenant_id)
    assert [k["kid"] for k in jwks["keys"]][:1] == [signer.kid]
    assert len(jwks["keys"]) == 2
    assert all(not {"d", "p", "q"} & k.keys() for k in jwks["keys"])


async def test_jw04_rotate_mid_flow_old_tokens_still_verify(
    container: Container, service: KeyService
) -> None:
    clock = container.clock
    assert isinstance(clock, FrozenClock)
    tenant_id = await _tenant(container)
    await service.ensure(tenant_id, by=ChangedBy.cli())
    old = await service.signer(tenant_id)
    token = sign_jwt({"exp": epoch(clock.now() + LIFETIME)}, private_jwk=old.private_jwk, typ="JWT")

    # The next key has not been published long enough.
    early = await service.rotate(tenant_id, by=ChangedBy.cli())
    assert early.plan.is_noop and early.plan.ready_at == clock.now() + TTL
    assert (await service.signer(tenant_id)).kid == old.kid

    clock.advance(TTL)
    result = await service.rotate(tenant_id, by=ChangedBy.cli())
    new = await service.signer(tenant_id)
    assert new.kid != old.kid and result.plan.activate == (new.kid,)
    assert await _verify(service, tenant_id, token, clock)  # old token, rotated key set

    clock.advance(LIFETIME - TTL)
    assert await _verify(service, tenant_id, token, clock)
    clock.advance(TTL + VERIFY_LEEWAY)  # the old key's last token has expired
    with pytest.raises(InvalidJwt):
        await _verify(service, tenant_id, token, clock)
    assert old.kid not in {k["kid"] for k in (await service.jwks(tenant_id))["keys"]}


async def test_jw04_emergency_rotation_withdraws_at_once(
    container: Container, service: KeyService
) -> None:
    clock = container.clock
    assert isinstance(clock, FrozenClock)
    tenant_id = await _tenant(container)
    old = await service.signer(tenant_id)
    token = sign_jwt({"exp": epoch(clock.now()) + 60}, private_jwk=old.private_jwk, typ="JWT")
    result = await service.rotate(tenant_id, emergency=True, by=ChangedBy.cli())
    assert result.plan.emergency
    assert {k.kid for k in result.keys if k.published} == {
        k["kid"] for k in (await service.jwks(tenant_id))["keys"]
    }
    with pytest.raises(InvalidJwt):
        await _verify(service, tenant_id, token, clock)
    assert (await service.signer(tenant_id)).kid != old.kid


async def test_jw04_no_private_key_in_clear_in_the_database(
    container: Container, service: KeyService
) -> None:
    tenant_id = await _tenant(container)
    signer = await service.signer(tenant_id)
    rsa = await service.signer(tenant_id, "PS256")
    async with container.db.read() as uow:
        rows = (
            await session_of(uow).execute(
                text("SELECT private_jwk FROM signing_keys WHERE tenant_id = :t"),
                {"t": tenant_id},
            )
        ).all()
    assert len(rows) >= 2
    blobs = [bytes(row[0]) for row in rows]
    for private in (signer.private_jwk, rsa.private_jwk):
        for member in ("d", "p", "q"):
            if member in private:
                assert all(str(private[member]).encode() not in blob for blob in blobs)
    # Ciphertext is random bytes, so a short marker may occur by chance in a large blob;
    # what must never occur is a stored JWK or PEM document, which would open with these.
    for blob in blobs:
        assert not blob.lstrip().startswith((b"{", b"-----BEGIN"))
        assert b'"kty"' not in blob
    if container.settings.database_url is None:
        raw = (container.settings.data_dir / "tier0.db").read_bytes()
        wal = container.settings.data_dir / "tier0.db-wal"
        raw += wal.read_bytes() if wal.exists() else b""
        assert str(signer.private_jwk["d"]).encode() not in raw
        assert str(rsa.private_jwk["p"]).encode() not in raw


async def test_concurrent_ensure_makes_one_active_key(
    container: Container, service: KeyService
) -> None:
    tenant_id = await _tenant(container)
    await asyncio.gather(*(service.ensure(tenant_id, by=ChangedBy.cli()) for _ in range(4)))
    keys = await service.list(tenant_id)
    assert sum(k.state is KeyState.ACTIVE for k in keys) == 1
    assert sum(k.state is KeyState.NEXT for k in keys) == 1


async def test_list_reports_ages_and_publication(container: Container, service: KeyService) -> None:
    clock = container.clock
    assert isinstance(clock, FrozenClock)
    tenant_id = await _tenant(container)
    await service.ensure(tenant_id, by=ChangedBy.cli())
    clock.advance(timedelta(hours=3))
    keys = await service.list(tenant_id)
    assert {k.age_seconds for k in keys} == {3 * 3600}
    assert all(k.published for k in keys)


async def test_unknown_or_symmetric_alg_is_refused(
    container: Container, service: KeyService
) -> None:
    tenant_id = await _tenant(container)
    for alg in ("HS256", "none", "RS512"):
        with pytest.raises(InvalidInput):
            await service.rotate(tenant_id, alg=alg, by=ChangedBy.cli())
    assert await service.list(tenant_id) == []


def test_jw01_settings_refuse_a_symmetric_or_unknown_signing_alg(tmp_path: Path) -> None:
    for alg in ("HS256", "none", "RS512"):
        with pytest.raises(ValidationError):
            Settings(data_dir=tmp_path, signing_alg=alg)
    policy = key_policy(Settings(data_dir=tmp_path, jwks_cache_ttl=60, max_token_lifetime=3600))
    assert policy == KeyPolicy(
        default_alg="RS256",
        jwks_cache_ttl=timedelta(minutes=1),
        max_token_lifetime=timedelta(hours=1),
    )
