"""Form bodies of the token side are read as Starlette's form parser reads them."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from starlette.datastructures import Headers
from starlette.formparsers import FormParser

from tier0.protocol.errors import InvalidRequest
from tier0.web.oauth.body import form_fields

BODIES = [
    b"grant_type=client_credentials&audience=https%3A%2F%2Fapi.example.com",
    b"scope=read+write&scope=admin",
    b"a=1&&b=2&",
    b"&a=1",
    b"flag&x=",
    b"x=a=b",
    b"name=%C3%A9t%C3%A9&raw=\xe9",
    b"bad=%zz%&plus=%2B+",
    b"",
]


async def _starlette(body: bytes) -> dict[str, list[str]]:
    async def stream() -> AsyncIterator[bytes]:
        yield body

    form = await FormParser(Headers(), stream()).parse()  # type: ignore[arg-type]
    parsed: dict[str, list[str]] = {}
    for key, value in form.multi_items():
        assert isinstance(value, str)
        parsed.setdefault(key, []).append(value)
    return parsed


@pytest.mark.parametrize("body", BODIES)
async def test_form_reads_like_starlettes_parser(body: bytes) -> None:
    assert form_fields(body) == await _starlette(body)


def test_more_than_64_fields_is_invalid_request() -> None:
    assert len(form_fields(b"&".join(b"k%d=v" % i for i in range(64)))) == 64
    with pytest.raises(InvalidRequest):
        form_fields(b"&".join(b"k%d=v" % i for i in range(65)))
