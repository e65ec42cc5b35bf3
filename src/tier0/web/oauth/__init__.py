"""HTTP routes of the token side: token, revocation, introspection, userinfo, discovery."""

from tier0.web.oauth.routes import TOKEN_PATH, router, token

__all__ = ["TOKEN_PATH", "router", "token"]
