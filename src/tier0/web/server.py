"""How `tier0 serve` runs uvicorn: TLS context, connection limits and timeouts (TL-01, AV-03).

uvicorn closes idle keep-alive connections but has no deadline for a request's headers, so a
client that opens connections and trickles header bytes (slowloris) would hold them forever.
:class:`GuardedH11Protocol` adds that deadline: from the moment a connection opens, and again
after each response, the client has ``header_read_timeout`` seconds to finish the next
request's headers or the connection is closed. The h11 parser also caps the header block
(``h11_max_incomplete_event_size``), which the httptools parser would not.
"""

from __future__ import annotations

import asyncio
import functools
import ssl
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from uvicorn.config import Config
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.server import Server
from uvicorn.supervisors.multiprocess import Multiprocess

from tier0.clock import SystemClock
from tier0.crypto.tls import ensure_self_signed, server_context
from tier0.settings import Settings
from tier0.web.redirect import RedirectToHttps

__all__ = ["GuardedH11Protocol", "run_server", "tls_files", "uvicorn_options"]


class GuardedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with a header-read deadline per request."""

    _header_deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        # uvicorn's own signature narrows BaseProtocol's transport type; kept as it is.
        super().connection_made(transport)
        self._arm_header_deadline()

    def data_received(self, data: bytes) -> None:
        before = self.cycle
        super().data_received(data)
        if self.cycle is not before:  # a complete request head was parsed
            self._disarm_header_deadline()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._arm_header_deadline()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_header_deadline()
        super().connection_lost(exc)

    def _arm_header_deadline(self) -> None:
        self._disarm_header_deadline()
        timeout = float(getattr(self.config, "header_read_timeout", 10.0))
        self._header_deadline = self.loop.call_later(timeout, self._header_timed_out)

    def _disarm_header_deadline(self) -> None:
        if self._header_deadline is not None:
            self._header_deadline.cancel()
            self._header_deadline = None

    def _header_timed_out(self) -> None:
        self._header_deadline = None
        in_flight = self.cycle is not None and not self.cycle.response_complete
        if not in_flight and not self.transport.is_closing():
            self.transport.close()


def _context(cert_file: Path, key_file: Path, _config: Config, _default: Any) -> ssl.SSLContext:
    """uvicorn's ``ssl_context_factory``: our context instead of uvicorn's default one."""
    return server_context(cert_file, key_file)


def tls_files(settings: Settings) -> tuple[Path, Path] | None:
    """The certificate and key to serve, creating the development certificate if asked."""
    if settings.tls_cert_file is not None and settings.tls_key_file is not None:
        return settings.tls_cert_file, settings.tls_key_file
    if settings.tls_self_signed:
        files = ensure_self_signed(settings.data_dir / "tls", now=SystemClock().now())
        return files.cert_file, files.key_file
    return None


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """Keyword arguments for ``uvicorn.run``/``uvicorn.Config`` from settings."""
    options: dict[str, Any] = {
        "host": settings.host,
        "port": settings.port,
        "http": GuardedH11Protocol,
        "log_config": None,
        "access_log": False,
        "server_header": False,
        "date_header": True,
        "timeout_keep_alive": settings.keepalive_timeout,
        "h11_max_incomplete_event_size": settings.max_header_bytes,
        "limit_concurrency": settings.limit_concurrency,
        "timeout_graceful_shutdown": 10,
        # uvicorn restarts a worker that does not answer its supervisor's ping in time; a
        # worker importing the whole app on a busy host can take longer than the default 5 s,
        # which turned start-up into an endless restart loop.
        "timeout_worker_healthcheck": 60,
        "proxy_headers": False,  # client IPs come from our trusted-proxy logic only
    }
    files = tls_files(settings)
    if files is not None:
        factory: Callable[..., ssl.SSLContext] = functools.partial(_context, *files)
        options["ssl_context_factory"] = factory
    return options


def _config(app: Any, settings: Settings, **overrides: Any) -> Config:
    config = Config(app, **{**uvicorn_options(settings), **overrides})
    # Read by GuardedH11Protocol; an attribute (not a global) so it travels with the config
    # into worker processes.
    config.header_read_timeout = settings.header_read_timeout  # type: ignore[attr-defined]
    return config


def run_server(settings: Settings, app: str, *, workers: int) -> None:
    """Serve the ASGI factory ``app`` (an import string) until interrupted, plus the
    redirect-only plain-HTTP listener when ``http_redirect_port`` is set."""
    if settings.http_redirect_port is not None:
        _start_redirect_listener(settings)
    config = _config(app, settings, factory=True, workers=workers)
    server = Server(config)
    if workers > 1:
        sock = config.bind_socket()
        Multiprocess(config, sockets=[sock]).run()
    else:
        server.run()


def _start_redirect_listener(settings: Settings) -> None:
    """A small plain-HTTP server in a daemon thread that only redirects (TL-02)."""
    port = settings.http_redirect_port
    config = _config(
        RedirectToHttps(settings.public_url),
        settings,
        port=port,
        ssl_context_factory=None,
        limit_concurrency=min(settings.limit_concurrency, 200),
    )
    thread = threading.Thread(target=Server(config).run, name="http-redirect", daemon=True)
    thread.start()
