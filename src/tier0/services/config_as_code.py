"""Declarative configuration (`tier0 apply FILE`): tenants, APIs, applications, client
grants and users described in YAML or JSON, brought about idempotently.

Objects are matched by their natural keys (tenant name, API identifier, application name,
user email), so a second apply of the same file changes nothing and says so. Secrets and
passwords in the file are stored hashed; when the file gives none, a client secret is
generated once, at creation, and reported in the result (the only time it is shown).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from tier0.audit.changes import ChangedBy
from tier0.domain import ApiScope, AppType, Tenant
from tier0.errors import InvalidInput, first_validation_error
from tier0.services.applications import ApplicationService, ApplicationSpec
from tier0.services.resource_servers import ApiSpec, ClientGrantService, ResourceServerService
from tier0.services.tenant_settings import TenantSettingsChange, TenantSettingsService
from tier0.services.tenants import TenantService
from tier0.services.users import UserService, UserSpec
from tier0.users.password_policy import normalize_password
from tier0.users.passwords import InvalidPassword, PasswordHasher

MAX_FILE_BYTES = 5 * 1024 * 1024


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ScopeDoc(_Strict):
    value: str
    description: str = ""


class ApiDoc(_Strict):
    name: str
    identifier: str
    scopes: list[ScopeDoc | str] = Field(default_factory=list)
    signing_alg: str = "RS256"
    token_lifetime: int = 600
    allow_offline_access: bool = False
    enforce_policies: bool = False
    token_dialect: str = "rfc9068_profile"  # noqa: S105 (a profile name)

    def spec(self) -> ApiSpec:
        scopes = tuple(
            ApiScope(s) if isinstance(s, str) else ApiScope(s.value, s.description)
            for s in self.scopes
        )
        return ApiSpec(
            name=self.name,
            identifier=self.identifier,
            scopes=scopes,
            signing_alg=self.signing_alg,
            token_lifetime=self.token_lifetime,
            allow_offline_access=self.allow_offline_access,
            enforce_policies=self.enforce_policies,
            token_dialect=self.token_dialect,
        )


class GrantDoc(_Strict):
    api: str
    scopes: list[str] = Field(default_factory=list)


class AppDoc(_Strict):
    name: str
    type: Literal["web", "spa", "native", "m2m", "regular_web", "non_interactive"]
    callbacks: list[str] = Field(default_factory=list)
    logout_urls: list[str] = Field(default_factory=list)
    web_origins: list[str] = Field(default_factory=list)
    grant_types: list[str] | None = None
    first_party: bool = True
    #: The ID tokens' JWS algorithm (``id_token_signed_response_alg``).
    id_token_alg: Literal["RS256", "ES256", "PS256", "EdDSA"] = "RS256"  # noqa: S105
    client_secret: str | None = Field(default=None, repr=False)
    grants: list[GrantDoc] = Field(default_factory=list)

    def spec(self) -> ApplicationSpec:
        return ApplicationSpec(
            name=self.name,
            app_type=AppType.parse(self.type),
            callbacks=tuple(self.callbacks),
            allowed_logout_urls=tuple(self.logout_urls),
            web_origins=tuple(self.web_origins),
            grant_types=tuple(self.grant_types) if self.grant_types is not None else None,
            is_first_party=self.first_party,
            id_token_signed_response_alg=self.id_token_alg,
        )


class UserDoc(_Strict):
    email: str
    password: str | None = Field(default=None, repr=False)
    verified: bool = False
    name: str | None = None
    blocked: bool = False


class TenantDoc(_Strict):
    name: str
    display_name: str | None = None
    signup: bool | None = None
    """Self-service sign-up on the universal login (left as it is when absent)."""
    require_verified_email: bool | None = None
    """Hold back sign-ins until the user's address is verified (as it is when absent)."""
    idle_session_lifetime: float | None = Field(None, gt=0, allow_inf_nan=False, strict=True)
    """Hours a sign-in session may go unused (Auth0's name and unit; SE-03)."""
    session_lifetime: float | None = Field(None, gt=0, allow_inf_nan=False, strict=True)
    """Hours after sign-in at which a session ends however active (SE-03)."""
    default_signing_alg: Literal["RS256", "ES256", "PS256", "EdDSA"] | None = None
    """Signs the tokens no API or application chose an algorithm for (JW-01)."""
    apis: list[ApiDoc] = Field(default_factory=list)
    applications: list[AppDoc] = Field(default_factory=list)
    users: list[UserDoc] = Field(default_factory=list)

    @field_validator("applications")
    @classmethod
    def _unique_apps(cls, apps: list[AppDoc]) -> list[AppDoc]:
        names = [a.name for a in apps]
        if len(names) != len(set(names)):
            raise ValueError("application names must be unique within a tenant")
        return apps


class ConfigDoc(_Strict):
    tenants: list[TenantDoc] = Field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Change:
    """One thing apply did. `secret` carries a generated client secret, shown once."""

    action: Literal["created", "updated"]
    kind: str
    name: str
    tenant: str
    secret: str | None = field(default=None, repr=False)
    client_id: str | None = None


def load_config(path: Path) -> ConfigDoc:
    """Read and validate a YAML or JSON file. Errors name the offending field."""
    if path.stat().st_size > MAX_FILE_BYTES:
        raise InvalidInput(f"{path}: larger than {MAX_FILE_BYTES} bytes")
    text = path.read_text(encoding="utf-8")
    try:
        raw: Any = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise InvalidInput(
            f"{path}: not valid {path.suffix.lstrip('.') or 'YAML'}: {exc}"
        ) from None
    try:
        return ConfigDoc.model_validate(raw or {})
    except ValidationError as exc:
        raise InvalidInput(f"{path}: {first_validation_error(exc.errors())}") from None


class ConfigApplier:
    """Brings the store in line with a :class:`ConfigDoc`."""

    def __init__(
        self,
        tenants: TenantService,
        settings: TenantSettingsService,
        apis: ResourceServerService,
        applications: ApplicationService,
        grants: ClientGrantService,
        users: UserService,
        hasher: PasswordHasher,
    ) -> None:
        self._tenants = tenants
        self._settings = settings
        self._apis = apis
        self._apps = applications
        self._grants = grants
        self._users = users
        self._hasher = hasher

    async def apply(self, doc: ConfigDoc, *, by: ChangedBy) -> list[Change]:
        """Make the changes, each audited as ``by`` in its own transaction."""
        changes: list[Change] = []
        for tenant_doc in doc.tenants:
            tenant, created = await self._tenants.ensure(tenant_doc.name, by=by)
            if created:
                changes.append(Change("created", "tenant", tenant.name, tenant.name))
            changes += await self._tenant_settings(tenant, tenant_doc, by)
            for api in tenant_doc.apis:
                changes += await self._api(tenant, api, by)
            for app in tenant_doc.applications:
                changes += await self._app(tenant, app, by)
            for user in tenant_doc.users:
                changes += await self._user(tenant, user, by)
        return changes

    async def _tenant_settings(self, tenant: Tenant, doc: TenantDoc, by: ChangedBy) -> list[Change]:
        updated = await self._settings.update(
            tenant,
            TenantSettingsChange(
                signup=doc.signup,
                require_verified_email=doc.require_verified_email,
                idle_session_lifetime=doc.idle_session_lifetime,
                session_lifetime=doc.session_lifetime,
                default_signing_alg=doc.default_signing_alg,
            ),
            by=by,
        )
        if updated is tenant:
            return []
        return [Change("updated", "tenant_settings", tenant.name, tenant.name)]

    async def _api(self, tenant: Tenant, doc: ApiDoc, by: ChangedBy) -> list[Change]:
        spec = doc.spec()
        current = await self._apis.find_by_identifier(tenant, spec.identifier)
        if current is None:
            await self._apis.create(tenant, spec, by=by)
            return [Change("created", "api", spec.identifier, tenant.name)]
        same = (
            current.name,
            current.scopes,
            current.signing_alg,
            current.token_lifetime,
            current.allow_offline_access,
            current.enforce_policies,
            current.token_dialect,
        ) == (
            spec.name,
            spec.scopes,
            spec.signing_alg,
            spec.token_lifetime,
            spec.allow_offline_access,
            spec.enforce_policies,
            spec.token_dialect,
        )
        if same:
            return []
        await self._apis.update(tenant, current.id, spec, by=by)
        return [Change("updated", "api", spec.identifier, tenant.name)]

    async def _app(self, tenant: Tenant, doc: AppDoc, by: ChangedBy) -> list[Change]:
        spec = doc.spec()
        changes: list[Change] = []
        current = await self._apps.find_by_name(tenant, spec.name)
        if current is None:
            created = await self._apps.create(tenant, spec, by=by, client_secret=doc.client_secret)
            current = created.application
            generated = created.client_secret if doc.client_secret is None else None
            changes.append(
                Change(
                    "created", "application", spec.name, tenant.name, generated, current.client_id
                )
            )
        else:
            wanted = (
                spec.callbacks,
                spec.allowed_logout_urls,
                spec.web_origins,
                spec.is_first_party,
                spec.id_token_signed_response_alg,
            )
            have = (
                current.callbacks,
                current.allowed_logout_urls,
                current.web_origins,
                current.is_first_party,
                current.id_token_signed_response_alg,
            )
            grants_differ = (
                spec.grant_types is not None and tuple(spec.grant_types) != current.grant_types
            )
            if wanted != have or grants_differ:
                current = await self._apps.update(tenant, current.client_id, spec, by=by)
                changes.append(
                    Change(
                        "updated", "application", spec.name, tenant.name, None, current.client_id
                    )
                )
            secret = doc.client_secret
            if secret is not None and not await self._apps.secret_matches(tenant, current, secret):
                await self._apps.set_secret(tenant, current.client_id, secret, by=by)
                changes.append(
                    Change(
                        "updated", "client_secret", spec.name, tenant.name, None, current.client_id
                    )
                )
        for grant in doc.grants:
            changes += await self._grant(tenant, current.client_id, spec.name, grant, by)
        return changes

    async def _grant(
        self, tenant: Tenant, client_id: str, app: str, doc: GrantDoc, by: ChangedBy
    ) -> list[Change]:
        label = f"{app} -> {doc.api}"
        existing = await self._grants.find(tenant, client_id, doc.api)
        if existing is None:
            await self._grants.create(tenant, client_id, doc.api, doc.scopes, by=by)
            return [Change("created", "client_grant", label, tenant.name)]
        if tuple(dict.fromkeys(doc.scopes)) == existing.scope:
            return []
        await self._grants.update_scope(tenant, existing.id, doc.scopes, by=by)
        return [Change("updated", "client_grant", label, tenant.name)]

    async def _user(self, tenant: Tenant, doc: UserDoc, by: ChangedBy) -> list[Change]:
        current = await self._users.find_by_email(tenant, doc.email)
        if current is None:
            await self._users.create(
                tenant,
                UserSpec(
                    email=doc.email,
                    password=doc.password,
                    email_verified=doc.verified,
                    name=doc.name,
                    blocked=doc.blocked,
                ),
                by=by,
            )
            return [Change("created", "user", doc.email, tenant.name)]
        changed = False
        if (current.email_verified, current.name, current.blocked) != (
            doc.verified,
            doc.name,
            doc.blocked,
        ):
            await self._users.update_profile(
                tenant,
                current.user_id,
                email_verified=doc.verified,
                name=doc.name,
                blocked=doc.blocked,
                by=by,
            )
            changed = True
        if doc.password is not None and not await self._password_matches(
            doc.password, current.password_hash
        ):
            await self._users.set_password(tenant, current.user_id, doc.password, by=by)
            changed = True
        return [Change("updated", "user", doc.email, tenant.name)] if changed else []

    async def _password_matches(self, password: str, stored: str | None) -> bool:
        if stored is None:
            return False
        try:
            # Hashes are made from the NFKC form (tier0.users.password_policy).
            await self._hasher.verify(normalize_password(password), stored)
        except InvalidPassword:
            return False
        return True
