"""Applications (OAuth clients), shaped after Auth0's client object."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class AppType(StrEnum):
    """Auth0's `app_type` values."""

    SPA = "spa"
    NATIVE = "native"
    REGULAR_WEB = "regular_web"
    NON_INTERACTIVE = "non_interactive"

    @classmethod
    def parse(cls, text: str) -> AppType:
        """Accept Auth0's names and the short CLI names `web` and `m2m`."""
        aliases = {"web": cls.REGULAR_WEB, "m2m": cls.NON_INTERACTIVE}
        if text in aliases:
            return aliases[text]
        return cls(text)

    @property
    def is_public(self) -> bool:
        """Public clients cannot keep a secret (RFC 6749 §2.1): browsers and native apps."""
        return self in (AppType.SPA, AppType.NATIVE)


class AuthMethod(StrEnum):
    """Token endpoint client authentication methods (RFC 7591 §2 names)."""

    NONE = "none"
    CLIENT_SECRET_BASIC = "client_secret_basic"  # noqa: S105 (a method name, not a secret)
    CLIENT_SECRET_POST = "client_secret_post"  # noqa: S105 (a method name, not a secret)
    PRIVATE_KEY_JWT = "private_key_jwt"


def default_grant_types(app_type: AppType) -> tuple[str, ...]:
    """Grant types an application gets unless told otherwise (never implicit or password)."""
    if app_type is AppType.NON_INTERACTIVE:
        return ("client_credentials",)
    if app_type is AppType.REGULAR_WEB:
        return ("authorization_code", "refresh_token", "client_credentials")
    return ("authorization_code", "refresh_token")


@dataclass(frozen=True, slots=True)
class Application:
    """A registered client. Confidential clients hold a keyed hash of their secret only."""

    tenant_id: str
    client_id: str
    name: str
    app_type: AppType
    token_endpoint_auth_method: AuthMethod
    grant_types: tuple[str, ...]
    callbacks: tuple[str, ...] = ()
    allowed_logout_urls: tuple[str, ...] = ()
    web_origins: tuple[str, ...] = ()
    is_first_party: bool = True
    client_secret_hash: str | None = field(default=None, repr=False)
    jwks: dict[str, Any] | None = None
    #: The JWS algorithm of this client's ID tokens (OIDC Dynamic Client Registration §2
    #: ``id_token_signed_response_alg``); RS256 unless the client asked for another.
    id_token_signed_response_alg: str = "RS256"  # noqa: S105 - an algorithm, not a secret
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @property
    def is_public(self) -> bool:
        return self.token_endpoint_auth_method is AuthMethod.NONE
