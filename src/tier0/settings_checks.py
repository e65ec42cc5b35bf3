"""The checks :class:`~tier0.settings.Settings` runs beyond its field types: single values
(field validators, named in the field's annotation) and combinations of fields
(:func:`check_combinations`), among them the refusals of production mode. Each raises
``ValueError`` with a message naming the setting, which pydantic reports as the one-line
start-up error."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from tier0.domain.tenant_settings import AAL2_ABSOLUTE, AAL2_IDLE
from tier0.protection.networks import NetworkList
from tier0.protection.rate_limits import EndpointClass, Scope, parse_table

if TYPE_CHECKING:
    from tier0.settings import Settings

RateLimitOverrides = dict[str, dict[EndpointClass, dict[Scope, str | None]]]


class Mode(StrEnum):
    """How strict start-up checks are."""

    DEV = "dev"
    PRODUCTION = "production"


def public_url(value: str) -> str:
    if not value.startswith(("http://", "https://")):
        raise ValueError("public_url must start with http:// or https://")
    return value.rstrip("/")


def log_level(value: str) -> str:
    level = value.lower()
    if level not in {"debug", "info", "warning", "error"}:
        raise ValueError("log_level must be debug, info, warning or error")
    return level


def split_proxies(value: object) -> object:
    """The comma-separated form of ``TIER0_TRUSTED_PROXIES`` (before type validation)."""
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    return value


def trusted_proxies(value: tuple[str, ...]) -> tuple[str, ...]:
    NetworkList(value)  # raises ValueError naming the bad entry
    return value


def rate_limit_overrides(value: RateLimitOverrides) -> RateLimitOverrides:
    for table in value.values():
        parse_table(table)  # raises ValueError naming the bad cell
    return value


def check_combinations(s: Settings) -> None:
    """Every check of several fields, in this order (the first failure is the one reported)."""
    _shared_counter_keys(s)
    _kms_options(s)
    _tls_pair(s)
    _smtp_password_source(s)
    _production_mail(s)
    _production(s)


def _shared_counter_keys(s: Settings) -> None:
    secret = s.counter_key_secret
    if secret is not None and len(secret.get_secret_value()) < 32:
        raise ValueError("counter_key_secret must be at least 32 characters")
    if s.redis_url and secret is None:
        raise ValueError("redis_url needs counter_key_secret: every node must hash alike")


def _kms_options(s: Settings) -> None:
    if s.kms == "vault" and (s.vault_url is None or s.vault_token is None):
        raise ValueError("kms=vault needs vault_url and vault_token")


def _tls_pair(s: Settings) -> None:
    if (s.tls_cert_file is None) != (s.tls_key_file is None):
        raise ValueError("tls_cert_file and tls_key_file go together")
    if s.tls_self_signed and s.tls_cert_file is not None:
        raise ValueError("tls_self_signed and tls_cert_file exclude each other")


def _smtp_password_source(s: Settings) -> None:
    if s.smtp_password is not None and s.smtp_password_secret is not None:
        raise ValueError("set smtp_password or smtp_password_secret, not both")


def _production_mail(s: Settings) -> None:
    if s.mode is Mode.PRODUCTION and s.smtp_host and not s.smtp_require_tls:
        raise ValueError("production mode needs smtp_require_tls (reset links are secrets)")


def _production(s: Settings) -> None:
    if s.mode is Mode.PRODUCTION and not s.public_url.startswith("https://"):
        raise ValueError("production mode needs an https:// public_url")
    if s.session_idle_timeout > s.session_absolute_timeout:
        raise ValueError("session_idle_timeout exceeds session_absolute_timeout")
    # SE-03 (NIST SP 800-63B-4 §2.2.3, AAL2); tenants are held to the same limits.
    idle, absolute = int(AAL2_IDLE.total_seconds()), int(AAL2_ABSOLUTE.total_seconds())
    if s.mode is Mode.PRODUCTION and s.session_idle_timeout > idle:
        raise ValueError(f"production mode needs session_idle_timeout <= {idle} (SE-03, AAL2)")
    if s.mode is Mode.PRODUCTION and s.session_absolute_timeout > absolute:
        raise ValueError(
            f"production mode needs session_absolute_timeout <= {absolute} (SE-03, AAL2)"
        )
    if s.refresh_token_idle_lifetime > s.refresh_token_absolute_lifetime:
        raise ValueError("refresh_token_idle_lifetime exceeds the absolute lifetime")
