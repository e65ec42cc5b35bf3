"""Runtime configuration: one frozen, typed model read from ``TIER0_*`` variables.

Every field has a docstring; ``tier0 docs`` turns them into ``docs/configuration.md``, and a
test fails when the checked-in page is stale. Nothing secret has a default. Settings that are
only safe on a developer's machine are refused in production mode (see :meth:`_production`).
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Mode(StrEnum):
    """How strict start-up checks are."""

    DEV = "dev"
    PRODUCTION = "production"


class HashAlgorithm(StrEnum):
    """Password hashing algorithms tier0 creates new hashes with."""

    BCRYPT = "bcrypt"
    ARGON2ID = "argon2id"


class Settings(BaseSettings):
    """tier0 configuration. Each field maps to the environment variable ``TIER0_<NAME>``."""

    model_config = SettingsConfigDict(
        env_prefix="TIER0_",
        frozen=True,
        extra="forbid",
        use_attribute_docstrings=True,
    )

    mode: Mode = Mode.DEV
    """`dev` or `production`. Production refuses settings that are only safe on a developer's
    machine (for example plain HTTP on a public URL)."""

    data_dir: Path = Path(".tier0")
    """Directory for the embedded store: the SQLite database, the local key file and the dev
    mail outbox. Created with mode 0700 if missing."""

    database_url: str | None = None
    """SQLAlchemy async URL of the database, e.g.
    `postgresql+asyncpg://tier0@db/tier0`. Default: the SQLite file `tier0.db` in the data
    directory."""

    redis_url: str | None = None
    """Redis URL for shared counters, replay caches and revocation in scale-out mode, e.g.
    `redis://127.0.0.1:6379/0`. Default: in-process counters (one process only)."""

    public_url: str = "http://127.0.0.1:8000"
    """Externally visible base URL. Tenant issuers are `{public_url}/t/{tenant}`; it must match
    what clients see, since OpenID Connect compares issuers exactly."""

    host: str = "127.0.0.1"
    """Address `tier0 serve` listens on."""

    port: Annotated[int, Field(ge=1, le=65535)] = 8000
    """Port `tier0 serve` listens on."""

    password_hash_algorithm: HashAlgorithm = HashAlgorithm.BCRYPT
    """Algorithm for new password hashes: `bcrypt` (Auth0's choice, the default) or
    `argon2id`. Existing hashes keep working and are upgraded at the next sign-in."""

    bcrypt_cost: Annotated[int, Field(ge=10, le=16)] = 10
    """bcrypt work factor (log2 rounds) for new hashes. 10 is Auth0's figure; each step doubles
    the CPU cost of a sign-in (see docs/benchmarks.md)."""

    argon2_memory_kib: Annotated[int, Field(ge=19456)] = 19456
    """argon2id memory cost in KiB (OWASP minimum: 19 MiB)."""

    argon2_time_cost: Annotated[int, Field(ge=2)] = 2
    """argon2id iterations (OWASP minimum: 2)."""

    hash_workers: Annotated[int, Field(ge=1, le=64)] = 4
    """Threads that hash passwords. Hashing is CPU-bound; about two per core keeps a flood of
    sign-ins from starving every other request."""

    hash_queue_limit: Annotated[int, Field(ge=0)] = 64
    """How many password hashes may wait for a worker before new sign-ins get a fast 503."""

    log_level: str = "info"
    """Minimum log level: `debug`, `info`, `warning` or `error`. Logs are JSON lines."""

    default_tenant: str = "default"
    """Tenant created on the first start of `tier0 serve`."""

    session_idle_timeout: Annotated[int, Field(ge=60, le=86400)] = 3600
    """Seconds a sign-in session at the universal login may go unused before it ends (SE-03;
    NIST SP 800-63B AAL2 allows at most 1 hour of inactivity)."""

    session_absolute_timeout: Annotated[int, Field(ge=300, le=2_592_000)] = 86400
    """Seconds after sign-in at which a session ends however active it is (SE-03; NIST SP
    800-63B AAL2: at most 24 hours)."""

    @field_validator("public_url")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("public_url must start with http:// or https://")
        return value.rstrip("/")

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.lower()
        if level not in {"debug", "info", "warning", "error"}:
            raise ValueError("log_level must be debug, info, warning or error")
        return level

    @model_validator(mode="after")
    def _production(self) -> Settings:
        if self.mode is Mode.PRODUCTION and not self.public_url.startswith("https://"):
            raise ValueError("production mode needs an https:// public_url")
        if self.session_idle_timeout > self.session_absolute_timeout:
            raise ValueError("session_idle_timeout exceeds session_absolute_timeout")
        return self

    @property
    def resolved_database_url(self) -> str:
        """The database URL, defaulting to the SQLite file in the data directory."""
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'tier0.db').resolve()}"

    def tenant_base_url(self, tenant: str) -> str:
        """The issuer of a tenant: exactly what discovery prints (OIDC Discovery §3)."""
        return f"{self.public_url}/t/{tenant}"
