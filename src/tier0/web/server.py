"""How `tier0 serve` runs uvicorn: protocol, TLS context, connection limits and timeouts
(TL-01, AV-03).

The HTTP protocol is :class:`tier0.web.protocols.GuardedHttpToolsProtocol`: httptools
with our header-read deadline and head-size cap (AV-03). The event loop is uvloop where
installed (uvicorn's ``loop="auto"``). The token benchmark starts `tier0 serve` itself, so
its figures are what operators run.
"""

from __future__ import annotations

import functools
import ssl
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from uvicorn.config import Config
from uvicorn.server import Server
from uvicorn.supervisors.multiprocess import Multiprocess

from tier0.clock import SystemClock
from tier0.crypto.tls import ensure_self_signed, server_context
from tier0.settings import Settings
from tier0.web.protocols import GuardedH11Protocol, GuardedHttpToolsProtocol
from tier0.web.redirect import RedirectToHttps

__all__ = ["GuardedH11Protocol", "run_server", "server_config", "tls_files", "uvicorn_options"]


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
        "http": GuardedHttpToolsProtocol,
        "loop": "auto",  # uvloop where installed
        "log_config": None,
        "access_log": False,
        "server_header": False,
        "date_header": True,
        "timeout_keep_alive": settings.keepalive_timeout,
        # The head-size cap of both guarded protocols (h11 and httptools), not only h11's.
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


def server_config(app: Any, settings: Settings, **overrides: Any) -> Config:
    """The uvicorn configuration `tier0 serve` runs ``app`` with."""
    config = Config(app, **{**uvicorn_options(settings), **overrides})
    # Read by the guarded protocols; an attribute (not a global) so it travels with the
    # config into worker processes.
    config.header_read_timeout = settings.header_read_timeout  # type: ignore[attr-defined]
    return config


def run_server(settings: Settings, app: str, *, workers: int) -> None:
    """Serve the ASGI factory ``app`` (an import string) until interrupted, plus the
    redirect-only plain-HTTP listener when ``http_redirect_port`` is set."""
    if settings.http_redirect_port is not None:
        _start_redirect_listener(settings)
    config = server_config(app, settings, factory=True, workers=workers)
    server = Server(config)
    if workers > 1:
        sock = config.bind_socket()
        Multiprocess(config, sockets=[sock]).run()
    else:
        server.run()


def _start_redirect_listener(settings: Settings) -> None:
    """A small plain-HTTP server in a daemon thread that only redirects (TL-02)."""
    port = settings.http_redirect_port
    config = server_config(
        RedirectToHttps(settings.public_url),
        settings,
        port=port,
        ssl_context_factory=None,
        limit_concurrency=min(settings.limit_concurrency, 200),
    )
    thread = threading.Thread(target=Server(config).run, name="http-redirect", daemon=True)
    thread.start()
