"""Verifying the client a request presented (RFC 6749 §2.3, RFC 7523, OIDC Core §9).

``protocol/client_authentication.py`` only reads the credentials; this package checks them
against the registered application.
"""

from tier0.protocol.client_auth.authenticate import ClientAuthenticator, SecretChecker
from tier0.protocol.client_auth.throttle import ClientThrottled, SecretGuessGuard

__all__ = ["ClientAuthenticator", "ClientThrottled", "SecretChecker", "SecretGuessGuard"]
