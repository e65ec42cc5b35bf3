"""OpenID Provider metadata (OIDC Discovery 1.0 §3, RFC 8414 §2; OA-03, OA-10).

OIDC Discovery §4.3: "The issuer value returned MUST be identical to the Issuer URL that
was used as the prefix to /.well-known/openid-configuration" (OA-10). Only what tier0 really
does is advertised: the code flow with PKCE S256 (RFC 9700 §2.1.1, OA-03), the iss
authorization response parameter (RFC 9207 §3), the query and form_post response modes,
and asymmetric algorithms only (JW-01).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tier0.jose.algorithms import CLIENT_ASSERTION_ALGS, RS256, SIGNING_ALGS
from tier0.protocol.checks.pkce import S256
from tier0.protocol.checks.response import CODE, ResponseMode
from tier0.protocol.checks.scope import OIDC_SCOPES
from tier0.protocol.client_authentication import ClientAuthMethod
from tier0.protocol.endpoints.urls import TenantUrls

__all__ = ["MFA_ACR", "discovery_document"]

_AUTH_METHODS = [method.value for method in ClientAuthMethod]
_CLAIMS = [
    "sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "acr", "amr", "sid", "at_hash",
    "name", "given_name", "family_name", "nickname", "picture", "updated_at",
    "email", "email_verified",
]  # fmt: skip
MFA_ACR = "http://schemas.openid.net/pape/policies/2007/06/multi-factor"
"""The multi-factor `acr` the login honours in `acr_values` (step-up, MF-04) and puts in
ID tokens; OIDC Discovery §3 `acr_values_supported` advertises it."""


def discovery_document(urls: TenantUrls, grant_types: Sequence[str]) -> dict[str, Any]:
    """The metadata document of one tenant."""
    auth_methods_with_jwt = [m for m in _AUTH_METHODS if m != ClientAuthMethod.NONE.value]
    return {
        "issuer": urls.issuer,
        "authorization_endpoint": urls.authorization,
        "token_endpoint": urls.token,
        "userinfo_endpoint": urls.userinfo,
        "jwks_uri": urls.jwks,
        "revocation_endpoint": urls.revocation,
        "introspection_endpoint": urls.introspection,
        "end_session_endpoint": urls.end_session,
        "scopes_supported": sorted(OIDC_SCOPES),
        "response_types_supported": [CODE],
        "response_modes_supported": [mode.value for mode in ResponseMode],
        "grant_types_supported": list(grant_types),
        "subject_types_supported": ["public"],
        # OIDC Discovery §3: "The algorithm RS256 MUST be included"; a client may register
        # another (``id_token_signed_response_alg``).
        "id_token_signing_alg_values_supported": [RS256, *sorted(SIGNING_ALGS - {RS256})],
        "code_challenge_methods_supported": [S256],
        "token_endpoint_auth_methods_supported": _AUTH_METHODS,
        "token_endpoint_auth_signing_alg_values_supported": sorted(CLIENT_ASSERTION_ALGS),
        "revocation_endpoint_auth_methods_supported": _AUTH_METHODS,
        "revocation_endpoint_auth_signing_alg_values_supported": sorted(CLIENT_ASSERTION_ALGS),
        "introspection_endpoint_auth_methods_supported": auth_methods_with_jwt,
        "introspection_endpoint_auth_signing_alg_values_supported": sorted(CLIENT_ASSERTION_ALGS),
        "access_token_signing_alg_values_supported": sorted(SIGNING_ALGS),
        "claims_supported": _CLAIMS,
        "acr_values_supported": [MFA_ACR],
        "claims_parameter_supported": False,
        "request_parameter_supported": False,
        "request_uri_parameter_supported": False,
        "authorization_response_iss_parameter_supported": True,
        "prompt_values_supported": ["none", "login", "consent", "select_account"],
    }
