from __future__ import annotations

import unicodedata
from typing import Any

import pytest

from tier0.users import password_policy
from tier0.users.breached import BreachedPasswordList
from tier0.users.password_policy import (
    NIST_SOLE_FACTOR_MIN_LENGTH,
    PasswordPolicy,
    PasswordRejected,
    RejectionCode,
    check_not_reused,
    check_password,
    context_words,
    normalize_password,
)

MIN8 = PasswordPolicy(min_length=8)


def emoji(count: int) -> str:
    """``count`` varied emoji (a run of one repeated emoji is refused as trivial)."""
    return "".join(chr(0x1F600 + (i * 7) % 64) for i in range(count))


ALICE = ["alice.smith@example.com", "alice_s", "Alice Smith", "Acme Corp", "Billing Portal"]


def rejection(
    password: str,
    policy: PasswordPolicy,
    blocklist: BreachedPasswordList,
    context: list[str] | None = None,
) -> RejectionCode:
    with pytest.raises(PasswordRejected) as info:
        check_password(password, policy, context=context or [], blocklist=blocklist)
    return info.value.code


def test_defaults_follow_the_issue_and_nist() -> None:
    policy = PasswordPolicy()
    assert (policy.min_length, policy.max_length, policy.max_bytes) == (12, 256, 1024)
    assert policy.blocklist and policy.context_check and policy.history_size == 0
    assert NIST_SOLE_FACTOR_MIN_LENGTH == 15
    PasswordPolicy(min_length=NIST_SOLE_FACTOR_MIN_LENGTH)  # a tenant may raise it


@pytest.mark.parametrize(
    "kwargs",
    [
        {"min_length": 7},
        {"max_length": 63},
        {"min_length": 80, "max_length": 64},
        {"max_bytes": 255},
        {"history_size": 25},
        {"history_size": -1},
    ],
)
def test_policy_refuses_settings_below_the_floors(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        PasswordPolicy(**kwargs)


def test_pw03_seven_characters_rejected(breached: BreachedPasswordList) -> None:
    assert rejection("kq7vzmw", MIN8, breached) is RejectionCode.TOO_SHORT


@pytest.mark.parametrize("length", [8, 64, 128])
def test_pw03_8_64_128_characters_accepted(breached: BreachedPasswordList, length: int) -> None:
    password = ("kq7vzmwe" + "Hx3!tPa9" * 16)[:length]
    check_password(password, MIN8, context=ALICE, blocklist=breached)


def test_pw03_lowercase_only_accepted_no_composition_rules(breached: BreachedPasswordList) -> None:
    check_password("vorpalquintetmarrow", MIN8, context=ALICE, blocklist=breached)


def test_pw03_emoji_counts_as_one_code_point(breached: BreachedPasswordList) -> None:
    seven_plus_emoji = "kq7vzmw\N{GRINNING FACE}"
    assert len(seven_plus_emoji.encode()) == 11
    check_password(seven_plus_emoji, MIN8, context=[], blocklist=breached)
    assert rejection("kq7vzm\N{GRINNING FACE}", MIN8, breached) is RejectionCode.TOO_SHORT


def test_pw03_max_length_counts_code_points(breached: BreachedPasswordList) -> None:
    policy = PasswordPolicy(min_length=8, max_length=64)
    check_password(emoji(64), policy, context=[], blocklist=breached)
    assert rejection(emoji(65), policy, breached) is RejectionCode.TOO_LONG


def test_pw03_nfkc_makes_composed_and_decomposed_equal() -> None:
    composed = "caf\N{LATIN SMALL LETTER E WITH ACUTE}-pw-\N{LATIN SMALL LIGATURE FI}"
    decomposed = unicodedata.normalize("NFD", composed)
    assert composed != decomposed
    assert normalize_password(composed) == normalize_password(decomposed)
    assert normalize_password(composed).endswith("fi")  # compatibility form folded


def test_pw03_no_case_folding_or_truncation_in_normalisation() -> None:
    password = "MiXeD-Case-" + "x" * 200
    assert normalize_password(password) == password


def test_nul_and_lone_surrogates_are_refused(breached: BreachedPasswordList) -> None:
    assert rejection("kq7vzmwe\x00xx", MIN8, breached) is RejectionCode.INVALID_CHARACTERS
    assert rejection("kq7vzmwe\ud800xx", MIN8, breached) is RejectionCode.INVALID_CHARACTERS


def test_pw04_one_megabyte_rejected_by_the_byte_cap_before_anything_else(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[str] = []

    def spy_normalize(password: str) -> str:
        calls.append("normalize")
        return password

    class SpyBlocklist:
        def contains(self, password: str) -> bool:
            calls.append("blocklist")
            return False

    monkeypatch.setattr(password_policy, "normalize_password", spy_normalize)
    monkeypatch.setattr(password_policy, "contains_user_info", lambda *a: calls.append("ctx"))
    with pytest.raises(PasswordRejected) as info:
        check_password("a" * 1_000_000, PasswordPolicy(), context=ALICE, blocklist=SpyBlocklist())
    assert info.value.code is RejectionCode.TOO_LONG
    assert calls == []
    # The spies are live: a normal password does reach them.
    check_password("vorpalquintetmarrow", PasswordPolicy(), context=[], blocklist=SpyBlocklist())
    assert calls == ["normalize", "ctx", "blocklist"]


def test_pw04_cap_counts_utf8_bytes_not_code_points(breached: BreachedPasswordList) -> None:
    policy = PasswordPolicy(min_length=8, max_length=1024, max_bytes=1024)
    just_over = emoji(257)  # 257 code points, 1028 bytes
    assert rejection(just_over, policy, breached) is RejectionCode.TOO_LONG
    check_password(emoji(256), policy, context=[], blocklist=breached)


def test_pw05_common_password_with_digits_blocklisted(breached: BreachedPasswordList) -> None:
    assert rejection("password1234", PasswordPolicy(), breached) is RejectionCode.BLOCKLISTED


@pytest.mark.parametrize("password", ["Password1234", "P@ssw0rd2024!", "qwertyuiop12", "12345678"])
def test_pw05_common_variants_blocklisted(breached: BreachedPasswordList, password: str) -> None:
    assert rejection(password, MIN8, breached) is RejectionCode.BLOCKLISTED


@pytest.mark.parametrize(
    "password", ["alice2024!", "AliceSmith2024!", "my-acme-secret-9", "s3cret-billing-rocks"]
)
def test_pw05_user_info_rejected(breached: BreachedPasswordList, password: str) -> None:
    assert rejection(password, MIN8, breached, ALICE) is RejectionCode.CONTAINS_USER_INFO


def test_pw05_short_context_word_only_with_affixes(breached: BreachedPasswordList) -> None:
    assert rejection("bob2024!", MIN8, breached, ["bob@example.org"]) is (
        RejectionCode.CONTAINS_USER_INFO
    )
    check_password("bobcat-vorpal-quintet", MIN8, context=["bob@example.org"], blocklist=breached)


def test_pw05_random_password_accepted(breached: BreachedPasswordList) -> None:
    check_password("Vq7#zLm2-pXr9!eWk", PasswordPolicy(), context=ALICE, blocklist=breached)


def test_checks_can_be_switched_off_per_tenant(breached: BreachedPasswordList) -> None:
    policy = PasswordPolicy(min_length=8, blocklist=False, context_check=False)
    check_password("alice2024!", policy, context=ALICE)


def test_blocklist_policy_without_a_list_is_a_configuration_error() -> None:
    with pytest.raises(ValueError, match="blocklist"):
        check_password("Vq7#zLm2-pXr9!eWk", PasswordPolicy(), context=[])


def test_context_words_split_email_and_names() -> None:
    words = context_words(["Alice.Smith+promo@Acme-Corp.example", "Tenant One"])
    assert {"alice", "smith", "promo", "acme-corp", "acme", "corp", "tenant"} <= words
    assert "one" in words and "example" not in words  # the top-level label is not personal
    assert not any(len(w) < 3 for w in words)


async def test_password_history_rejects_reuse() -> None:
    seen: list[str] = []

    async def matches(password: str, stored: str) -> bool:
        seen.append(stored)
        return stored == f"hash:{password}"

    policy = PasswordPolicy(history_size=2)
    old = ["hash:other", "hash:caf\N{LATIN SMALL LETTER E WITH ACUTE}-secret-pw", "hash:x"]
    with pytest.raises(PasswordRejected) as info:
        await check_not_reused(unicodedata.normalize("NFD", old[1][5:]), old, policy, matches)
    assert info.value.code is RejectionCode.REUSED
    seen.clear()
    await check_not_reused("hash-x-is-third", ["a", "b", "hash:x"], policy, matches)
    assert seen == ["a", "b"]  # only the last history_size entries are compared
    await check_not_reused("anything", old, PasswordPolicy(), matches)
