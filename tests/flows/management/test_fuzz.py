"""IV-02: schemathesis over the management API's OpenAPI document. Generated requests (valid
and invalid) with a real token never get a 5xx, and every answer matches the document:
status code, content type, headers and body schema.

The examples per operation are bounded so the run stays well under a minute. Hypothesis
drives a worker thread; each request is sent on the test's event loop through the ASGI app.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.flows.management.harness import Caller

EXAMPLES_PER_OPERATION = 10
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
_HTTPX_KWARGS = {"method", "url", "params", "headers", "json", "content", "data"}


def _fuzz_operation(operation: Any, send: Any, headers: dict[str, str], base_url: str) -> None:
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy())
    def check(case: Any) -> None:
        kwargs = case.as_transport_kwargs(base_url=base_url, headers=headers)
        response = send({k: v for k, v in kwargs.items() if k in _HTTPX_KWARGS})
        case.validate_response(response, checks=CHECKS)

    check()


@pytest.mark.slow  # about a minute per backend: queued first (tests/conftest.py)
async def test_iv02_schemathesis_finds_no_server_error_and_no_schema_violation(
    client: httpx.AsyncClient, caller: Caller
) -> None:
    doc = (await client.get(f"{caller.base}/openapi.json")).json()
    schema = schemathesis.openapi.from_dict(doc)
    headers = await caller.issued_headers(client)
    loop = asyncio.get_running_loop()

    def send(kwargs: dict[str, Any]) -> httpx.Response:
        return asyncio.run_coroutine_threadsafe(client.request(**kwargs), loop).result()

    operations = []
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result
        operations.append(result.ok())
    assert len(operations) >= 30

    def run_all() -> None:
        for operation in operations:
            _fuzz_operation(operation, send, headers, doc["servers"][0]["url"])

    await asyncio.to_thread(run_all)
