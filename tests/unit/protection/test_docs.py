"""docs/rate-limits.md shows the limits the code enforces."""

from __future__ import annotations

from pathlib import Path

from tier0.protection.rate_limit_output import limit_table_markdown

DOCS = Path(__file__).resolve().parents[3] / "docs"


def test_av01_documented_default_table_matches_the_code() -> None:
    assert limit_table_markdown() in (DOCS / "rate-limits.md").read_text(encoding="utf-8")
