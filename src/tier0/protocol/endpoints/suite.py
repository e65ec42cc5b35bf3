"""Wiring the token-side endpoints from their ports (called by the composition root)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from tier0.clock import Clock
from tier0.protocol.client_auth import ClientAuthenticator, SecretChecker, SecretGuessGuard
from tier0.protocol.endpoints.introspection import IntrospectionEndpoint
from tier0.protocol.endpoints.lookup import TokenLookup
from tier0.protocol.endpoints.revocation import RevocationEndpoint
from tier0.protocol.endpoints.token import TokenEndpoint
from tier0.protocol.endpoints.userinfo import UserinfoEndpoint
from tier0.protocol.events import EventRecorder, TokenEvents
from tier0.protocol.grants.authorization_code import AuthorizationCodeGrant
from tier0.protocol.grants.base import TokenPolicy
from tier0.protocol.grants.client_credentials import ClientCredentialsGrant
from tier0.protocol.grants.family import HashKeys
from tier0.protocol.grants.minting import TokenMinter
from tier0.protocol.grants.refresh_token import RefreshTokenGrant
from tier0.protocol.grants.registry import GrantRegistry
from tier0.protocol.tokens.keys import CachedSigningKeys, SigningKeys
from tier0.storage.ports import Database, DirectoryReads
from tier0.storage.write_ports import CodeRedemptions, RefreshRotations

__all__ = ["OAuthEndpoints", "build_oauth_endpoints"]

#: How long an opened signing key and the JWKS are reused (see tokens/keys.py).
KEY_CACHE_TTL = timedelta(seconds=5)


@dataclass(frozen=True)
class OAuthEndpoints:
    """The token-side endpoints of every tenant."""

    token: TokenEndpoint
    introspection: IntrospectionEndpoint
    revocation: RevocationEndpoint
    userinfo: UserinfoEndpoint
    keys: CachedSigningKeys


def build_oauth_endpoints(
    *,
    db: Database,
    rotations: RefreshRotations,
    redemptions: CodeRedemptions,
    hash_keys: HashKeys,
    secrets: SecretChecker,
    signing_keys: SigningKeys,
    directory: DirectoryReads,
    clock: Clock,
    policy: TokenPolicy,
    events: EventRecorder,
    guard: SecretGuessGuard,
) -> OAuthEndpoints:
    keys = CachedSigningKeys(signing_keys, clock, KEY_CACHE_TTL, generation=directory.generation)
    token_events = TokenEvents(events, clock)
    minter = TokenMinter(keys, clock, policy)
    authenticator = ClientAuthenticator(db, directory, secrets, clock, guard)
    grants = GrantRegistry(
        [
            AuthorizationCodeGrant(
                db, redemptions, hash_keys, minter, clock, policy, token_events, directory
            ),
            RefreshTokenGrant(
                db, rotations, hash_keys, minter, clock, policy, token_events, directory
            ),
            ClientCredentialsGrant(directory, minter),
        ]
    )
    lookup = TokenLookup(db, hash_keys, keys, clock)
    return OAuthEndpoints(
        token=TokenEndpoint(authenticator, grants),
        introspection=IntrospectionEndpoint(authenticator, lookup),
        revocation=RevocationEndpoint(authenticator, lookup, db, clock, token_events),
        userinfo=UserinfoEndpoint(db, lookup),
        keys=keys,
    )
