"""SE-03: the range a tenant's session timeouts may take, and how stored values are read."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from tier0.domain import Tenant
from tier0.domain.tenant_settings import SessionPolicy, SessionTimeouts, tenant_signing_alg
from tier0.errors import InvalidInput
from tier0.settings import Mode, Settings
from tier0.wiring.policies import session_policy

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
PRODUCTION = {"mode": Mode.PRODUCTION, "public_url": "https://id.example.com"}


def _tenant(settings: dict[str, object]) -> Tenant:
    return Tenant(id="ten_1", name="acme", display_name="Acme", created_at=NOW, settings=settings)


def _policy(**settings: object) -> SessionPolicy:
    return session_policy(Settings.model_validate(settings))


def test_se03_defaults_are_the_deployments() -> None:
    policy = _policy()
    assert policy.for_tenant(_tenant({})) == SessionTimeouts(
        idle=timedelta(hours=1), absolute=timedelta(hours=24)
    )


def test_se03_production_holds_tenants_to_aal2() -> None:
    policy = _policy(**PRODUCTION)
    with pytest.raises(InvalidInput, match=r"from 1 min to 1 h in production mode"):
        policy.with_timeouts({}, idle=timedelta(hours=2))
    with pytest.raises(InvalidInput, match=r"from 5 min to 24 h in production mode"):
        policy.with_timeouts({}, absolute=timedelta(hours=25))
    assert policy.with_timeouts({}, idle=timedelta(minutes=30)) == {
        "sessions": {"idle_timeout": 1800}
    }
    # Dev mode allows what the deployment's own settings allow.
    _policy().with_timeouts({}, idle=timedelta(hours=2), absolute=timedelta(days=7))


def test_se03_production_refuses_longer_deployment_defaults() -> None:
    with pytest.raises(ValidationError, match="session_idle_timeout <= 3600"):
        Settings.model_validate({**PRODUCTION, "session_idle_timeout": 7200})
    with pytest.raises(ValidationError, match="session_absolute_timeout <= 86400"):
        Settings.model_validate({**PRODUCTION, "session_absolute_timeout": 86401})


@pytest.mark.parametrize(
    ("stored", "idle", "absolute"),
    [
        # Written when the deployment was in dev mode, read in production: clamped.
        ({"idle_timeout": 7200, "absolute_timeout": 604800}, 3600, 86400),
        ({"idle_timeout": 1}, 60, 86400),
        ({"idle_timeout": True, "absolute_timeout": "forever"}, 3600, 86400),
        ({"idle_timeout": 1800, "absolute_timeout": 900}, 900, 900),
        ("not a section", 3600, 86400),
    ],
)
def test_se03_stored_values_never_exceed_the_limits(
    stored: object, idle: int, absolute: int
) -> None:
    timeouts = _policy(**PRODUCTION).for_tenant(_tenant({"sessions": stored}))
    assert timeouts == SessionTimeouts(timedelta(seconds=idle), timedelta(seconds=absolute))


@pytest.mark.parametrize(
    ("section", "expected"),
    [
        ({"default_alg": "ES256"}, "ES256"),
        ({"default_alg": "none"}, "RS256"),
        ({"default_alg": "HS256"}, "RS256"),
        (
            {
                "default_alg": "EdDSA",
                "replaces": "PS256",
                "signs_from": "2026-11-29T12:15:00+00:00",
            },
            "PS256",
        ),
        (
            {
                "default_alg": "EdDSA",
                "replaces": "PS256",
                "signs_from": "2026-11-29T11:00:00+00:00",
            },
            "EdDSA",
        ),
        (
            {"default_alg": "EdDSA", "replaces": "none", "signs_from": "2026-11-29T12:15:00+00:00"},
            "RS256",
        ),
        ({"default_alg": "EdDSA", "replaces": "PS256", "signs_from": "garbage"}, "PS256"),
        (
            {"default_alg": "EdDSA", "replaces": "PS256", "signs_from": "2026-11-29T11:00:00"},
            "PS256",
        ),
    ],
)
def test_jw01_stored_default_alg_is_read_from_the_allow_list(
    section: dict[str, str], expected: str
) -> None:
    assert tenant_signing_alg(_tenant({"signing": section}), "RS256", NOW) == expected
