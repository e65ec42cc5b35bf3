"""Roles."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from tier0.management.schemas.common import NO_CONTROL, Name, ObjectId, Out, PageInfo, Strict

Description = Annotated[str, Field(max_length=1024, pattern=NO_CONTROL)]


class RoleCreate(Strict):
    name: Name
    description: Description = ""


class RoleUpdate(Strict):
    name: Name | None = None
    description: Description | None = None


class RoleOut(Out):
    id: str
    name: str
    description: str


class RolesPage(PageInfo):
    roles: list[RoleOut]


class RoleUsersBody(Strict):
    users: Annotated[
        list[ObjectId],
        Field(min_length=1, max_length=100),
    ]


class RoleMember(Out):
    user_id: str
    email: str
    name: str | None
