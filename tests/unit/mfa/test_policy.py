"""Parsing ``tenant.settings["mfa"]`` and the `amr` a sign-in ends with (issue 10, MF-04)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tier0.domain import Tenant
from tier0.login.second_factor import amr_after
from tier0.mfa.assembly import relying_party
from tier0.mfa.policy import MfaPolicy, UserVerification, mfa_options


def _tenant(mfa: Any) -> Tenant:
    return Tenant("t1", "acme", "Acme", datetime.now(UTC), settings={"mfa": mfa})


def test_defaults_are_optional_with_fallbacks_off() -> None:
    options = mfa_options(_tenant({}))
    assert options.policy is MfaPolicy.OPTIONAL
    assert options.user_verification is UserVerification.PREFERRED
    assert not options.passwordless and not options.email_otp
    assert options.policy_for("any-client") is MfaPolicy.OPTIONAL


def test_mf04_application_override_raises_the_policy_never_lowers_it() -> None:
    options = mfa_options(_tenant({"policy": "never", "required_clients": ["app1"]}))
    assert options.policy_for("app1") is MfaPolicy.REQUIRED
    assert options.policy_for("app2") is MfaPolicy.NEVER
    assert options.policy_for(None) is MfaPolicy.NEVER


def test_unknown_values_fail_closed() -> None:
    options = mfa_options(
        _tenant({"policy": "sometimes", "passkeys": {"user_verification": "maybe",
                                                     "passwordless": "yes"},
                 "email_otp": 1, "required_clients": "app1"})
    )  # fmt: skip
    assert options.policy is MfaPolicy.REQUIRED
    assert options.user_verification is UserVerification.REQUIRED
    assert not options.passwordless and not options.email_otp  # only a real `true` enables
    assert options.required_clients == frozenset()


def test_mf04_amr_says_what_each_step_proved() -> None:
    assert amr_after("otp") == ("pwd", "otp", "mfa")
    assert amr_after("mfa") == ("pwd", "mfa")
    assert amr_after("hwk") == ("pwd", "hwk", "mfa")
    assert amr_after("otp", ("pwd",)) == ("pwd", "otp", "mfa")  # a step-up of a pwd session
    assert amr_after("swk", ("pwd", "otp", "mfa")) == ("pwd", "otp", "swk", "mfa")


def test_mf03_relying_party_is_the_public_url_host() -> None:
    rp = relying_party("https://login.example.com:8443")
    assert rp.rp_id == "login.example.com" and rp.origin == "https://login.example.com:8443"
