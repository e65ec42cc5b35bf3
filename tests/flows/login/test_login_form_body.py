"""How the universal login reads its forms: url-encoded bodies through the same parser as
the token endpoint, anything else through Starlette's form parser."""

from __future__ import annotations

import secrets

from tests.flows.login.conftest import PASSWORD, World, hidden_fields


async def _filled_form(world: World) -> dict[str, str]:
    page = await world.authorize()
    fields = hidden_fields(page.text)
    fields.update(email=world.email, password=PASSWORD)
    return fields


def _multipart(fields: dict[str, str]) -> tuple[bytes, str]:
    boundary = secrets.token_hex(12)
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        for name, value in fields.items()
    ]
    body = "".join(parts) + f"--{boundary}--\r\n"
    return body.encode(), f"multipart/form-data; boundary={boundary}"


async def test_url_encoded_sign_in_goes_on_to_the_client(world: World) -> None:
    response = await world.client.post(f"{world.base}/login", data=await _filled_form(world))
    assert response.status_code == 303
    assert world.session_cookie() is not None


async def test_multipart_sign_in_is_read_as_before(world: World) -> None:
    body, content_type = _multipart(await _filled_form(world))
    response = await world.client.post(
        f"{world.base}/login", content=body, headers={"content-type": content_type}
    )
    assert response.status_code == 303
    assert world.session_cookie() is not None


async def test_a_form_of_more_than_64_fields_is_a_bad_request(world: World) -> None:
    fields = await _filled_form(world)
    fields.update({f"extra{i}": "x" for i in range(64)})
    response = await world.client.post(f"{world.base}/login", data=fields)
    assert response.status_code == 400
    assert world.session_cookie() is None
