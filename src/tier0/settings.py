"""Runtime configuration: one frozen, typed model read from ``TIER0_*`` variables.

Every field has a docstring; ``tier0 docs`` turns them into ``docs/configuration.md``, and a
test fails when the checked-in page is stale. Nothing secret has a default. Settings that are
only safe on a developer's machine are refused in production mode; the checks beyond each
field's type are in :mod:`tier0.settings_checks`.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AfterValidator, BeforeValidator, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from tier0 import settings_checks as checks
from tier0.protection.client_ip import ForwardingHeader
from tier0.settings_checks import Mode, RateLimitOverrides

__all__ = ["HashAlgorithm", "Mode", "Settings"]


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

    database_timeout: Annotated[float, Field(gt=0, le=60)] = 5.0
    """Seconds to wait for a PostgreSQL connection or statement before giving up with a 503
    (a stalled database must not make every request hang)."""

    redis_url: str | None = None
    """Redis URL for shared counters, replay caches and revocation in scale-out mode, e.g.
    `redis://127.0.0.1:6379/0`. Default: in-process counters (one process only)."""

    public_url: Annotated[str, AfterValidator(checks.public_url)] = "http://127.0.0.1:8000"
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

    log_level: Annotated[str, AfterValidator(checks.log_level)] = "info"
    """Minimum log level: `debug`, `info`, `warning` or `error`. Logs are JSON lines."""

    signing_alg: Literal["RS256", "ES256", "PS256", "EdDSA"] = "RS256"
    """Algorithm of a tenant's default signing key, unless the tenant chose another
    (`default_signing_alg`). RS256 is what OpenID Connect requires every provider to
    support; ES256, PS256 and EdDSA are also available."""

    jwks_cache_ttl: Annotated[int, Field(ge=0, le=7 * 86400)] = 900
    """Seconds relying parties may cache a tenant's JWKS. A new signing key is published
    this long before it signs anything, so no verifier meets an unknown `kid`."""

    max_token_lifetime: Annotated[int, Field(ge=60)] = 86400
    """The longest lifetime, in seconds, of any JWT tier0 signs. A retired signing key stays
    in the JWKS this long, so tokens it signed keep verifying until they expire."""

    authorization_code_lifetime: Annotated[int, Field(ge=1, le=600)] = 60
    """Seconds an authorization code stays redeemable (OA-05). RFC 6749 §4.1.2 recommends at
    most 10 minutes; 60 seconds is plenty for a client that redeems it at once."""

    refresh_token_idle_lifetime: Annotated[int, Field(ge=60)] = 1_296_000
    """Seconds a refresh token may go unused before it expires (Auth0's 15 days). Each
    rotation starts a new idle period, never beyond the absolute lifetime (OA-08)."""

    refresh_token_absolute_lifetime: Annotated[int, Field(ge=60)] = 2_592_000
    """Seconds after the sign-in at which a refresh-token family expires, however often it is
    used (Auth0's 30 days, OA-08)."""

    id_token_lifetime: Annotated[int, Field(ge=60, le=86400)] = 36000
    """Seconds an ID token is valid (Auth0's default of 10 hours)."""

    userinfo_token_lifetime: Annotated[int, Field(ge=60, le=86400)] = 600
    """Seconds an access token for the tenant's /userinfo only is valid (when a request names
    no API). Kept short: RFC 9700 §2.2 asks for short-lived access tokens (OA-12)."""

    default_tenant: str = "default"
    """Tenant created on the first start of `tier0 serve`."""

    workers: Annotated[int, Field(ge=1, le=64)] = 1
    """Worker processes `tier0 serve` starts (`--workers` overrides). More than one needs
    `redis_url`: in-process counters would give each worker its own rate limits."""

    tls_cert_file: Path | None = None
    """PEM certificate chain `tier0 serve` terminates TLS with (TLS 1.2/1.3, ECDHE + AEAD
    suites only). Unset: plain HTTP, for use behind a TLS-terminating proxy."""

    tls_key_file: Path | None = None
    """PEM private key of `tls_cert_file`; must not be readable by group or others."""

    tls_self_signed: bool = False
    """Development only: create a self-signed certificate for `localhost` in the data
    directory and serve HTTPS with it. Production mode refuses it."""

    http_redirect_port: Annotated[int, Field(ge=1, le=65535)] | None = None
    """Also listen for plain HTTP on this port, answering every request with a redirect to
    `public_url` and nothing else (TL-02: no token ever travels over plain HTTP)."""

    key_file: Path | None = None
    """The local key file holding the key-encryption key. Default: `master.key` in the data
    directory (created on first start in dev mode). Production mode wants it elsewhere, so a
    copy of the data directory is not also a copy of the key that unlocks it."""

    max_body_bytes: Annotated[int, Field(ge=1024)] = 64 * 1024
    """Largest request body accepted (413 beyond it)."""

    max_import_body_bytes: Annotated[int, Field(ge=1024)] = 64 * 1024 * 1024
    """Largest request body on bulk import endpoints (`/api/v2/jobs/...`)."""

    max_url_bytes: Annotated[int, Field(ge=256, le=65536)] = 8 * 1024
    """Longest request target (path and query) accepted (414 beyond it)."""

    max_header_bytes: Annotated[int, Field(ge=1024, le=65536)] = 16 * 1024
    """Largest total size of the request headers (431 beyond it)."""

    json_max_depth: Annotated[int, Field(ge=2, le=256)] = 32
    """Deepest nesting of arrays and objects accepted in a JSON body (400 beyond it)."""

    json_max_items: Annotated[int, Field(ge=10)] = 10_000
    """Most elements accepted in one JSON array or object (400 beyond it)."""

    header_read_timeout: Annotated[float, Field(gt=0, le=60)] = 10.0
    """Seconds a client has to send a request's headers after connecting or after the
    previous response: slow senders (slowloris) are disconnected."""

    body_read_timeout: Annotated[float, Field(gt=0, le=300)] = 30.0
    """Seconds a client may pause between chunks of a request body before getting a 408."""

    body_total_timeout: Annotated[float, Field(gt=0, le=600)] = 60.0
    """Seconds a client has to send a whole request body (up to `max_body_bytes`) before
    getting a 408, however steadily it trickles: without it, a byte every
    `body_read_timeout` would hold a connection for days (AV-03)."""

    keepalive_timeout: Annotated[int, Field(ge=1, le=300)] = 5
    """Seconds an idle keep-alive connection stays open."""

    limit_concurrency: Annotated[int, Field(ge=10)] = 1000
    """Open connections plus in-flight requests per worker past which new requests get a
    fast 503, so a flood cannot exhaust memory or file descriptors."""

    management_step_up_max_age: Annotated[int, Field(ge=30, le=600)] = 300
    """Seconds after its client last authenticated (the token's ``iat``) that a management
    token may still make a privileged change: role grants, signing-key changes, bulk user
    import and export (AC-05). An older token gets 403 ``step_up_required``."""

    session_idle_timeout: Annotated[int, Field(ge=60, le=86400)] = 3600
    """Seconds a sign-in session at the universal login may go unused before it ends (SE-03;
    NIST SP 800-63B AAL2 allows at most 1 hour of inactivity, the most production mode
    accepts). The default for tenants that set no `idle_session_lifetime` of their own."""

    session_absolute_timeout: Annotated[int, Field(ge=300, le=2_592_000)] = 86400
    """Seconds after sign-in at which a session ends however active it is (SE-03; NIST SP
    800-63B AAL2: at most 24 hours, the most production mode accepts). The default for
    tenants that set no `session_lifetime` of their own."""

    password_min_length: Annotated[int, Field(ge=8, le=256)] = 12
    """Minimum password length in Unicode code points (after NFKC). NIST SP 800-63B-4
    requires at least 8 and recommends 15 where the password is the only factor."""

    password_min_length_by_tenant: dict[str, Annotated[int, Field(ge=8, le=256)]] = {}
    """Per-tenant minimum password lengths as JSON, by tenant name, e.g. `{"bank": 15}`
    for tenants whose users sign in with a password alone."""

    password_history_size: Annotated[int, Field(ge=0, le=24)] = 0
    """How many previous passwords (the current one included) a user may not reuse when
    changing it; 0 switches the history off. Only that many old hashes are kept."""

    email_verification_lifetime: Annotated[int, Field(ge=300, le=604_800)] = 86_400
    """Seconds an email-verification link stays usable (single use). A new link retires the
    older ones."""

    password_reset_lifetime: Annotated[int, Field(ge=300, le=3_600)] = 3_600
    """Seconds a password-reset link stays usable (single use); PW-07 allows at most one
    hour."""

    hibp_check: bool = False
    """Also check new passwords against the online Pwned Passwords range API (k-anonymity:
    5 hex digits of the SHA-1 leave the host). The shipped offline list is always used."""

    hibp_url: str = "https://api.pwnedpasswords.com"
    """Base URL of the Pwned Passwords range API (or a compatible mirror)."""

    hibp_fail_open: bool = False
    """When the online check fails: `false` refuses the password change (fail closed),
    `true` accepts it on the offline list's word alone."""

    mail_from: str = "tier0 <no-reply@localhost>"
    """Sender address of the mails tier0 sends (verification, reset, blocked account)."""

    smtp_host: str | None = None
    """SMTP server for outgoing mail. Unset: mail is written as `.eml` files to the
    `outbox` folder in the data directory and announced on the console (development)."""

    smtp_port: Annotated[int, Field(ge=1, le=65535)] = 587
    """SMTP server port (587 for STARTTLS, 465 with `smtp_implicit_tls`)."""

    smtp_username: str | None = None
    """SMTP user name; credentials are only ever sent over TLS."""

    metrics_token: SecretStr | None = None
    """Bearer token a Prometheus scraper sends to `/metrics` (a secret, never logged). In
    production mode `/metrics` answers 404 unless this is set; in dev mode it is open when
    unset."""

    smtp_password: SecretStr | None = None
    """SMTP password (a secret: no default, never logged). Prefer `smtp_password_secret`."""

    smtp_password_secret: str | None = None
    """Name of the secret, in the default tenant's secret store, that holds the SMTP
    password (e.g. `smtp/password`, stored with `tier0 secret put`). Read on every send,
    each read audited as `secret.read`; excludes `smtp_password`."""

    smtp_require_tls: bool = True
    """Require STARTTLS and refuse to send over a plaintext connection. Production mode
    refuses `false`."""

    smtp_implicit_tls: bool = False
    """Connect with TLS from the first byte (SMTPS, port 465) instead of STARTTLS."""

    trusted_proxies: Annotated[
        tuple[str, ...],
        NoDecode,
        BeforeValidator(checks.split_proxies),
        AfterValidator(checks.trusted_proxies),
    ] = ()
    """Comma-separated IPs/CIDRs of the reverse proxies in front of tier0, e.g.
    `10.0.0.0/8,fd00::/8`. Only requests from these peers have their forwarding header read
    to find the client IP; by default nobody is trusted and `X-Forwarded-For` is ignored."""

    forwarded_header: ForwardingHeader = ForwardingHeader.X_FORWARDED_FOR
    """The header the trusted proxies append the client address to: `x-forwarded-for` or
    `forwarded` (RFC 7239). Only this one is read."""

    rate_limits_enabled: bool = True
    """Enforce the request rate limits of docs/rate-limits.md (429 + `Retry-After`)."""

    rate_limit_overrides: Annotated[
        RateLimitOverrides, AfterValidator(checks.rate_limit_overrides)
    ] = {}
    """Per-tenant rate-limit overrides as JSON, e.g.
    `{"acme": {"token": {"client": "100/second", "ip": null}}}` (`null` switches a limit
    off). Cells not named keep the defaults of docs/rate-limits.md."""

    protection_policy_cache_ttl: Annotated[float, Field(ge=0, le=300)] = 10.0
    """Seconds a process keeps a tenant's attack-protection policies (brute force,
    suspicious IPs, breached passwords, rate-limit overrides) before reading them from the
    database again. Changes made through a process apply there at once. Where the directory
    generation is shared (Redis, or the embedded data directory) other processes see a
    change within about a second; elsewhere (PostgreSQL without Redis) within this time."""

    counter_key_secret: SecretStr | None = None
    """Secret (at least 32 characters) for the keyed hashes that replace identifiers in
    counter keys. Required with `redis_url`, so every node builds the same keys; in embedded
    mode a random per-process key is used when unset."""

    counter_memory_max_keys: Annotated[int, Field(ge=1000)] = 1_000_000
    """Upper bound on in-process counter entries (embedded mode, and the fallback when Redis
    is down). Past it, expired entries are swept and then the oldest evicted."""

    kms: Literal["local", "aws", "vault"] = "local"
    """Where the key-encryption key lives: `local` (the 0600 `key_file`),
    `aws` (AWS KMS) or `vault` (HashiCorp Vault Transit). Tenant data keys are stored only
    wrapped by it; start-up fails when it is unreachable and wrapped keys exist."""

    kms_create_key: bool = False
    """For `aws` and `vault`: create the key-encryption key when it does not exist yet (only
    ever for a brand-new store). Off by default: in production an operator creates it."""

    aws_kms_alias: str = "alias/tier0-kek"
    """Alias of the AWS KMS key that wraps data keys. Credentials come from the standard AWS
    chain (environment, profile, instance role), never from tier0 settings."""

    aws_region: str | None = None
    """AWS region of the KMS key (default: the AWS SDK's own resolution)."""

    aws_kms_endpoint_url: str | None = None
    """Custom AWS KMS endpoint (VPC endpoint, or a test server)."""

    vault_url: str | None = None
    """Base URL of HashiCorp Vault, e.g. `https://vault.internal:8200` (KMS `vault`)."""

    vault_token: SecretStr | None = None
    """Vault token with encrypt/decrypt/rotate on the transit key. Read from the environment
    (`TIER0_VAULT_TOKEN`) only; never pass it on a command line."""

    vault_transit_mount: str = "transit"
    """Mount path of Vault's Transit secrets engine."""

    vault_key_name: str = "tier0-kek"
    """Name of the Transit key that wraps data keys."""

    vault_namespace: str | None = None
    """Vault Enterprise namespace, if any."""

    signing_key_max_age_days: Annotated[int, Field(ge=0, le=3650)] = 90
    """Rotate a tenant's signing key once its active key is older than this many days
    (checked at start-up of `tier0 serve` and by `tier0 key rotate --if-older-than`).
    0 switches automatic rotation off."""

    @model_validator(mode="after")
    def _combinations(self) -> Settings:
        checks.check_combinations(self)
        return self

    @property
    def resolved_database_url(self) -> str:
        """The database URL, defaulting to the SQLite file in the data directory."""
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'tier0.db').resolve()}"

    @property
    def resolved_key_file(self) -> Path:
        """The local key file, defaulting to `master.key` in the data directory."""
        return self.key_file if self.key_file is not None else self.data_dir / "master.key"

    @property
    def serves_tls(self) -> bool:
        """Whether `tier0 serve` terminates TLS itself."""
        return self.tls_cert_file is not None or self.tls_self_signed

    def tenant_base_url(self, tenant: str) -> str:
        """The issuer of a tenant: exactly what discovery prints (OIDC Discovery §3)."""
        return f"{self.public_url}/t/{tenant}"
