"""What the universal-login flow asks the web layer to show (framework-free results)."""

from __future__ import annotations

from dataclasses import dataclass, field

from tier0.login.sessions import StartedSession
from tier0.mfa.passkeys import Ceremony
from tier0.mfa.service import TotpEnrollment
from tier0.protocol.errors import OAuthError
from tier0.protocol.responses import AuthorizationResponse

__all__ = [
    "TOO_MANY",
    "WRONG",
    "WRONG_CODE",
    "WRONG_CREDENTIALS",
    "ConsentPage",
    "Deliver",
    "ErrorPage",
    "FlowResult",
    "RecoveryCodesPage",
    "Refused",
    "SecondFactorPage",
    "SignInPage",
]

#: BF-03: one text for an unknown email, a wrong password and a blocked account.
WRONG_CREDENTIALS = "Wrong email or password."


@dataclass(frozen=True, slots=True)
class ErrorPage:
    """Show an error page; never redirect (bad client or redirect URI: OA-02)."""

    error: OAuthError


@dataclass(frozen=True, slots=True)
class SignInPage:
    """Show the sign-in form for a pending authorization."""

    client_name: str
    interaction: str = field(repr=False)
    redirect_uri: str
    email: str = ""
    error: str | None = None
    status: int = 200
    #: Seconds to wait (``Retry-After``) when ``status`` is 429.
    retry_after: int = 0


@dataclass(frozen=True, slots=True)
class ConsentPage:
    """Ask the signed-in user to approve a third-party client's access (OA-11)."""

    client_name: str
    interaction: str = field(repr=False)
    redirect_uri: str
    scope: tuple[str, ...]
    audience: str | None
    new_session: StartedSession | None = None


@dataclass(frozen=True, slots=True)
class Deliver:
    """Send an authorization response (303 or form_post); maybe set a new session."""

    response: AuthorizationResponse
    new_session: StartedSession | None = None


@dataclass(frozen=True, slots=True)
class SecondFactorPage:
    """Ask for a one-time or recovery code: the password was right, the sign-in is not
    done (MF-04). ``interaction`` is None for a sign-in no application asked for."""

    client_name: str
    pending: str = field(repr=False)
    redirect_uri: str | None = None
    interaction: str | None = field(default=None, repr=False)
    return_to: str | None = None
    error: str | None = None
    status: int = 200
    #: Enrollment required by the tenant (QR code and seed, shown once) ...
    enrollment: TotpEnrollment | None = field(default=None, repr=False)
    #: ... and the factor the code confirms, while enrolling.
    factor_id: str | None = None
    #: A WebAuthn ceremony when the user has a passkey (or may enroll one).
    passkey: Ceremony | None = field(default=None, repr=False)
    #: The tenant offers the email one-time code; ``email_sent``: one is on its way.
    email_otp: bool = False
    email_sent: bool = False
    #: Seconds to wait (``Retry-After``) when ``status`` is 429.
    retry_after: int = 0


@dataclass(frozen=True, slots=True)
class RecoveryCodesPage:
    """The recovery codes of a factor just enrolled at sign-in (shown once), with the
    new session; ``interaction`` is the authorization to continue with, if any."""

    client_name: str
    codes: tuple[str, ...] = field(repr=False)
    new_session: StartedSession
    interaction: str | None = field(default=None, repr=False)
    redirect_uri: str | None = None


FlowResult = ErrorPage | SignInPage | ConsentPage | Deliver | SecondFactorPage | RecoveryCodesPage


@dataclass(frozen=True, slots=True)
class Refused:
    """A sign-in that did not succeed: the text to show, the status to answer with and,
    for a 429, how long to wait (``Retry-After``)."""

    message: str
    status: int = 400
    retry_after: int = 0


#: BF-03: one answer for an unknown email, a wrong password and a blocked account.
WRONG = Refused(WRONG_CREDENTIALS, 400)
#: MF-01: one text for a wrong, reused or expired one-time or recovery code.
WRONG_CODE = Refused("That code is not valid. Try the next one from your app.", 400)
#: BF-01/02: refused before any password check (Auth0 ``too_many_attempts``, 429).
TOO_MANY = Refused("Too many attempts. Please wait a while and try again.", 429)
#: The tenant requires a verified address (``email_verification.required``); only someone
#: who knew the password sees this, so it reveals nothing to a guesser.
UNVERIFIED = Refused(
    "Please verify your email address first: open the link we sent you, or ask for a new one.",
    403,
)
