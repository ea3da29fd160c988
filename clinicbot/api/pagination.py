"""Limit/offset pagination whose pages link to the next and previous ones."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Schema
from ninja.pagination import PaginationBase

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


class Mapped:
    """A queryset whose sliced rows are converted on the way out (count and slices stay in SQL)."""

    def __init__(self, queryset: QuerySet[Any], convert: Callable[[Any], dict[str, Any]]) -> None:
        self.queryset = queryset
        self.convert = convert

    def all(self) -> Mapped:
        return self

    def count(self) -> int:
        return self.queryset.count()

    def __getitem__(self, window: slice) -> list[dict[str, Any]]:
        return [self.convert(row) for row in self.queryset[window]]


def _link(request: HttpRequest, limit: int, offset: int) -> str:
    query = request.GET.copy()
    query["limit"], query["offset"] = str(limit), str(offset)
    return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")


def page_of(
    request: HttpRequest, items: Sequence[Any] | Mapped, *, limit: int, offset: int
) -> dict[str, Any]:
    """One page of ``items`` with ``count`` and absolute ``next``/``previous`` links (None at the ends)."""
    count = items.count() if isinstance(items, Mapped) else len(items)
    results = items[offset : offset + limit]
    return {
        "count": count,
        "next": _link(request, limit, offset + limit) if offset + limit < count else None,
        "previous": _link(request, limit, max(0, offset - limit)) if offset > 0 else None,
        "results": results,
    }


class PageParams(Schema):
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="itens por página")
    offset: int = Field(0, ge=0, le=1_000_000, description="quantos itens pular")


class LinkedLimitOffset(PaginationBase):
    """``?limit=&offset=`` in, ``{count, next, previous, results}`` out."""

    # django-ninja declares Input as a nested class; it only needs a Schema class here, and
    # PageParams is the same schema the non-paginated lists take as their query.
    Input = PageParams  # type: ignore[assignment]
    items_attribute = "results"

    class Output(Schema):
        count: int
        next: str | None
        previous: str | None
        results: list[Any]

    def paginate_queryset(
        self, queryset: Any, pagination: PageParams, request: HttpRequest, **params: Any
    ) -> Any:
        return page_of(request, queryset, limit=pagination.limit, offset=pagination.offset)
