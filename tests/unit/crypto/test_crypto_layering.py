"""Source bans: hazmat stays in crypto/ and jose/ (design rule 11); DP-06 bans weak RNGs."""

from __future__ import annotations

import re
from pathlib import Path

import tier0

SRC = Path(tier0.__file__).parent
_HAZMAT_ALLOWED = {"crypto", "jose"}
_WEAK_RANDOM = re.compile(
    r"^\s*(import random\b|from random import)|\buuid4\s*\(|\buuid\.uuid4\b", re.MULTILINE
)


def _sources() -> list[Path]:
    files = sorted(SRC.rglob("*.py"))
    assert files, "tier0 sources not found"
    return files


def test_hazmat_only_in_crypto_and_jose() -> None:
    offenders = [
        str(path.relative_to(SRC))
        for path in _sources()
        if "cryptography.hazmat" in path.read_text(encoding="utf-8")
        and path.relative_to(SRC).parts[0] not in _HAZMAT_ALLOWED
    ]
    assert offenders == []


def test_dp06_no_random_module_or_uuid4_in_src() -> None:
    offenders = [
        str(path.relative_to(SRC))
        for path in _sources()
        if _WEAK_RANDOM.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_dp06_ban_pattern_catches_weak_sources() -> None:
    for bad in ("import random\n", "from random import choice\n", "x = uuid4()\n", "uuid.uuid4"):
        assert _WEAK_RANDOM.search(bad), bad
    assert not _WEAK_RANDOM.search("from tier0.crypto.random import random_token\n")
