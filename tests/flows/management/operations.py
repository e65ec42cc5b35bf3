"""Every operation of the management API, read from its OpenAPI document, with a request
that is valid apart from what a test varies (the token, the ids)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx

METHODS = ("get", "post", "put", "patch", "delete")


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    scope: str
    body_schema: str | None
    media: str = "application/json"

    @property
    def label(self) -> str:
        return f"{self.method.upper()} {self.path}"

    def url(self, base: str, ids: Mapping[str, str]) -> str:
        return base + re.sub(r"\{(\w+)\}", lambda m: ids[m.group(1)], self.path)


def _scopes(op: Mapping[str, Any]) -> list[str]:
    found: list[str] = []
    for requirement in op.get("security", []):
        for scopes in requirement.values():
            found.extend(scopes)
    return found


def _body_schema(op: Mapping[str, Any]) -> tuple[str | None, str]:
    body = op.get("requestBody")
    if body is None:
        return None, "application/json"
    ((media, content),) = body["content"].items()
    ref: str = content["schema"]["$ref"]
    return ref.rsplit("/", 1)[-1], media


def operations(doc: Mapping[str, Any]) -> list[Operation]:
    """Each operation with its single declared scope (the test fails on any other count)."""
    out = []
    for path, item in doc["paths"].items():
        for method in METHODS:
            if method not in item:
                continue
            op = item[method]
            scopes = _scopes(op)
            assert len(scopes) == 1, f"{method.upper()} {path} declares scopes {scopes}"
            out.append(Operation(method, path, scopes[0], *_body_schema(op)))
    return out


async def send(
    client: httpx.AsyncClient,
    op: Operation,
    url: str,
    headers: Mapping[str, str],
    body: Any = None,
) -> httpx.Response:
    if op.body_schema and op.media == "multipart/form-data":
        # File members are (name, bytes, type) tuples; the rest are form fields.
        files = {k: v for k, v in body.items() if isinstance(v, tuple)}
        data = {k: v for k, v in body.items() if not isinstance(v, tuple)}
        return await client.request(
            op.method.upper(), url, headers=dict(headers), files=files, data=data
        )
    return await client.request(
        op.method.upper(), url, headers=dict(headers), json=body if op.body_schema else None
    )
