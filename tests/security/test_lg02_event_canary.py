"""Issue 6 "done when": every flow runs with unique secrets, and none of them is found in the
events, the logs, the log-stream payloads or the metrics (LG-02).

One tenant goes through management changes (users with a password, email, name and
metadata; an application, its secret rotated; a password and an email changed), a failed and
a successful sign-in at the universal login, the code redeemed, the refresh token rotated and
revoked; a JSON-lines stream and a webhook stream (to a real local receiver) are relayed.
Then every sink is searched for every canary.
"""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import structlog

from tests.conftest import unique
from tests.flows.login.conftest import CALLBACK, VERIFIER, World, query_of
from tests.flows.management.harness import make_caller
from tests.unit.audit.receivers import WebhookReceiver
from tier0.audit import Actor, event_to_dict
from tier0.audit.store import EventQuery
from tier0.audit.streams import Relay, StreamKind
from tier0.clock import FrozenClock
from tier0.container import Container
from tier0.logs import configure_logging


def canary(kind: str) -> str:
    """Unrelated random values, so the password policy sees no user data in a password."""
    return f"{kind[:2].upper()}-{secrets.token_hex(10)}-z"


@pytest.fixture
def json_logs() -> Iterator[None]:
    """tier0's real logging setup at debug level, restored afterwards."""
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    configure_logging("debug")
    yield
    structlog.reset_defaults()
    root.handlers[:] = saved[0]
    root.setLevel(saved[1])


async def _relay_all(container: Container, tenant_id: str) -> None:
    relay = Relay(
        container.db, container.streams.sender, container.clock, node_id="canary",
        events=container.audit, tenants=[tenant_id],
    )  # fmt: skip
    while await relay.run_once() > 0:
        pass


@pytest.mark.usefixtures("json_logs")
async def test_lg02_no_flow_puts_a_secret_into_events_logs_streams_or_metrics(
    container: Container,
    client: httpx.AsyncClient,
    clock: FrozenClock,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="tier0")
    secrets_seen: dict[str, str] = {
        k: canary(k) for k in ("password", "password2", "wrong", "name", "meta")
    }
    secrets_seen["email"] = f"{canary('mail').lower()}@example.com"
    secrets_seen["email2"] = f"{canary('mail2').lower()}@example.com"
    caller = await make_caller(container, unique("canary"))
    tenant = caller.tenant
    receiver = WebhookReceiver()
    await receiver.start()
    stream_file = tmp_path / "stream.jsonl"
    admin = Actor.admin("adm_canary")
    await container.streams.create(
        tenant.id, "file", StreamKind.JSONL, {"path": str(stream_file)}, actor=admin,
        from_start=True,
    )  # fmt: skip
    _, hook_secret = await container.streams.create(
        tenant.id, "hook", StreamKind.WEBHOOK, {"url": receiver.url}, actor=admin, from_start=True
    )
    assert hook_secret is not None
    secrets_seen["webhook_secret"] = hook_secret
    try:
        mgmt_token = await caller.issued(client)
        secrets_seen["management_token"] = mgmt_token
        secrets_seen["management_client_secret"] = caller.client_secret
        headers = {"authorization": f"Bearer {mgmt_token}"}
        api = caller.base

        # Management changes: personal data, passwords, client secrets.
        created = await client.post(
            f"{api}/users",
            headers=headers,
            json={
                "email": secrets_seen["email"],
                "password": secrets_seen["password"],
                "name": secrets_seen["name"],
                "user_metadata": {"note": secrets_seen["meta"]},
            },
        )
        assert created.status_code == 201, created.text[:500]
        user_id = created.json()["user_id"]
        for change in (
            {"password": secrets_seen["password2"]},
            {"email": secrets_seen["email2"], "email_verified": True},
        ):
            patched = await client.patch(f"{api}/users/{user_id}", headers=headers, json=change)
            assert patched.status_code == 200, patched.text
        app = await client.post(
            f"{api}/clients",
            headers=headers,
            json={"name": "Web", "app_type": "regular_web", "callbacks": [CALLBACK]},
        )
        assert app.status_code == 201, app.text
        client_id = app.json()["client_id"]
        secrets_seen["client_secret"] = app.json()["client_secret"]
        rotated = await client.post(f"{api}/clients/{client_id}/rotate-secret", headers=headers)
        secret = rotated.json()["client_secret"]
        secrets_seen["client_secret2"] = secret

        # The universal login: a wrong password, then the right one; the code, the tokens.
        application = await container.applications.get(tenant, client_id)
        world = World(container, client, tenant, application, secrets_seen["email2"], clock, secret)
        failed = await world.sign_in(await world.authorize(), password=secrets_seen["wrong"])
        assert failed.status_code in (200, 400, 401)
        signed_in = await world.sign_in(
            await world.authorize(scope="openid profile email offline_access"),
            password=secrets_seen["password2"],
        )
        code = query_of(signed_in)["code"]
        secrets_seen["code"] = code
        cookie = world.session_cookie()
        assert cookie is not None
        secrets_seen["session_cookie"] = cookie
        token_url = f"{world.base}/oauth/token"
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": CALLBACK,
            "code_verifier": VERIFIER,
        }
        tokens = (await client.post(token_url, data=form, auth=(client_id, secret))).json()
        for name in ("access_token", "id_token", "refresh_token"):
            secrets_seen[name] = tokens[name]
        refreshed = await client.post(
            token_url,
            data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
            auth=(client_id, secret),
        )
        assert refreshed.status_code == 200, refreshed.text
        secrets_seen["refresh_token2"] = refreshed.json()["refresh_token"]
        # The old refresh token again: reuse, which revokes the family and raises an alert.
        await client.post(
            token_url,
            data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
            auth=(client_id, secret),
        )
        await client.post(
            f"{world.base}/oauth/revoke",
            data={"token": secrets_seen["refresh_token2"]},
            auth=(client_id, secret),
        )
        await _relay_all(container, tenant.id)
        metrics = (await client.get("/metrics")).text
    finally:
        await receiver.stop()

    logged = await container.audit.search(EventQuery(tenant_id=tenant.id, limit=1000))
    types = {item.event.type for item in logged}
    assert {"management.users.updated", "token.refreshed", "refresh_token.reused"} <= types
    captured = capsys.readouterr()
    sinks = {
        "events": json.dumps([event_to_dict(item.event) for item in logged]),
        "stdout": captured.out,
        "stderr": captured.err,
        "logging": "\n".join(r.getMessage() + repr(r.__dict__) for r in caplog.records),
        "file stream": stream_file.read_text(),
        "webhook": "\n".join(repr(h) + body.decode() for h, body in receiver.requests),
        "metrics": metrics,
    }
    assert len(sinks["file stream"].splitlines()) == len(logged)  # every event went out
    assert receiver.seqs() == sorted(item.seq for item in logged)
    for sink, text in sinks.items():
        for name, value in secrets_seen.items():
            assert value not in text, f"{name} leaked into {sink}"
            assert value.lower() not in text.lower(), f"{name} leaked into {sink}"
