"""Production-mode refusals and the posture checks behind `tier0 doctor` (TL-01..TL-03)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tier0.container import Container
from tier0.posture import Severity, UnsafeConfiguration, assess, refuse_unsafe
from tier0.settings import Mode, Settings

SECRET = "s" * 40


@pytest.fixture
def kek(tmp_path: Path) -> Path:
    keys = tmp_path / "keys"
    keys.mkdir(mode=0o700)
    path = keys / "kek.json"
    path.write_text("{}")
    path.chmod(0o600)
    return path


def production(tmp_path: Path, kek: Path, **changes: object) -> Settings:
    values: dict[str, object] = {
        "mode": Mode.PRODUCTION,
        "public_url": "https://id.example.com",
        "data_dir": tmp_path / "data",
        "key_file": kek,
        "trusted_proxies": ("10.0.0.0/8",),
    }
    values.update(changes)
    return Settings(**values)  # type: ignore[arg-type]  # test-built keyword set


def failures(settings: Settings) -> set[str]:
    return {f.check for f in assess(settings) if f.severity is Severity.FAIL}


def test_a_clean_production_configuration_passes(tmp_path: Path, kek: Path) -> None:
    assert failures(production(tmp_path, kek)) == set()


def test_production_refuses_no_tls_and_no_trusted_proxy(tmp_path: Path, kek: Path) -> None:
    settings = production(tmp_path, kek, trusted_proxies=())
    assert "transport" in failures(settings)
    with pytest.raises(UnsafeConfiguration, match="no TLS and no trusted"):
        refuse_unsafe(settings)


def test_production_refuses_the_self_signed_certificate(tmp_path: Path, kek: Path) -> None:
    assert "transport" in failures(production(tmp_path, kek, tls_self_signed=True))


def test_production_refuses_a_world_readable_tls_key(tmp_path: Path, kek: Path) -> None:
    cert, key = tmp_path / "c.pem", tmp_path / "k.pem"
    cert.write_text("x")
    key.write_text("x")
    key.chmod(0o644)
    settings = production(tmp_path, kek, tls_cert_file=cert, tls_key_file=key)
    assert "transport" in failures(settings)


def test_production_refuses_the_default_key_file(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir(mode=0o700)
    (data / "master.key").write_text("{}")
    (data / "master.key").chmod(0o600)
    settings = Settings(
        mode=Mode.PRODUCTION,
        public_url="https://id.example.com",
        data_dir=data,
        trusted_proxies=("10.0.0.0/8",),
    )
    assert "key_file" in failures(settings)


def test_production_refuses_a_world_readable_key_file(tmp_path: Path, kek: Path) -> None:
    kek.chmod(0o644)
    assert "key_file" in failures(production(tmp_path, kek))


def test_production_refuses_in_memory_counters_with_workers(tmp_path: Path, kek: Path) -> None:
    assert "counters" in failures(production(tmp_path, kek, workers=4))
    shared = production(
        tmp_path, kek, workers=4, redis_url="rediss://r:6380/0", counter_key_secret=SECRET
    )
    assert "counters" not in failures(shared)


@pytest.mark.parametrize(
    ("url", "refused"),
    [
        ("postgresql+asyncpg://t@db/tier0", True),
        ("postgresql+asyncpg://t@db/tier0?ssl=require", True),
        ("postgresql+asyncpg://t@db/tier0?ssl=verify-ca", True),
        ("postgresql+asyncpg://t@db/tier0?ssl=verify-full", False),
        ("postgresql+psycopg://t@db/tier0?sslmode=verify-full", False),
    ],
)
def test_tl03_postgres_needs_verify_full(
    tmp_path: Path, kek: Path, url: str, refused: bool
) -> None:
    assert ("database" in failures(production(tmp_path, kek, database_url=url))) is refused


def test_production_refuses_debug_logging(tmp_path: Path, kek: Path) -> None:
    assert "debug" in failures(production(tmp_path, kek, log_level="debug"))


def test_dev_mode_reports_warnings_not_failures(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    findings = assess(settings)
    assert not [f for f in findings if f.severity is Severity.FAIL]
    assert {f.check for f in findings if f.severity is Severity.WARN} >= {"transport"}
    assert {f.check for f in assess(settings, production=True) if f.severity is Severity.FAIL}


def test_every_failure_names_a_fix(tmp_path: Path, kek: Path) -> None:
    kek.chmod(0o644)
    settings = production(tmp_path, kek, trusted_proxies=(), log_level="debug", workers=2)
    found = [f for f in assess(settings) if f.severity is Severity.FAIL]
    assert len(found) >= 4 and all(f.fix for f in found)


def test_the_container_refuses_to_build_an_unsafe_production_config(
    tmp_path: Path, kek: Path
) -> None:
    with pytest.raises(UnsafeConfiguration):
        Container.build(production(tmp_path, kek, trusted_proxies=()))


def test_production_never_creates_a_key_file(tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    keys.mkdir(mode=0o700)
    missing = keys / "kek.json"
    settings = production(tmp_path, missing)
    assert "key_file" in failures(settings)
    with pytest.raises(UnsafeConfiguration):
        Container.build(settings)
    assert not missing.exists()


def test_an_open_data_dir_fails_even_in_dev_mode(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    os.chmod(data, 0o755)  # noqa: S103 (the permissive mode is what is under test)
    assert "data_dir" in failures(Settings(data_dir=data))


def test_tl03_smtp_without_tls_fails_the_production_judgement(tmp_path: Path) -> None:
    dev = Settings(data_dir=tmp_path / "data", smtp_host="mail", smtp_require_tls=False)
    assert "mail" in {f.check for f in assess(dev, production=True) if f.severity is Severity.FAIL}
    with pytest.raises(ValueError, match="smtp_require_tls"):
        Settings(
            mode=Mode.PRODUCTION,
            public_url="https://id.example.com",
            smtp_host="mail",
            smtp_require_tls=False,
        )
