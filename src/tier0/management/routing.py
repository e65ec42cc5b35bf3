"""What every management router repeats, written once: object-id path parameters, the
route declarations (status, response model, documented problem answers) for list, read,
create, update and delete, the paged list answer and the "found or 404" lookup.

A router declares an operation as ``@read(router, "/things/{thing_id}", ThingOut)`` and
names its scope with :func:`~tier0.management.auth.require`; the decorators only fix the
shape every operation of that kind has, so a new router cannot drift from the others.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from fastapi import APIRouter, Path
from starlette.responses import Response

from tier0.errors import NotFound
from tier0.management.pagination import PageParams, paged, window
from tier0.management.responses import documented

T = TypeVar("T")
Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]


def id_path(what: str, *, max_length: int = 64) -> Any:
    """A path parameter naming one object, bounded and described:
    ``ThingId = Annotated[str, id_path("thing's `id`")]``."""
    return Path(min_length=1, max_length=max_length, description=f"The {what}.")


def listing(router: APIRouter, path: str, model: Any, *errors: int) -> Decorator:
    """``GET`` a collection (no 404: an empty tenant has empty lists)."""
    return router.get(path, response_model=model, responses=documented(400, 401, 403, *errors))


def read(router: APIRouter, path: str, model: Any, *errors: int) -> Decorator:
    """``GET`` one object (404 when it is not in the caller's tenant)."""
    return router.get(path, response_model=model, responses=documented(400, 401, 403, 404, *errors))


def create(router: APIRouter, path: str, model: Any, *errors: int) -> Decorator:
    """``POST`` that makes an object: 201 with it."""
    return router.post(
        path, status_code=201, response_model=model, responses=documented(400, 401, 403, *errors)
    )


def action(router: APIRouter, method: str, path: str, model: Any, *errors: int) -> Decorator:
    """A write that answers 200 with ``model`` (``PATCH`` an object, ``POST`` a rotation);
    name 404 among ``errors`` when the path names an object."""
    return router.api_route(
        path, methods=[method], response_model=model, responses=documented(400, 401, 403, *errors)
    )


def empty(router: APIRouter, method: str, path: str, *errors: int, status: int = 204) -> Decorator:
    """A write on an object that answers with no body (204, or 201 for additions)."""
    return router.api_route(
        path,
        methods=[method],
        status_code=status,
        response_class=Response,
        responses=documented(400, 401, 403, 404, *errors),
    )


def delete(router: APIRouter, path: str, *errors: int) -> Decorator:
    """``DELETE``: 204 with no body."""
    return empty(router, "DELETE", path, *errors)


def page_of(
    name: str,
    items: Sequence[T],
    paging: PageParams,
    view: Callable[[T], dict[str, Any]],
) -> list[dict[str, Any]] | dict[str, Any]:
    """One page of a small in-memory collection, as Auth0 pages it."""
    return paged(name, [view(item) for item in window(items, paging)], len(items), paging)


def found(item: T | None, what: str) -> T:
    """``item``, or a 404 problem naming ``what`` (the same answer for another tenant's id
    as for an id that never existed: AC-02)."""
    if item is None:
        raise NotFound(f"no such {what}")
    return item


def first(items: Iterable[T], match: Callable[[T], bool], what: str) -> T:
    """The first of ``items`` that ``match``es, or a 404 problem."""
    return found(next((item for item in items if match(item)), None), what)
