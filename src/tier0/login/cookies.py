"""Cookie names and attributes of the universal login (SE-01).

RFC 6265bis §4.1.3.2: a cookie whose name starts with ``__Host-`` is only accepted if it
is set with ``Secure``, from a secure origin, with ``Path=/`` and without ``Domain``, so
no sibling host or path can overwrite it. ``Secure`` cookies are not stored over plain
HTTP, so in development over ``http://`` the prefix is dropped and so is ``Secure``
(``docs/login.md``); the scheme of ``public_url`` decides.

Each tenant gets its own cookie (the tenant name is a DNS label, so it is a valid cookie
name part): a browser may be signed in at several tenants of one tier0 at once, and a
session id of one tenant is worthless at another (keyed hashes are per tenant).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["CookiePolicy"]

_SESSION = "tier0_session"
_BINDING = "tier0_binding"


@dataclass(frozen=True, slots=True)
class CookiePolicy:
    """Names and flags of the login cookies, from the public URL's scheme."""

    secure: bool

    @classmethod
    def for_public_url(cls, public_url: str) -> CookiePolicy:
        return cls(secure=public_url.startswith("https://"))

    @property
    def prefix(self) -> str:
        return "__Host-" if self.secure else ""

    def session_name(self, tenant: str) -> str:
        """The SSO session cookie: HttpOnly, SameSite=Lax, Path=/ (SE-01)."""
        return f"{self.prefix}{_SESSION}_{tenant}"

    def binding_name(self, tenant: str) -> str:
        """The browser-binding cookie that CSRF tokens and interaction records are tied to.

        SameSite=Strict: it only has to come back on the same site's form posts.
        """
        return f"{self.prefix}{_BINDING}_{tenant}"
