"""The ``after`` and ``limit`` parameters every growing list takes, and a bad cursor as the 400
that names ``after`` (application.queries.paging decides what a cursor is)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, TypeVar

from litestar.exceptions import ValidationException
from litestar.params import Parameter

from application.queries.paging import MAX_CURSOR, InvalidCursor

T = TypeVar("T")

After = Annotated[str | None, Parameter(
    required=False, min_length=1, max_length=MAX_CURSOR,
    description="The cursor of the page before (its answer's next_after); omitted: the first "
                "page. Opaque: rows added since are never repeated or skipped.")]


def read_page(query: Callable[[], T]) -> T:
    """The query's answer; a cursor it refuses is the reader's mistake (400, field ``after``)."""
    try:
        return query()
    except InvalidCursor as error:
        raise ValidationException(
            detail=f"after: {error}",
            extra=[{"key": "after", "source": "query", "message": str(error)}]) from error
