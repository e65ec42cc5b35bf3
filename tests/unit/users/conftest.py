from __future__ import annotations

import pytest

from tier0.users.breached import BreachedPasswordList


@pytest.fixture(scope="session")
def breached() -> BreachedPasswordList:
    """The real shipped list, loaded once for the whole session."""
    return BreachedPasswordList()
