"""clean_text's shortcut for plain ids gives exactly what the full escaping and redaction
gives, for any text (LG-02: the shortcut must never let a secret or a line break through)."""

from __future__ import annotations

from hypothesis import example, given
from hypothesis import strategies as st

from tier0.audit.sanitize import _clean_text_fully, clean_text

# Plain id characters plus everything the patterns react to.
_ALPHABET = st.sampled_from(
    [*"aZ09_|:+=/-eyJ.@ \t\n\r\\\x00\x7f\x85\u2028\u2029é", "Bearer ", "basic "]
)
_TEXT = st.lists(_ALPHABET, max_size=40).map("".join)


@given(_TEXT, st.integers(min_value=1, max_value=60))
@example("auth0|usr_abc", 512)
@example("eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.", 512)
@example("a@b.co", 512)
@example("Bearer abc", 512)
@example("x" * 20, 10)
def test_the_shortcut_changes_nothing(value: str, limit: int) -> None:
    assert clean_text(value, limit=limit) == _clean_text_fully(value, limit)


def test_plain_ids_come_back_as_they_are() -> None:
    for plain in ("auth0|usr_0a1B", "grt_abc-def", "client:id+x=/y"):
        assert clean_text(plain) == plain
