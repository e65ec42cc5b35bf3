"""The MFA pages in a real browser (issue 10): Debian's Chromium, driven by Playwright,
against a live `tier0 serve`. A CDP virtual authenticator (WebAuthn.addVirtualAuthenticator)
registers a passkey on the account page and signs in with it on the universal login; an
authenticator app is enrolled by reading the seed from the page. Both sign-ins end with a
code whose ID token says what was proved.

Needs /usr/bin/chromium (`apt-get install chromium`; `.ci/run` installs it): skipped
without it locally, a failure under TIER0_REQUIRE_SERVICES=1.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pyotp
import pytest

from tests.conftest import skip_or_fail
from tests.security.live import free_port
from tier0.protocol.checks.pkce import s256_challenge

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group(__name__)]

CHROMIUM = os.environ.get("TIER0_CHROMIUM", "/usr/bin/chromium")
TENANT = "browser"
CALLBACK_PORT = free_port()
CALLBACK = f"http://localhost:{CALLBACK_PORT}/callback"
VERIFIER = "b" * 43 + "rowser-verifier-0123456789"
PASSWORD = "quiet lantern meadow 42"


@dataclass
class Live:
    base: str
    env: dict[str, str]
    client_id: str
    client_secret: str

    def cli(self, *args: str, stdin: str | None = None) -> Any:
        done = subprocess.run(
            [sys.executable, "-m", "tier0", *args, "--json"],
            env=self.env, input=stdin.encode() if stdin else None,
            capture_output=True, timeout=120, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr.decode()
        return json.loads(done.stdout)

    def user(self, email: str) -> None:
        self.cli(
            "user", "create", "-t", TENANT, "--email", email, "--password-stdin", "--verified",
            stdin=PASSWORD + "\n",
        )  # fmt: skip

    def authorize_url(self) -> str:
        query = {
            "client_id": self.client_id, "redirect_uri": CALLBACK, "response_type": "code",
            "scope": "openid email", "state": "st", "nonce": "nn",
            "code_challenge": s256_challenge(VERIFIER), "code_challenge_method": "S256",
        }  # fmt: skip
        return f"{self.base}/t/{TENANT}/authorize?{urlencode(query)}"

    def id_token_claims(self, code: str) -> dict[str, Any]:
        token = httpx.post(
            f"{self.base}/t/{TENANT}/oauth/token",
            data={"grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK,
                  "code_verifier": VERIFIER},
            auth=(self.client_id, self.client_secret), timeout=30,
        )  # fmt: skip
        assert token.status_code == 200, token.text
        payload = token.json()["id_token"].split(".")[1]
        claims: dict[str, Any] = json.loads(base64.urlsafe_b64decode(payload + "=" * 4))
        return claims


def _chromium() -> str:
    if not Path(CHROMIUM).is_file() or shutil.which(CHROMIUM) is None:
        skip_or_fail(f"{CHROMIUM} is missing: apt-get install -y chromium")
    return CHROMIUM


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    _chromium()
    port = free_port()
    # WebAuthn needs a domain as RP ID (not an IP address): localhost is one, and a secure
    # context over plain http.
    base = f"http://localhost:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("TIER0_")}
    env.update(
        TIER0_DATA_DIR=str(tmp_path_factory.mktemp("browser") / "data"),
        TIER0_PUBLIC_URL=base, TIER0_HOST="127.0.0.1", TIER0_PORT=str(port),
        TIER0_BCRYPT_COST="10", TIER0_LOG_LEVEL="warning",
    )  # fmt: skip
    process = subprocess.Popen(
        [sys.executable, "-m", "tier0", "serve"], env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 90
        while True:
            assert process.poll() is None, "tier0 serve exited"
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "tier0 serve did not become healthy"
            time.sleep(0.3)
        server = Live(base, env, "", "")
        server.cli("tenant", "create", TENANT)
        app = server.cli(
            "app", "create", "-t", TENANT, "--name", "web", "--type", "web",
            "--callback", CALLBACK,
        )  # fmt: skip
        server.client_id, server.client_secret = app["client_id"], app["client_secret"]
        yield server
    finally:
        process.terminate()
        process.wait(timeout=30)


class _Callback(BaseHTTPRequestHandler):
    """The client's redirect URI: a real listener (Playwright's request routing did not catch
    the cross-origin redirect after the passkey POST), so the code is read from the URL."""

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.end_headers()
        self.wfile.write(b"callback")

    def log_message(self, format: str, *args: Any) -> None:
        return


@pytest.fixture(scope="module")
def callback() -> Iterator[None]:
    server = ThreadingHTTPServer(("127.0.0.1", CALLBACK_PORT), _Callback)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One Chromium for the module (a launch takes seconds, more on a busy machine)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        skip_or_fail("playwright is not installed (dev extra)")
    with sync_playwright() as driver:
        launched = driver.chromium.launch(
            executable_path=_chromium(), headless=True, args=["--no-sandbox"]
        )
        yield launched
        launched.close()


@pytest.fixture
def page(live: Live, callback: None, browser: Any) -> Iterator[Any]:
    """A page in a fresh browser context: no cookie, storage or authenticator is shared
    between tests."""
    context = browser.new_context()
    yield context.new_page()
    context.close()


def _sign_in(page: Any, live: Live, email: str, *, return_to_account: bool = False) -> None:
    if return_to_account:
        page.goto(f"{live.base}/t/{TENANT}/account/mfa")
    else:
        page.goto(live.authorize_url())
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("form:not(#passkey-form) button[type=submit]")


def _ready_for_passkey(page: Any) -> None:
    """The passkey form, with its script running: passkey.js is deferred, so the form can be
    in the page before the script that runs the ceremony on submit. A click in between
    posts the form without a credential (the server refuses it), which a busy machine
    made happen now and then."""
    page.wait_for_selector("#passkey-form")
    page.wait_for_load_state("load")


def _code_of(page: Any) -> str:
    page.wait_for_url(f"{CALLBACK}**")
    url: str = page.url
    return parse_qs(urlsplit(url).query)["code"][0]


def test_mf03_passkey_enrollment_and_sign_in_in_chromium(live: Live, page: Any) -> None:
    email = "passkey@browser.test"
    live.user(email)
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {"options": {"protocol": "ctap2", "transport": "internal", "hasResidentKey": True,
                     "hasUserVerification": True, "isUserVerified": True,
                     "automaticPresenceSimulation": True}},
    )  # fmt: skip
    _sign_in(page, live, email, return_to_account=True)
    _ready_for_passkey(page)
    page.click("#passkey-form button[type=submit]")
    page.wait_for_selector("text=Your passkey is set up")
    assert page.locator(".recovery-codes li").count() == 10
    page.context.clear_cookies()
    _sign_in(page, live, email)
    _ready_for_passkey(page)
    page.click("#passkey-form button[type=submit]")
    claims = live.id_token_claims(_code_of(page))
    assert claims["amr"][0] == "pwd" and claims["amr"][-1] == "mfa"
    assert claims["amr"][1] in ("hwk", "swk")


def test_mf01_totp_enrollment_and_sign_in_in_chromium(live: Live, page: Any) -> None:
    email = "totp@browser.test"
    live.user(email)
    _sign_in(page, live, email, return_to_account=True)
    page.click("#totp-start button")
    seed = page.inner_text("#seed")
    authenticator = pyotp.TOTP(seed)
    page.fill("#code", authenticator.now())
    page.click("button:has-text('Confirm')")
    page.wait_for_selector("text=Your authenticator app is set up")
    page.context.clear_cookies()
    _sign_in(page, live, email)
    page.wait_for_selector("#code-form")
    # The enrollment used this step's code; the next step's is within the ±1 window.
    page.fill("#code", authenticator.at(time.time() + 30))
    page.click("#code-form button[type=submit]")
    claims = live.id_token_claims(_code_of(page))
    assert claims["amr"] == ["pwd", "otp", "mfa"]
