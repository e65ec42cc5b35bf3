"""Settings: environment variables, validation, production refusals, generated docs."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from tier0.docs_gen import PAGES, configuration_markdown
from tier0.settings import Mode, Settings

ROOT = Path(__file__).resolve().parents[2]


def test_reads_prefixed_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIER0_PUBLIC_URL", "https://id.example.com/")
    monkeypatch.setenv("TIER0_BCRYPT_COST", "12")
    settings = Settings()
    assert settings.public_url == "https://id.example.com"
    assert settings.tenant_base_url("acme") == "https://id.example.com/t/acme"
    assert settings.bcrypt_cost == 12


def test_default_database_is_sqlite_in_data_dir(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    assert settings.resolved_database_url == f"sqlite+aiosqlite:///{tmp_path.resolve()}/tier0.db"


@pytest.mark.parametrize(
    "field, value",
    [("bcrypt_cost", 9), ("public_url", "ftp://x"), ("log_level", "loud"), ("port", 0)],
)
def test_rejects_bad_values(field: str, value: object) -> None:
    with pytest.raises(ValidationError):
        Settings.model_validate({field: value})


def test_production_refuses_plain_http() -> None:
    with pytest.raises(ValidationError, match="https"):
        Settings(mode=Mode.PRODUCTION, public_url="http://id.example.com")
    assert (
        Settings(mode=Mode.PRODUCTION, public_url="https://id.example.com").mode is Mode.PRODUCTION
    )


def test_settings_are_frozen() -> None:
    settings = Settings()
    with pytest.raises(ValidationError):
        settings.port = 1  # type: ignore[misc]


def test_every_field_is_documented() -> None:
    for name, field in Settings.model_fields.items():
        assert field.description, f"Settings.{name} needs a docstring"
        assert f"`TIER0_{name.upper()}`" in configuration_markdown()


def test_generated_docs_are_fresh() -> None:
    for relative, render in PAGES.items():
        page = ROOT / relative
        assert page.exists(), f"{relative} is missing: run `make docs`"
        assert page.read_text(encoding="utf-8") == render(), f"{relative} is stale: run `make docs`"
