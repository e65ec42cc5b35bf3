"""BF-03 by work done, not by the clock: a sign-in for an unknown address, a wrong password
and a blocked account each cost the same number of password hashes through the real HTTP
sign-in (the dummy verification for unknown users), and so do sign-up and reset requests
for taken and free addresses. Counted on the container's own hasher; no timing assertion
(tier0 measures time in benchmarks, never in tests)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import ParamSpec, TypeVar

import httpx

from tests.conftest import unique
from tests.flows.accounts.conftest import MailWorld
from tier0.audit.changes import ChangedBy
from tier0.container import Container
from tier0.users.passwords import PasswordHasher
from tier0.web.app import create_app

NEW_PASSWORD = "a lantern above the quiet harbour"
P = ParamSpec("P")
T = TypeVar("T")


class HashCount:
    """Calls into bcrypt (or argon2) made by one hasher: each `hash_sync` and `verify_sync`
    computes exactly one password hash, in the hasher's thread pool."""

    def __init__(self) -> None:
        self.calls = 0

    def wrap(self, method: Callable[P, T]) -> Callable[P, T]:
        def counted(*args: P.args, **kwargs: P.kwargs) -> T:
            self.calls += 1
            return method(*args, **kwargs)

        return counted


@contextmanager
def counting(hasher: PasswordHasher) -> Iterator[HashCount]:
    """Count the password hashes ``hasher`` computes (instance attributes shadow the
    methods: `PasswordHasher` looks them up at call time)."""
    count = HashCount()
    hasher.hash_sync = count.wrap(hasher.hash_sync)  # type: ignore[method-assign]
    hasher.verify_sync = count.wrap(hasher.verify_sync)  # type: ignore[method-assign]
    try:
        yield count
    finally:
        del hasher.hash_sync, hasher.verify_sync


Request = Callable[[], Awaitable[httpx.Response]]


async def _hashes(world: MailWorld, request: Request) -> int:
    """Password hashes computed while the app answers ``request`` (in-process ASGI: the
    background work after the answer, a sign-up's account or a reset's mail, included)."""
    with counting(world.container.hasher) as count:
        await request()
    return count.calls


async def test_bf03_unknown_wrong_and_blocked_sign_ins_cost_the_same_hashes(
    mail_world: MailWorld,
) -> None:
    world = mail_world
    page = await world.authorize()
    password = "not the password at all"
    # The dummy hash is made on the first unknown-user sign-in of a process: warm it up.
    await world.sign_in(page, email=f"{unique('warm')}@example.com", password=password)

    def sign_in(email: str) -> Request:
        return lambda: world.sign_in(page, email=email, password=password)

    unknown = await _hashes(world, sign_in(f"{unique('nobody')}@example.com"))
    wrong = await _hashes(world, sign_in(world.email))
    user = await world.container.users.find_by_email(world.tenant, world.email)
    assert user is not None
    await world.container.users.set_blocked(world.tenant, user.user_id, True, by=ChangedBy.cli())
    blocked = await _hashes(world, lambda: world.sign_in(page))
    assert wrong == 1
    assert unknown == wrong == blocked


async def test_bf03_sign_up_hashes_alike_for_taken_and_free_addresses(
    mail_world: MailWorld,
) -> None:
    world = mail_world
    await world.switch(signup=True)
    fields = await world.form(f"{world.base}/u/signup")

    def sign_up(email: str) -> Request:
        data = {**fields, "email": email, "password": NEW_PASSWORD}
        return lambda: world.client.post(f"{world.base}/u/signup", data=data)

    free = await _hashes(world, sign_up(f"{unique('new')}@example.com"))
    taken = await _hashes(world, sign_up(world.email))
    assert free == taken == 1


async def test_bf03_reset_requests_hash_alike_for_known_and_unknown_addresses(
    mail_world: MailWorld,
) -> None:
    world = mail_world
    fields = await world.form(f"{world.base}/u/reset-password")

    def reset(email: str) -> Request:
        data = {**fields, "email": email}
        return lambda: world.client.post(f"{world.base}/u/reset-password", data=data)

    known = await _hashes(world, reset(world.email))
    unknown = await _hashes(world, reset(f"{unique('nobody')}@example.com"))
    assert known == unknown == 0  # a request only mails a link; the new password hashes later


async def test_bf03_the_server_makes_the_dummy_hash_at_start_up(container: Container) -> None:
    """The first unknown account after a start costs one hash like any other: the app's
    start-up makes the dummy hash, not the first sign-in that needs it."""
    app = create_app(container)
    with counting(container.hasher) as count:
        async with app.router.lifespan_context(app):
            started = count.calls
            await container.hasher.verify_dummy("anything at all")
            first = count.calls - started
    assert started == 1  # the dummy, made at start-up
    assert first == 1  # the first unknown account: one verification, no second hash
