"""The protocol flows: the login flow (sessions, codes, the sign-in guard, MFA) and the
OAuth endpoints (with the refresh-rotation and code-redemption write paths)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from tier0.login.codes import CodeIssuer
from tier0.login.consent import ConsentService
from tier0.login.directory import LoginDirectory
from tier0.login.factors import FactorSteps
from tier0.login.flow import LoginFlow
from tier0.login.guard import SignInGuard
from tier0.login.interactions import InteractionSealer
from tier0.login.second_factor import PendingSealer
from tier0.login.sessions import SessionService
from tier0.login.signin import Authenticator
from tier0.mfa.assembly import MfaParts, build_mfa
from tier0.protocol.endpoints.suite import OAuthEndpoints, build_oauth_endpoints
from tier0.storage.sql.repos.redemption import SqlCodeRedemptions
from tier0.storage.sql.repos.rotation import SqlRefreshRotations
from tier0.storage.sql.repos.signin import SqlSignInWrites
from tier0.wiring.foundation import Foundation
from tier0.wiring.policies import session_policy, token_policy
from tier0.wiring.services import Services


def build_oauth(f: Foundation, s: Services) -> OAuthEndpoints:
    return build_oauth_endpoints(
        db=f.db,
        rotations=SqlRefreshRotations(f.one_hop),
        redemptions=SqlCodeRedemptions(f.one_hop, f.db.cipher),
        hash_keys=f.keyring,
        secrets=s.applications,
        signing_keys=s.keys,
        directory=f.directory,
        clock=f.clock,
        policy=token_policy(f.settings),
        events=f.audit,
        guard=s.protection.guessing,
    )


@dataclass(frozen=True)
class Login:
    sessions: SessionService
    guard: SignInGuard
    mfa: MfaParts
    flow: LoginFlow


def build_login(f: Foundation, s: Services) -> Login:
    settings, db, keyring, clock = f.settings, f.db, f.keyring, f.clock
    sessions = _sessions(f)
    guard = SignInGuard(
        brute_force=s.protection.brute_force,
        suspicious_ip=s.protection.suspicious_ip,
        events=f.audit,
        clock=clock,
        notify_blocked=s.protection_blocks.notify_later,
    )
    mfa = build_mfa(
        db,
        keyring,
        clock,
        throttle=s.protection.guessing,
        mailer=s.mail.mailer,
        audit=f.audit,
        public_url=settings.public_url,
    )
    authenticator = Authenticator(
        writes=SqlSignInWrites(f.one_hop, db.cipher),
        audit=f.audit,
        users=s.users,
        sessions=sessions,
        guard=guard,
        mfa=mfa.service,
    )
    directory = LoginDirectory(
        applications=s.applications,
        apis=s.apis,
        users=s.users,
        sessions=sessions,
        cache=f.directory,
    )
    flow = LoginFlow(
        issuer_of=settings.tenant_base_url,
        clock=clock,
        directory=directory,
        sealer=InteractionSealer(keyring, clock),
        codes=_codes(f),
        authenticator=authenticator,
        consents=ConsentService(db),
        guard=guard,
        mfa=mfa.service,
        pending=PendingSealer(keyring, clock),
        factors=FactorSteps(mfa.service, mfa.passkeys, mfa.email),
    )
    return Login(sessions=sessions, guard=guard, mfa=mfa, flow=flow)


def _sessions(f: Foundation) -> SessionService:
    return SessionService(f.db, f.keyring, f.clock, session_policy(f.settings))


def _codes(f: Foundation) -> CodeIssuer:
    return CodeIssuer(
        f.db,
        f.keyring,
        f.clock,
        lifetime=timedelta(seconds=f.settings.authorization_code_lifetime),
        audit=f.audit,
    )
