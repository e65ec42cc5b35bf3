"""HTTP routes of the token side: token, revocation, introspection, userinfo, discovery."""

from tier0.web.oauth.routes import router

__all__ = ["router"]
