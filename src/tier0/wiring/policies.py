"""Settings turned into the policy objects and adapters the services take."""

from __future__ import annotations

import os
import secrets
import socket
from datetime import timedelta

import httpx

from tier0.clock import Clock
from tier0.domain.tenant_settings import (
    AAL2_ABSOLUTE,
    AAL2_IDLE,
    SessionLimits,
    SessionPolicy,
    SessionTimeouts,
)
from tier0.mail import EmailSender, OutboxSender, SmtpConfig, SmtpSender
from tier0.protocol.grants.base import TokenPolicy
from tier0.secrets.operational import OperationalSecrets
from tier0.services.keys import KeyPolicy
from tier0.settings import Mode, Settings
from tier0.users.breached import BreachedPasswordList
from tier0.users.hibp import HibpChecker
from tier0.users.password_checker import PasswordChecker
from tier0.users.password_policy import PasswordPolicy
from tier0.users.passwords import HashPolicy, PasswordHasher


def node_id() -> str:
    """This process among the nodes that claim bulk jobs (and so hold their leases)."""
    return f"{socket.gethostname()[:32]}-{os.getpid()}-{secrets.token_hex(4)}"


def key_policy(settings: Settings) -> KeyPolicy:
    """Signing-key rotation timing from settings (JW-04)."""
    return KeyPolicy(
        default_alg=settings.signing_alg,
        jwks_cache_ttl=timedelta(seconds=settings.jwks_cache_ttl),
        max_token_lifetime=timedelta(seconds=settings.max_token_lifetime),
    )


def session_policy(settings: Settings) -> SessionPolicy:
    """The deployment's session timeouts (SE-03) and the range tenants may choose within:
    the bounds of the settings themselves, narrowed to AAL2's in production mode."""
    idle_field = Settings.model_fields["session_idle_timeout"].metadata
    absolute_field = Settings.model_fields["session_absolute_timeout"].metadata
    production = settings.mode is Mode.PRODUCTION
    return SessionPolicy(
        defaults=SessionTimeouts(
            idle=timedelta(seconds=settings.session_idle_timeout),
            absolute=timedelta(seconds=settings.session_absolute_timeout),
        ),
        limits=SessionLimits(
            min_idle=timedelta(seconds=_bound(idle_field, "ge")),
            max_idle=AAL2_IDLE if production else timedelta(seconds=_bound(idle_field, "le")),
            min_absolute=timedelta(seconds=_bound(absolute_field, "ge")),
            max_absolute=(
                AAL2_ABSOLUTE if production else timedelta(seconds=_bound(absolute_field, "le"))
            ),
            why="in production mode (SE-03: NIST AAL2)" if production else "",
        ),
    )


def _bound(metadata: list[object], name: str) -> int:
    """The ``ge``/``le`` bound of a settings field, so tenants and the deployment share one."""
    for item in metadata:
        value = getattr(item, name, None)
        if isinstance(value, int):
            return value
    raise LookupError(name)


def token_policy(settings: Settings) -> TokenPolicy:
    """Token lifetimes from settings (OA-05, OA-08, OA-12)."""
    return TokenPolicy(
        code_lifetime=timedelta(seconds=settings.authorization_code_lifetime),
        refresh_idle=timedelta(seconds=settings.refresh_token_idle_lifetime),
        refresh_absolute=timedelta(seconds=settings.refresh_token_absolute_lifetime),
        id_token_lifetime=timedelta(seconds=settings.id_token_lifetime),
        userinfo_token_lifetime=timedelta(seconds=settings.userinfo_token_lifetime),
        max_token_lifetime=timedelta(seconds=settings.max_token_lifetime),
        default_signing_alg=settings.signing_alg,
    )


def password_hasher(settings: Settings) -> PasswordHasher:
    """The password hashing algorithm, its cost and its worker pool from settings."""
    return PasswordHasher(
        HashPolicy(
            algorithm=settings.password_hash_algorithm,
            bcrypt_cost=settings.bcrypt_cost,
            argon2_memory_kib=settings.argon2_memory_kib,
            argon2_time_cost=settings.argon2_time_cost,
        ),
        workers=settings.hash_workers,
        queue_limit=settings.hash_queue_limit,
    )


def password_checker(settings: Settings, http: httpx.AsyncClient | None) -> PasswordChecker:
    """Password policies per tenant, the shipped blocklist (loaded on first use) and, when
    enabled, the online HIBP range check (PW-03..PW-05)."""
    hibp = None
    if http is not None:
        hibp = HibpChecker(http, base_url=settings.hibp_url, fail_open=settings.hibp_fail_open)
    return PasswordChecker(
        BreachedPasswordList(),
        hibp=hibp,
        default=PasswordPolicy(
            min_length=settings.password_min_length,
            history_size=settings.password_history_size,
        ),
        overrides={
            name: PasswordPolicy(min_length=length, history_size=settings.password_history_size)
            for name, length in settings.password_min_length_by_tenant.items()
        },
    )


def mail_sender(
    settings: Settings, clock: Clock, secrets: OperationalSecrets | None = None
) -> EmailSender:
    """SMTP when a host is configured; otherwise the dev outbox in the data directory. The
    password comes from the secret store when `smtp_password_secret` names it."""
    if settings.smtp_host is None:
        return OutboxSender(settings.data_dir / "outbox", clock)
    password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
    return SmtpSender(
        SmtpConfig(
            host=settings.smtp_host,
            port=settings.smtp_port,
            username=settings.smtp_username,
            password=password,
            password_secret=settings.smtp_password_secret,
            require_tls=settings.smtp_require_tls,
            implicit_tls=settings.smtp_implicit_tls,
        ),
        secrets=secrets.reader("smtp") if secrets is not None else None,
    )
