"""Every entry point logs JSON lines, never structlog's development renderer (LG-02).

Unconfigured, structlog renders exceptions with `rich` when it is installed, local variables
of every frame included: a password in a local reached stderr, and one such traceback took
seconds to render (the outbox tests that make the database refuse spent minutes in it).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest
import structlog

from tier0.container import Container
from tier0.logs import configure_logging, ensure_logging
from tier0.web.app import create_app
from tier0.web.middleware import log_request

CANARY = "canary-local-5bd1f0e7c2a94d7e"


@pytest.fixture
def unconfigured() -> Iterator[None]:
    structlog.reset_defaults()
    yield
    # Later tests in this worker configure again from a clean state (and their own stderr).
    structlog.reset_defaults()


def _fail_with_a_secret_local() -> None:
    password = CANARY  # noqa: F841 - the local that must not be rendered
    raise RuntimeError("boom")


def test_lg02_an_unhandled_exception_is_one_json_line_without_locals(
    unconfigured: None, capsys: pytest.CaptureFixture[str]
) -> None:
    ensure_logging("info")
    try:
        _fail_with_a_secret_local()
    except RuntimeError as exc:
        structlog.get_logger("tier0.test").error("unhandled_exception", exc_info=exc)
    err = capsys.readouterr().err
    line = json.loads(err.strip().splitlines()[-1])
    assert line["event"] == "unhandled_exception"
    assert "RuntimeError: boom" in line["exception"]
    assert CANARY not in err


async def test_lg02_the_app_factory_configures_logging(
    unconfigured: None, container: Container
) -> None:
    assert not structlog.is_configured()
    create_app(container)
    assert structlog.is_configured()


def test_ensure_logging_keeps_an_existing_configuration(unconfigured: None) -> None:
    ensure_logging("warning")
    first = structlog.get_config()["wrapper_class"]
    ensure_logging("debug")
    assert structlog.get_config()["wrapper_class"] is first


def _access_lines(err: str) -> list[dict[str, object]]:
    lines = (json.loads(line) for line in err.strip().splitlines() if line.startswith("{"))
    return [line for line in lines if line.get("event") == "request"]


def test_the_access_line_follows_the_level_in_force_now(
    unconfigured: None, capsys: pytest.CaptureFixture[str]
) -> None:
    """The access line asks the configuration before building anything (the hot path):
    at warning it writes nothing, and a reconfiguration to info takes effect at once."""
    scope = {"method": "POST", "path": "/t/x/oauth/token", "query_string": b"code=secret"}
    configure_logging("warning")
    log_request(scope, 200, time.perf_counter())
    assert _access_lines(capsys.readouterr().err) == []
    configure_logging("info")
    log_request(scope, 201, time.perf_counter())
    [line] = _access_lines(capsys.readouterr().err)
    assert (line["method"], line["path"], line["status"]) == ("POST", "/t/x/oauth/token", 201)
    assert "secret" not in json.dumps(line)
