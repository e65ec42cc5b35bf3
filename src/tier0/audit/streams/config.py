"""A log stream's settings and secret: what each kind needs, checked before it is stored."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Final
from urllib.parse import urlsplit

from tier0.audit.detect import Thresholds
from tier0.audit.streams.email import parse_recipients
from tier0.audit.streams.model import StreamKind
from tier0.audit.streams.siem import DATADOG_DEFAULT_URL
from tier0.crypto.random import random_token
from tier0.errors import InvalidInput

NAME_RE: Final = re.compile(r"[a-z0-9][a-z0-9_-]{0,99}")
_LOOPBACK: Final = {"127.0.0.1", "::1", "localhost"}
# Kinds whose secret is a token the destination issued (given by the operator, not made here).
TOKEN_KINDS: Final = frozenset({StreamKind.SPLUNK, StreamKind.DATADOG})
_LABEL_RE: Final = re.compile(r"[A-Za-z0-9_.:-]{1,100}")
MIN_WEBHOOK_SECRET: Final = 32


def check_name(name: str) -> str:
    if not NAME_RE.fullmatch(name):
        raise InvalidInput("stream names are 1-100 lower-case letters, digits, - and _")
    return name


def check_secret(kind: StreamKind, secret: str | None, *, generate: bool) -> str | None:
    """The secret to seal for a ``kind`` stream: a webhook's signing key (made here when
    ``generate`` and none is given), a SIEM's token, or None for kinds without one."""
    if kind is StreamKind.WEBHOOK:
        if secret is None and generate:
            secret = random_token(MIN_WEBHOOK_SECRET)
        if secret is None or len(secret) < MIN_WEBHOOK_SECRET:
            raise InvalidInput(f"a webhook secret needs at least {MIN_WEBHOOK_SECRET} characters")
        return secret
    if kind in TOKEN_KINDS:
        if not secret or not secret.isascii() or not secret.isprintable():
            raise InvalidInput(f"a {kind} stream needs its token (printable ASCII)")
        return secret
    if secret is not None:
        raise InvalidInput(f"a {kind} stream takes no secret")
    return None


def _check_url(kind: StreamKind, url_text: str) -> str:
    url = urlsplit(url_text)
    plain_ok = url.scheme == "http" and url.hostname in _LOOPBACK
    if not url.hostname or not (url.scheme == "https" or plain_ok):
        raise InvalidInput(f"a {kind} stream needs an https:// url (http only on loopback)")
    return url_text


def _check_siem(kind: StreamKind, config: Mapping[str, str]) -> dict[str, str]:
    """Splunk HEC (``url`` required, ``index`` optional) or Datadog (``url`` defaults to
    the US intake, ``service`` optional)."""
    default = DATADOG_DEFAULT_URL if kind is StreamKind.DATADOG else ""
    checked = {"url": _check_url(kind, config.get("url") or default)}
    for name in ("index", "service"):
        if value := config.get(name):
            if not _LABEL_RE.fullmatch(value):
                raise InvalidInput(f"{name} must be letters, digits and _ . : -")
            checked[name] = value
    return checked


def check_config(kind: StreamKind, config: Mapping[str, str]) -> dict[str, str]:
    """Validate a stream's settings; raises InvalidInput naming the problem."""
    if kind is StreamKind.WEBHOOK:
        return {"url": _check_url(kind, config.get("url", ""))}
    if kind in TOKEN_KINDS:
        return _check_siem(kind, config)
    if kind is StreamKind.EMAIL:
        try:
            return {"to": ",".join(parse_recipients(config.get("to", "")))}
        except ValueError as exc:
            raise InvalidInput(str(exc)) from exc
    if kind is StreamKind.SYSLOG:
        port = config.get("port", "")
        if not config.get("host") or not port.isdigit() or not 0 < int(port) < 65536:
            raise InvalidInput("a syslog stream needs a host and a port")
        tls = config.get("tls", "true")
        if tls not in {"true", "false"}:
            raise InvalidInput("syslog tls must be true or false")
        checked = {"host": config["host"], "port": port, "tls": tls}
        if config.get("ca_file"):
            checked["ca_file"] = config["ca_file"]
        return checked
    if kind is StreamKind.DETECT:
        try:
            return Thresholds.from_config(config).as_config()
        except ValueError as exc:
            raise InvalidInput(str(exc)) from exc
    if not config.get("path"):
        raise InvalidInput("a jsonl stream needs a file path")
    return {"path": config["path"]}
