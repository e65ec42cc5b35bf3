"""BF-03 measured: an unknown email and a wrong password answer alike, in body and in time.

Run: `python -m bench login_enumeration` (or `python -m bench.login_enumeration --samples
200`). Drives the real sign-in form over HTTP on the ASGI app (SQLite in a temporary
directory, bcrypt at the configured cost): for each sample a fresh /authorize page, then a
POST with a wrong password for an existing account or for an unknown email, alternately.
Each sample comes from its own client IP and the FrozenClock moves on between samples, so
brute-force blocks and throttles never answer in place of the password check. Prints the
median and p90 of both kinds and their difference; BF-03 asks the medians to differ by
less than 5 ms and the bodies (apart from the typed email) to be byte-identical.
"""

from __future__ import annotations

import argparse
import html
import re
import statistics
import tempfile
import time
from pathlib import Path

import httpx
from fastapi import FastAPI

from tier0.audit.changes import ChangedBy
from tier0.clock import FrozenClock
from tier0.container import Container
from tier0.domain import AppType
from tier0.protocol.checks.pkce import s256_challenge
from tier0.services.applications import ApplicationSpec
from tier0.services.users import UserSpec
from tier0.settings import Settings
from tier0.web.app import create_app

BENCH = ChangedBy.system("bench")  # the author of the benchmark's set-up changes

CALLBACK = "https://app.example.com/callback"
KNOWN = "known@example.com"
UNKNOWN = "unknown@example.com"
_HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


async def _sample(
    app: FastAPI, tenant: str, client_id: str, email: str, ip: str
) -> tuple[float, str]:
    transport = httpx.ASGITransport(app=app, client=(ip, 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as http:
        page = await http.get(
            f"/t/{tenant}/authorize",
            params={
                "client_id": client_id,
                "redirect_uri": CALLBACK,
                "response_type": "code",
                "scope": "openid",
                "code_challenge": s256_challenge("v" * 43),
                "code_challenge_method": "S256",
            },
        )
        form = {name: html.unescape(value) for name, value in _HIDDEN.findall(page.text)}
        form |= {"email": email, "password": "not the password, surely"}
        started = time.perf_counter()
        answer = await http.post(f"/t/{tenant}/login", data=form)
        elapsed = (time.perf_counter() - started) * 1000
    if answer.status_code != 400:
        raise SystemExit(f"unexpected status {answer.status_code}")
    # The typed email is echoed; the record and CSRF token belong to this browser.
    body = answer.text.replace(email, "EMAIL").replace(form["interaction"], "RECORD")
    return elapsed, body.replace(form["csrf_token"], "TOKEN")


async def main() -> None:
    parser = argparse.ArgumentParser(prog="bench.login_enumeration")
    parser.add_argument("--samples", type=int, default=200, help="samples of each kind")
    args = parser.parse_args()
    clock = FrozenClock()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp), rate_limits_enabled=False)
        container = Container.build(settings, clock=clock)
        await container.migrate()
        tenant = await container.tenants.create("bench-login", by=BENCH)
        app_spec = ApplicationSpec("Bench", AppType.REGULAR_WEB, callbacks=(CALLBACK,))
        client = (await container.applications.create(tenant, app_spec, by=BENCH)).application
        await container.users.create(
            tenant, UserSpec(email=KNOWN, password="the real one 123"), by=BENCH
        )
        web = create_app(container)
        times: dict[str, list[float]] = {KNOWN: [], UNKNOWN: []}
        bodies: dict[str, set[str]] = {KNOWN: set(), UNKNOWN: set()}
        for i in range(args.samples * 2):
            email = KNOWN if i % 2 == 0 else UNKNOWN
            ip = f"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}"
            elapsed, body = await _sample(web, tenant.name, client.client_id, email, ip)
            times[email].append(elapsed)
            bodies[email].add(body)
            clock.advance(3600)  # past every throttle window of the previous attempt
        await container.close()
    for label, email in (("wrong password", KNOWN), ("unknown email", UNKNOWN)):
        values = sorted(times[email])
        p90 = values[int(len(values) * 0.9) - 1]
        print(f"{label:15} median {statistics.median(values):7.2f} ms   p90 {p90:7.2f} ms")
    delta = statistics.median(times[KNOWN]) - statistics.median(times[UNKNOWN])
    print(f"median difference {delta:+.2f} ms (BF-03: |difference| < 5 ms)")
    print(f"bodies identical: {bodies[KNOWN] == bodies[UNKNOWN] and len(bodies[KNOWN]) == 1}")


if __name__ == "__main__":
    import asyncio

    asyncio.run(main())
