"""Rendering the universal login's pages with Jinja2 (IV-03).

Autoescaping is on for every template, undefined variables are errors, and no template
contains inline script or style (the CSP in :mod:`tier0.login.headers` forbids both).
Everything reflected from a request or a client's registration (client name,
``login_hint``, ``error_description``) is escaped by the engine, never marked safe.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

__all__ = ["Pages"]


class Pages:
    """The page renderer; one per container (the Jinja environment caches templates)."""

    def __init__(self) -> None:
        self._env = Environment(
            loader=PackageLoader("tier0.login", "templates"),
            autoescape=select_autoescape(default=True, default_for_string=True),
            undefined=StrictUndefined,
            auto_reload=False,
        )

    def render(self, template: str, **context: Any) -> str:
        return self._env.get_template(template).render(**context)

    def login(
        self,
        *,
        tenant_name: str,
        client_name: str,
        action: str,
        csrf_token: str,
        interaction: str | None = None,
        return_to: str | None = None,
        email: str = "",
        error: str | None = None,
        passkey: object | None = None,
        passkey_action: str = "",
        passkey_csrf: str = "",
        reset_url: str | None = None,
        signup_url: str | None = None,
    ) -> str:
        return self.render(
            "login.html",
            passkey=passkey,
            passkey_action=passkey_action,
            passkey_csrf=passkey_csrf,
            reset_url=reset_url,
            signup_url=signup_url,
            tenant_name=tenant_name,
            client_name=client_name,
            action=action,
            csrf_token=csrf_token,
            interaction=interaction,
            return_to=return_to,
            email=email,
            error=error,
        )

    def error(
        self,
        *,
        tenant_name: str,
        message: str,
        error_code: str | None = None,
        description: str | None = None,
    ) -> str:
        return self.render(
            "error.html",
            tenant_name=tenant_name,
            message=message,
            error_code=error_code,
            description=description,
        )

    def form_post(
        self, *, tenant_name: str, redirect_uri: str, fields: Sequence[tuple[str, str]]
    ) -> str:
        return self.render(
            "form_post.html", tenant_name=tenant_name, redirect_uri=redirect_uri, fields=fields
        )

    def logout(
        self,
        *,
        tenant_name: str,
        action: str,
        csrf_token: str,
        client_name: str | None,
        fields: Sequence[tuple[str, str]],
    ) -> str:
        return self.render(
            "logout.html",
            tenant_name=tenant_name,
            action=action,
            csrf_token=csrf_token,
            client_name=client_name,
            fields=fields,
        )

    def consent(
        self,
        *,
        tenant_name: str,
        client_name: str,
        action: str,
        csrf_token: str,
        interaction: str,
        scopes: Sequence[str],
        audience: str | None,
    ) -> str:
        return self.render(
            "consent.html",
            tenant_name=tenant_name,
            client_name=client_name,
            action=action,
            csrf_token=csrf_token,
            interaction=interaction,
            scopes=scopes,
            audience=audience,
        )

    def second_factor(
        self,
        *,
        tenant_name: str,
        client_name: str,
        action: str,
        csrf_token: str,
        pending: str,
        interaction: str | None,
        return_to: str | None,
        error: str | None,
        enrollment: object | None = None,
        factor_id: str | None = None,
        passkey: object | None = None,
        email_otp: bool = False,
        email_sent: bool = False,
    ) -> str:
        return self.render(
            "mfa.html",
            passkey=passkey,
            email_otp=email_otp,
            email_sent=email_sent,
            enrollment=enrollment,
            factor_id=factor_id,
            tenant_name=tenant_name,
            client_name=client_name,
            action=action,
            csrf_token=csrf_token,
            pending=pending,
            interaction=interaction,
            return_to=return_to,
            error=error,
        )

    def logged_out(self, *, tenant_name: str) -> str:
        return self.render("logged_out.html", tenant_name=tenant_name)

    def signed_in(self, *, tenant_name: str) -> str:
        return self.render("signed_in.html", tenant_name=tenant_name)
