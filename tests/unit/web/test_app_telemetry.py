"""FastAPI's native OpenTelemetry hook stays off: tier0 exports its own metrics, and the
check for a configured provider cost every request three global look-ups."""

from __future__ import annotations

from tier0.container import Container
from tier0.web.app import _NO_NATIVE_TELEMETRY, create_app


async def test_fastapi_native_telemetry_is_off_where_fastapi_has_it(container: Container) -> None:
    app = create_app(container)
    config = getattr(app, "_telemetry", None)
    if config is None:  # an older FastAPI without the hook
        assert _NO_NATIVE_TELEMETRY == {}
        return
    # Off by configuration, so enabled() answers without asking OpenTelemetry.
    assert (config["tracing"], config["metrics"], config["logs"]) == (False, False, False)
    assert app._native_telemetry.enabled() is False
