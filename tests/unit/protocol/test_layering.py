"""The protocol core stays framework-free (DESIGN.md §1, STYLE.md rule 1)."""

from __future__ import annotations

import ast
from pathlib import Path

import tier0.protocol

FORBIDDEN = ("fastapi", "starlette", "sqlalchemy", "redis", "jinja2", "alembic", "uvicorn")
PACKAGE = Path(tier0.protocol.__file__).parent


def _imported_modules(source: Path) -> list[str]:
    tree = ast.parse(source.read_text(encoding="utf-8"), filename=str(source))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


def test_protocol_imports_no_framework_storage_or_template_library() -> None:
    files = sorted(PACKAGE.rglob("*.py"))
    assert len(files) >= 10, "the walk must actually see the package"
    offending = [
        f"{path.relative_to(PACKAGE)}: {name}"
        for path in files
        for name in _imported_modules(path)
        if name.split(".")[0] in FORBIDDEN
    ]
    assert offending == []


def test_protocol_does_not_touch_hazmat_or_wall_clock() -> None:
    """Crypto primitives live in crypto/ and jose/; time comes from an injected Clock."""
    for path in PACKAGE.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "cryptography.hazmat" not in text, path
        assert "datetime.now(" not in text, path
        assert "time.time(" not in text, path


def test_detector_catches_a_forbidden_import(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("import starlette.requests\nfrom sqlalchemy.orm import Session\n")
    assert _imported_modules(bad) == ["starlette.requests", "sqlalchemy.orm"]
