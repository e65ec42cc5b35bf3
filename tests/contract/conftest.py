"""Fixtures of the contract suites for the write ports that have two SQL versions."""

from __future__ import annotations

import secrets

import pytest


@pytest.fixture(params=["plain", "core"])
def plain_sqlite(request: pytest.FixtureRequest, backend: str) -> bool:
    """Which version of the port a test runs (its `plain_sqlite` argument): on SQLite both the
    plain ``sqlite3`` version the server uses and the Core version PostgreSQL uses; on
    PostgreSQL the plain one is skipped, before any database is set up."""
    plain: bool = request.param == "plain"
    if plain and backend != "sqlite":
        pytest.skip("the plain sqlite3 version is SQLite's")
    return plain


@pytest.fixture
def prefix() -> str:
    """A fresh prefix for the test's token, code and session hashes: they are primary keys in
    tables that every test (and every earlier run) shares on PostgreSQL."""
    return secrets.token_hex(5) + "-"
