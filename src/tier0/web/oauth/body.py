"""Reading request parameters into the raw multi-dict the protocol core takes.

RFC 6749 §3.2: token requests are ``application/x-www-form-urlencoded``; Auth0 also accepts
JSON, so tier0 does too. In JSON a value is a string (or, for a parameter that may repeat,
a list of strings); a key sent twice is refused like a repeated form field (RFC 6749 §3.1:
"Request and response parameters MUST NOT be included more than once").
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote_plus

from starlette.requests import Request

from tier0.protocol.errors import InvalidRequest
from tier0.protocol.params import RawParams

__all__ = ["FORM_MEDIA_TYPE", "form_fields", "media_type", "query_params", "read_params"]

FORM_MEDIA_TYPE = "application/x-www-form-urlencoded"
_JSON = "application/json"
_MAX_FIELDS = 64


def media_type(request: Request) -> str:
    """The request's media type, lower-cased, without parameters."""
    return request.headers.get("content-type", "").split(";", 1)[0].strip().lower()


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise InvalidRequest(f"The {key[:64]} parameter was sent more than once.")
        seen[key] = value
    return seen


def _from_json(body: bytes) -> RawParams:
    try:
        document = json.loads(body, object_pairs_hook=_no_duplicates)
    except (ValueError, RecursionError):
        raise InvalidRequest("The request body is not valid JSON.") from None
    if not isinstance(document, dict) or len(document) > _MAX_FIELDS:
        raise InvalidRequest("The request body must be a JSON object of parameters.")
    raw: dict[str, list[str]] = {}
    for key, value in document.items():
        if isinstance(value, str):
            raw[key] = [value]
        elif isinstance(value, list) and all(isinstance(item, str) for item in value):
            raw[key] = list(value)
        else:
            raise InvalidRequest(f"The {key[:64]} parameter must be a string.")
    return raw


def form_fields(body: bytes) -> RawParams:
    """``application/x-www-form-urlencoded`` as Starlette's form parser reads it (fields split
    on ``&``, empty ones skipped, a field without ``=`` has an empty value, names and values
    latin-1 then percent-decoded), without its per-byte callback machinery."""
    raw: dict[str, list[str]] = {}
    fields = 0
    for field in body.split(b"&"):
        if not field:
            continue
        fields += 1
        if fields > _MAX_FIELDS:
            raise InvalidRequest("Too many parameters.")
        name, _, value = field.partition(b"=")
        raw.setdefault(unquote_plus(name.decode("latin-1")), []).append(
            unquote_plus(value.decode("latin-1"))
        )
    return raw


async def read_params(request: Request) -> RawParams:
    """The body parameters of a POST (form or JSON); anything else is ``invalid_request``."""
    media = media_type(request)
    if media == FORM_MEDIA_TYPE:
        return form_fields(await request.body())
    if media == _JSON:
        return _from_json(await request.body())
    raise InvalidRequest("Send parameters as application/x-www-form-urlencoded or JSON.")


def query_params(request: Request) -> RawParams:
    """The URL query as a multi-dict."""
    raw: dict[str, list[str]] = {}
    for key, value in request.query_params.multi_items():
        raw.setdefault(key, []).append(value)
    return raw
