"""The one refusal every factor answers with."""

from __future__ import annotations

__all__ = ["InvalidCode"]


class InvalidCode(Exception):
    """The one-time code, recovery code or passkey assertion is wrong, reused or expired.
    Deliberately vague: the page says the same for each."""

    def __init__(self) -> None:
        super().__init__("invalid code")
