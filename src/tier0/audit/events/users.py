"""Rows of :data:`~tier0.audit.events.EVENT_TABLE`: sign-in, sign-up, silent authentication,
verification, reset, account changes and MFA."""

from __future__ import annotations

from tier0.audit.events.vocabulary import Category, EventInfo, EventType

_E = EventType
_C = Category


ROWS: dict[EventType, EventInfo] = {
    # sign-in, sign-up, silent authentication
    _E.USER_LOGIN_SUCCEEDED: EventInfo("A user signed in.", _C.LOGIN_SUCCESS, "s"),
    _E.USER_LOGIN_FAILED: EventInfo(
        "A sign-in failed for another reason than password or identifier (details.reason: "
        "blocked, unverified, ...).",
        _C.LOGIN_FAIL,
        "f",
        failure=True,
    ),
    _E.USER_LOGIN_PASSWORD_INCORRECT: EventInfo(
        "A sign-in failed: wrong password for an existing user.", _C.LOGIN_FAIL, "fp", True
    ),
    _E.USER_LOGIN_USER_UNKNOWN: EventInfo(
        "A sign-in failed: no such user (identifier kept only as a keyed hash).",
        _C.LOGIN_FAIL,
        "fu",
        True,
    ),
    _E.USER_LOGIN_BREACHED_PASSWORD: EventInfo(
        "A sign-in used a password found in a breach list.", _C.USER_NOTIFICATION, "pwd_leak"
    ),
    _E.USER_LOGIN_RATE_LIMITED: EventInfo(
        "Too many sign-ins for one account; further attempts are refused for a while.",
        _C.USER_NOTIFICATION,
        "limit_sul",
        True,
    ),
    _E.USER_SIGNUP_SUCCEEDED: EventInfo("A user signed up.", _C.SIGNUP_SUCCESS, "ss"),
    _E.USER_SIGNUP_FAILED: EventInfo("A sign-up failed.", _C.SIGNUP_FAIL, "fs", True),
    _E.USER_SIGNUP_BREACHED_PASSWORD: EventInfo(
        "A sign-up was refused: breached password.", _C.SIGNUP_FAIL, "signup_pwd_leak", True
    ),
    _E.USER_SILENT_AUTH_SUCCEEDED: EventInfo(
        "A prompt=none authorization reused an existing session.", _C.SILENT_AUTH_SUCCESS, "ssa"
    ),
    _E.USER_SILENT_AUTH_FAILED: EventInfo(
        "A prompt=none authorization needed interaction.", _C.SILENT_AUTH_FAIL, "fsa", True
    ),
    # verification, reset, account changes
    _E.USER_EMAIL_VERIFICATION_SENT: EventInfo(
        "A verification link was issued; its email is sent after the commit.",
        _C.USER_SUCCESS,
        "svr",
    ),
    _E.USER_EMAIL_VERIFIED: EventInfo("A user verified an email address.", _C.USER_SUCCESS, "sv"),
    _E.USER_EMAIL_VERIFICATION_FAILED: EventInfo(
        "An email verification link was invalid or expired.", _C.USER_FAIL, "fv", True
    ),
    _E.USER_EMAIL_CHANGED: EventInfo("A user's email address changed.", _C.USER_SUCCESS, "sce"),
    _E.USER_EMAIL_CHANGE_FAILED: EventInfo("An email change failed.", _C.USER_FAIL, "fce", True),
    _E.USER_PASSWORD_RESET_REQUESTED: EventInfo(
        "A password reset was requested (a link issued if the account exists).",
        _C.USER_SUCCESS,
        "scpr",
    ),
    _E.USER_PASSWORD_RESET_REQUEST_FAILED: EventInfo(
        "A password reset request failed.", _C.USER_FAIL, "fcpr", True
    ),
    _E.USER_PASSWORD_RESET_BREACHED_PASSWORD: EventInfo(
        "A password reset was refused: breached password.", _C.USER_FAIL, "reset_pwd_leak", True
    ),
    _E.USER_PASSWORD_CHANGED: EventInfo(
        "A user's password changed (reset or change).", _C.USER_SUCCESS, "scp"
    ),
    _E.USER_PASSWORD_CHANGE_FAILED: EventInfo(
        "A password change or reset failed (bad link, policy).", _C.USER_FAIL, "fcp", True
    ),
    # MFA
    _E.MFA_REQUIRED: EventInfo(
        "A sign-in (or a step-up) needs a second factor.", _C.LOGIN_NOTIFICATION, "mfar"
    ),
    _E.MFA_CHALLENGE_SUCCEEDED: EventInfo(
        "A second factor (TOTP, passkey, email code) was accepted.",
        _C.ANCILLARY_SUCCESS,
        "gd_auth_succeed",
    ),
    _E.MFA_CHALLENGE_FAILED: EventInfo(
        "A second factor was refused (wrong, reused or expired code; bad passkey assertion).",
        _C.ANCILLARY_FAIL,
        "gd_auth_failed",
        True,
    ),
    _E.MFA_ENROLLMENT_COMPLETED: EventInfo(
        "A user enrolled a factor (authenticator app or passkey).",
        _C.ANCILLARY_SUCCESS,
        "gd_enrollment_complete",
    ),
    _E.MFA_FACTOR_REMOVED: EventInfo(
        "A factor was removed from a user.", _C.ANCILLARY_SUCCESS, "gd_unenroll"
    ),
    _E.MFA_RECOVERY_SUCCEEDED: EventInfo(
        "A recovery code was accepted (and used up).", _C.ANCILLARY_SUCCESS, "gd_recovery_succeed"
    ),
    _E.MFA_RECOVERY_FAILED: EventInfo(
        "A recovery code was refused.", _C.ANCILLARY_FAIL, "gd_recovery_failed", True
    ),
    _E.MFA_RATE_LIMIT_EXCEEDED: EventInfo(
        "Too many second-factor attempts.", _C.ANCILLARY_FAIL, "gd_otp_rate_limit_exceed", True
    ),
    _E.MFA_PASSKEY_SIGN_COUNT_REGRESSED: EventInfo(
        "A passkey's signature counter did not move forward: a possibly cloned "
        "authenticator; the sign-in was refused (MF-03).",
        _C.ANCILLARY_FAIL,
        None,
        True,
    ),
}
