"""The world `bench.attack` runs in: the real tier0 app over a real `Container` on a
temporary SQLite data directory, reached over HTTP in process, plus the two probes the
simulation reads, the password hashes the container really computes and its audit log.

Everything the sign-in does on the shipped path runs: the HTTP edge (request limits, the
rate limiter, the trusted-proxy client IP), the universal-login pages, CSRF, the sign-in
guard, bcrypt in the hasher's thread pool, and the audit events in SQLite. Only the clock
is frozen (and moved by the simulation) so a simulated hour runs in seconds.
"""

from __future__ import annotations

import base64
import hashlib
import html
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import ParamSpec, TypeVar
from urllib.parse import urlencode

import httpx
import redis.asyncio as aioredis
from pydantic import SecretStr

from bench.signin import _ACTION, _INPUT
from tier0.audit.changes import ChangedBy
from tier0.audit.events import EventType
from tier0.audit.store import MAX_PAGE, EventQuery
from tier0.clock import FrozenClock
from tier0.container import Container
from tier0.domain import AppType, Tenant, User
from tier0.services.applications import ApplicationSpec
from tier0.services.user_specs import new_user_id
from tier0.settings import Settings
from tier0.users.passwords import PasswordHasher
from tier0.web.app import create_app

P = ParamSpec("P")
T = TypeVar("T")

BY = ChangedBy.system("bench")
PROXY = "10.0.0.2"  # the load balancer: the only peer the app sees, and trusted
TRUSTED = ("10.0.0.0/8",)
CALLBACK = "https://app.example.com/callback"
PASSWORD = "velvet otter lantern quarry 9"


class HashCount:
    """Password hashes the container's hasher computed: each `hash_sync` and `verify_sync`
    is one bcrypt computation in the hasher's pool (`PasswordHasher` looks the methods up
    on the instance at call time, so these wrappers see every call, the dummy hash for
    unknown users included)."""

    def __init__(self, hasher: PasswordHasher) -> None:
        self.calls = 0
        hasher.hash_sync = self._wrap(hasher.hash_sync)  # type: ignore[method-assign]
        hasher.verify_sync = self._wrap(hasher.verify_sync)  # type: ignore[method-assign]

    def _wrap(self, method: Callable[P, T]) -> Callable[P, T]:
        def counted(*args: P.args, **kwargs: P.kwargs) -> T:
            self.calls += 1
            return method(*args, **kwargs)

        return counted


@dataclass
class World:
    container: Container
    tenant: Tenant
    client_id: str
    accounts: list[str]
    hashes: HashCount
    transport: httpx.ASGITransport
    redis_url: str | None

    def browser(self) -> httpx.AsyncClient:
        """A new browser (its own cookie jar) behind the trusted proxy."""
        base = self.container.settings.public_url.rstrip("/")
        return httpx.AsyncClient(transport=self.transport, base_url=base)

    async def events(self, kind: EventType) -> int:
        """How many ``kind`` events the tenant's audit log holds."""
        found, after = 0, 0
        while True:
            page = await self.container.audit.search(
                EventQuery(self.tenant.id, types=(kind,), after_seq=after, limit=MAX_PAGE)
            )
            found += len(page)
            if len(page) < MAX_PAGE:
                return found
            after = page[-1].seq

    async def close(self) -> None:
        await self.container.close()
        if self.redis_url is not None:
            # This run's keys (the tenant name is unique); pseudonymised ones expire.
            redis = aioredis.Redis.from_url(self.redis_url)
            async for key in redis.scan_iter(match=f"tier0:*{self.tenant.name}*", count=1000):
                await redis.delete(key)
            await redis.aclose()


async def build(
    data_dir: Path, clock: FrozenClock, *, accounts: int, cost: int, redis_url: str | None
) -> World:
    """A migrated container, one tenant with a SPA and ``accounts`` verified users."""
    settings = Settings(
        data_dir=data_dir,
        hash_workers=1,  # one core: the simulation is sequential anyway
        trusted_proxies=TRUSTED,
        log_level="warning",  # no access line per request on the bench's output
        redis_url=redis_url,
        counter_key_secret=SecretStr(secrets.token_hex(24)) if redis_url else None,
    )
    # TIER0_BCRYPT_COST's floor is 10 (production); the simulation lowers it after
    # validation (model_copy does not validate), and the report says so.
    settings = settings.model_copy(update={"bcrypt_cost": cost})
    container = Container.build(settings, clock=clock)
    await container.migrate()
    # A fresh name per run: Redis keeps counters between runs, keyed by tenant name.
    name = f"bench-{secrets.token_hex(4)}" if redis_url else "bench"
    tenant = await container.tenants.create(name, by=BY)
    spec = ApplicationSpec("stuffed", AppType.SPA, callbacks=(CALLBACK,))
    app = await container.applications.create(tenant, spec, by=BY)
    emails = [f"user{i}@example.test" for i in range(accounts)]
    await _seed_users(container, tenant, emails)
    hashes = HashCount(container.hasher)
    transport = httpx.ASGITransport(app=create_app(container), client=(PROXY, 40000))
    return World(container, tenant, app.application.client_id, emails, hashes, transport, redis_url)


async def _seed_users(container: Container, tenant: Tenant, emails: list[str]) -> None:
    """Verified users sharing one real hash (bcrypt at the simulation's cost; the sign-ins
    verify it for real), in one transaction through the user repository: the service's
    one transaction and audit event per user made the set-up take longer than the run."""
    stored = container.hasher.hash_sync(PASSWORD)
    now = container.clock.now()
    async with container.db.transaction() as uow:
        for email in emails:
            await uow.users.add(
                User(
                    tenant_id=tenant.id,
                    user_id=new_user_id(),
                    email=email,
                    email_verified=True,
                    password_hash=stored,
                    created_at=now,
                    updated_at=now,
                )
            )


@dataclass(frozen=True, slots=True)
class SignInForm:
    """The sign-in page's form: where it posts and its hidden fields (CSRF, interaction)."""

    action: str
    fields: dict[str, str]


async def sign_in_form(http: httpx.AsyncClient, world: World, xff: str) -> SignInForm:
    """GET /authorize with PKCE, as a SPA does, and read the sign-in form it shows."""
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    query = urlencode(
        {
            "response_type": "code",
            "client_id": world.client_id,
            "redirect_uri": CALLBACK,
            "scope": "openid",
            "state": secrets.token_urlsafe(16),
            "nonce": secrets.token_urlsafe(16),
            "code_challenge": challenge.rstrip(b"=").decode(),
            "code_challenge_method": "S256",
        }
    )
    page = await http.get(
        f"/t/{world.tenant.name}/authorize?{query}", headers={"x-forwarded-for": xff}
    )
    action = _ACTION.search(page.text)
    if page.status_code != 200 or action is None:
        raise RuntimeError(f"no sign-in form: /authorize answered {page.status_code}")
    fields = {name: html.unescape(value) for name, value in _INPUT.findall(page.text)}
    return SignInForm(html.unescape(action.group(1)), fields)


async def post_sign_in(
    http: httpx.AsyncClient, form: SignInForm, xff: str, email: str, password: str
) -> httpx.Response:
    """POST the form with an email and password, from a browser on the same origin."""
    origin = str(http.base_url).rstrip("/")
    return await http.post(
        form.action,
        data={**form.fields, "email": email, "password": password},
        headers={"x-forwarded-for": xff, "origin": origin, "sec-fetch-site": "same-origin"},
    )


def percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(int(len(ordered) * share) - 1, 0)] if ordered else 0.0
