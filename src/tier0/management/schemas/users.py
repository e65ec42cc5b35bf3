"""Users (Auth0 user object, node-auth0 GetUserResponseContent)."""

from __future__ import annotations

from typing import Annotated, Final, Literal

from pydantic import Field

from tier0.management.schemas.common import (
    NO_CONTROL,
    Metadata,
    Name,
    ObjectId,
    Out,
    PageInfo,
    Strict,
)

DATABASE_CONNECTION: Final = "Username-Password-Authentication"
Email = Annotated[str, Field(min_length=3, max_length=320, pattern=NO_CONTROL)]
Password = Annotated[str, Field(min_length=1, max_length=1024)]
Username = Annotated[str, Field(min_length=1, max_length=128, pattern=NO_CONTROL)]


class UserCreate(Strict):
    """Create a user in the tenant's database connection."""

    connection: Literal["Username-Password-Authentication"] = DATABASE_CONNECTION
    email: Email
    password: Password | None = Field(default=None, repr=False)
    email_verified: bool = False
    username: Username | None = None
    name: Name | None = None
    given_name: Name | None = None
    family_name: Name | None = None
    nickname: Name | None = None
    blocked: bool = False
    user_metadata: Metadata = Field(default_factory=dict)
    app_metadata: Metadata = Field(default_factory=dict)


class UserUpdate(Strict):
    """Change a user. Metadata merges one level deep; a key set to null is removed.
    `blocked: true` blocks sign-in, `false` unblocks."""

    connection: Literal["Username-Password-Authentication"] | None = None
    email: Email | None = None
    password: Password | None = Field(default=None, repr=False)
    email_verified: bool | None = None
    username: Username | None = None
    name: Name | None = None
    given_name: Name | None = None
    family_name: Name | None = None
    nickname: Name | None = None
    blocked: bool | None = None
    user_metadata: Metadata | None = None
    app_metadata: Metadata | None = None


class Identity(Out):
    connection: str
    provider: str
    user_id: str
    isSocial: bool  # Auth0's member name


class UserOut(Out):
    user_id: str
    email: str
    email_verified: bool
    username: str | None
    name: str | None
    given_name: str | None
    family_name: str | None
    nickname: str | None
    picture: str | None
    blocked: bool
    user_metadata: dict[str, object]
    app_metadata: dict[str, object]
    identities: list[Identity]
    created_at: str | None
    updated_at: str | None
    last_login: str | None
    logins_count: int
    last_ip: str | None


class UsersPage(PageInfo):
    users: list[UserOut]


class UsersCheckpoint(Out):
    """Checkpoint pagination: pass `next` back as `from` until it is null."""

    users: list[UserOut]
    next: str | None


class RolesBody(Strict):
    roles: Annotated[
        list[ObjectId],
        Field(min_length=1, max_length=100),
    ]
