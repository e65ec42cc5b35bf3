"""The security posture of a configuration: what production mode refuses and what
`tier0 doctor` reports, from one list of checks.

Each check looks at the settings (and the files they name) and returns a :class:`Finding`
with a one-line fix. In production mode every ``FAIL`` finding stops start-up
(:func:`refuse_unsafe`); in dev mode the production-only checks are reported as warnings.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from tier0.errors import Tier0Error
from tier0.settings import Mode, Settings

__all__ = ["Finding", "Severity", "UnsafeConfiguration", "assess", "refuse_unsafe"]


class Severity(StrEnum):
    OK = "ok"
    WARN = "warn"
    FAIL = "fail"


@dataclass(frozen=True, slots=True)
class Finding:
    """One observation about the configuration; ``fix`` says what to change."""

    check: str
    severity: Severity
    message: str
    fix: str = ""


class UnsafeConfiguration(Tier0Error):
    """Production mode was asked to start with settings only safe on a developer's machine."""

    code = "unsafe_configuration"


Check = Callable[[Settings], Iterator[Finding]]


def _ok(check: str, message: str) -> Finding:
    return Finding(check, Severity.OK, message)


def _bad(check: str, message: str, fix: str) -> Finding:
    return Finding(check, Severity.FAIL, message, fix)


def _loose(path: Path) -> int | None:
    """Permission bits for group/others on ``path``, or None if it cannot be read."""
    try:
        return stat.S_IMODE(os.stat(path).st_mode) & 0o077
    except OSError:
        return None


def check_transport(s: Settings) -> Iterator[Finding]:
    """TL-01/TL-02: TLS here, or a trusted TLS-terminating proxy in front."""
    if not s.public_url.startswith("https://"):
        yield _bad("transport", "public_url is plain http", "set TIER0_PUBLIC_URL=https://...")
    if s.tls_self_signed:
        yield _bad(
            "transport",
            "serving a self-signed development certificate",
            "set TIER0_TLS_CERT_FILE and TIER0_TLS_KEY_FILE to a CA-issued certificate",
        )
    elif s.tls_cert_file is not None and s.tls_key_file is not None:
        loose = _loose(s.tls_key_file)
        if loose is None:
            yield _bad("transport", f"cannot read {s.tls_key_file}", "check TIER0_TLS_KEY_FILE")
        elif loose:
            yield _bad(
                "transport",
                "the TLS private key is readable by group or others",
                f"chmod 600 {s.tls_key_file}",
            )
        else:
            yield _ok("transport", "TLS 1.2/1.3 with ECDHE + AEAD suites on the listener")
    elif s.trusted_proxies:
        yield _ok("transport", "TLS terminated by the trusted proxies")
    else:
        yield _bad(
            "transport",
            "no TLS and no trusted TLS-terminating proxy",
            "set TIER0_TLS_CERT_FILE/TIER0_TLS_KEY_FILE, or TIER0_TRUSTED_PROXIES",
        )


def check_key_file(s: Settings) -> Iterator[Finding]:
    """DP-01: the key-encryption key lives apart from the data, readable by its owner only."""
    path = s.resolved_key_file
    if s.key_file is None or path.resolve().parent == s.data_dir.resolve():
        yield _bad(
            "key_file",
            "the key-encryption key sits in the data directory, so every copy of the data "
            "carries the key that opens it",
            "move it and set TIER0_KEY_FILE (or create one with `tier0 kek init --path ...`)",
        )
    loose = _loose(path)
    if not path.exists():
        yield _bad("key_file", f"{path} does not exist", f"create it: tier0 kek init --path {path}")
    elif loose is None or loose:
        yield _bad("key_file", f"{path} is readable by group or others", f"chmod 600 {path}")
    elif s.key_file is not None:
        yield _ok("key_file", f"key file {path} is 0600 and outside the data directory")


def check_counters(s: Settings) -> Iterator[Finding]:
    """DESIGN §6: counters shared by every worker, or a single worker."""
    if s.workers > 1 and not s.redis_url:
        yield _bad(
            "counters",
            f"{s.workers} workers with in-process counters: each would enforce its own limits",
            "set TIER0_REDIS_URL (and TIER0_COUNTER_KEY_SECRET)",
        )
    elif s.redis_url and not s.redis_url.startswith(("rediss://", "unix://")):
        yield Finding(
            "counters",
            Severity.WARN,
            "Redis over plain TCP",
            "use rediss:// unless Redis is on a private network",
        )
    else:
        yield _ok("counters", "counters are shared" if s.redis_url else "one worker")
    if not s.rate_limits_enabled:
        yield _bad("counters", "rate limits are off", "unset TIER0_RATE_LIMITS_ENABLED")


def check_database(s: Settings) -> Iterator[Finding]:
    """TL-03: PostgreSQL only over TLS with the server's certificate and name verified."""
    url = s.resolved_database_url
    if not url.startswith("postgresql"):
        if s.workers > 1:
            yield Finding(
                "database",
                Severity.WARN,
                "SQLite with several workers: writes queue on one file lock",
                "use PostgreSQL (TIER0_DATABASE_URL) for more than one worker",
            )
        else:
            yield _ok("database", "embedded SQLite file")
        return
    query = parse_qs(urlsplit(url).query)
    modes = query.get("ssl", []) + query.get("sslmode", [])
    host = urlsplit(url).hostname or ""
    if "verify-full" in modes:
        yield _ok("database", "PostgreSQL over TLS with verify-full")
    elif host.startswith("/") or query.get("host", [""])[0].startswith("/"):
        yield _ok("database", "PostgreSQL over a Unix socket")
    else:
        yield _bad(
            "database",
            "PostgreSQL without certificate and host name verification",
            "append ?ssl=verify-full to TIER0_DATABASE_URL (asyncpg), with the CA in PGSSLROOTCERT",
        )


def check_debug(s: Settings) -> Iterator[Finding]:
    """IV-02: no debug output in production."""
    if s.log_level == "debug":
        yield _bad("debug", "debug logging is on", "set TIER0_LOG_LEVEL=info")
    else:
        yield _ok("debug", f"log level {s.log_level}")


def check_mail(s: Settings) -> Iterator[Finding]:
    """TL-03: reset and verification links are secrets; SMTP only over TLS."""
    if s.smtp_host is None:
        yield Finding(
            "mail",
            Severity.WARN,
            "no SMTP server: mail is written to the outbox folder",
            "set TIER0_SMTP_HOST",
        )
    elif not (s.smtp_require_tls or s.smtp_implicit_tls):
        yield _bad("mail", "SMTP may fall back to plaintext", "unset TIER0_SMTP_REQUIRE_TLS=false")
    else:
        yield _ok("mail", "SMTP over TLS")


def check_data_dir(s: Settings) -> Iterator[Finding]:
    """The embedded database and outbox: owner only."""
    loose = _loose(s.data_dir)
    if loose:
        yield _bad(
            "data_dir",
            f"{s.data_dir} is open to group or others",
            f"chmod 700 {s.data_dir}",
        )


CHECKS: tuple[Check, ...] = (
    check_transport,
    check_key_file,
    check_counters,
    check_database,
    check_debug,
    check_mail,
    check_data_dir,
)
#: Checks whose failures matter in dev mode too (anything else is only a warning there).
ALWAYS_FAIL = frozenset({"data_dir"})


def assess(settings: Settings, *, production: bool | None = None) -> list[Finding]:
    """Every finding for ``settings``, judged as production when ``production`` (default:
    the configured mode)."""
    strict = settings.mode is Mode.PRODUCTION if production is None else production
    findings: list[Finding] = []
    for check in CHECKS:
        for finding in check(settings):
            lenient = not strict and finding.check not in ALWAYS_FAIL
            if finding.severity is Severity.FAIL and lenient:
                finding = Finding(finding.check, Severity.WARN, finding.message, finding.fix)
            findings.append(finding)
    return findings


def refuse_unsafe(settings: Settings) -> None:
    """Raise :class:`UnsafeConfiguration` naming every failure, in production mode."""
    if settings.mode is not Mode.PRODUCTION:
        return
    failures = [f for f in assess(settings) if f.severity is Severity.FAIL]
    if failures:
        listed = "; ".join(f"{f.check}: {f.message} (fix: {f.fix})" for f in failures)
        raise UnsafeConfiguration(f"production mode refuses to start: {listed}")
