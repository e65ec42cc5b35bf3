"""Auth0's list pagination: ``page`` (0-based), ``per_page`` and ``include_totals``.

Without ``include_totals`` a list is a bare JSON array; with it, an object with ``start``,
``limit``, ``length``, ``total`` and the items under the resource's name.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from fastapi import Query

T = TypeVar("T")

MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 50
MAX_PAGE = 1000


@dataclass(frozen=True, slots=True)
class PageParams:
    page: int
    per_page: int
    include_totals: bool

    @property
    def offset(self) -> int:
        return self.page * self.per_page


def page_params(
    page: int = Query(0, ge=0, le=MAX_PAGE, description="Page index, from 0."),
    per_page: int = Query(DEFAULT_PER_PAGE, ge=1, le=MAX_PER_PAGE, description="Items per page."),
    include_totals: bool = Query(False, description="Wrap the list with paging totals."),
) -> PageParams:
    return PageParams(page, per_page, include_totals)


def window(items: Sequence[T], params: PageParams) -> list[T]:
    """One page of an in-memory list (small collections: apps, APIs, grants, roles)."""
    return list(items[params.offset : params.offset + params.per_page])


def paged(
    name: str, items: Sequence[dict[str, Any]], total: int, params: PageParams
) -> list[dict[str, Any]] | dict[str, Any]:
    if not params.include_totals:
        return list(items)
    return {
        "start": params.offset,
        "limit": params.per_page,
        "length": len(items),
        "total": total,
        name: list(items),
    }
