"""Keyset paging: a page is the rows sorted after the last one the reader saw, never an offset.

A cursor is the last row's sort key, as base64url of a small JSON list. It is opaque to readers
and validated strictly, since it comes back from them: anything but the exact shape a query wrote
is refused (``InvalidCursor``), never guessed at.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Generic, TypeVar
from uuid import UUID

T = TypeVar("T")

MAX_CURSOR = 400
"""A cursor is a few dozen characters; a longer one is not one of ours."""
_BASE64URL = re.compile(r"^[A-Za-z0-9_-]+$")


class InvalidCursor(ValueError):
    """An ``after`` value that no page of this list could have written."""


@dataclass(frozen=True)
class Page(Generic[T]):
    """A page of a list. ``next_after`` is the cursor of the page after it (None: the last page);
    ``total`` counts the whole scoped, filtered list, exactly when ``total_exact``."""

    items: list[T]
    next_after: str | None
    total: int
    total_exact: bool = True


def encode(key: Sequence[str | int]) -> str:
    text = json.dumps(list(key), separators=(",", ":"), ensure_ascii=False)
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode(cursor: str, *parts: Callable[[Any], Any]) -> tuple[Any, ...]:
    """The sort key a cursor carries, each part converted by its parser (which raises ValueError
    or TypeError on a wrong value); any flaw is an ``InvalidCursor``."""
    if not cursor or len(cursor) > MAX_CURSOR or not _BASE64URL.match(cursor):
        raise InvalidCursor("not a cursor this list wrote")
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        key = json.loads(raw.decode())
        if not isinstance(key, list) or len(key) != len(parts):
            raise InvalidCursor("not a cursor this list wrote")
        return tuple(parse(value) for parse, value in zip(parts, key, strict=True))
    except (binascii.Error, UnicodeDecodeError, ValueError, TypeError) as error:
        raise InvalidCursor("not a cursor this list wrote") from error


def text(limit: int = 64) -> Callable[[Any], str]:
    def parse(value: Any) -> str:
        if not isinstance(value, str) or not 0 < len(value) <= limit:
            raise ValueError("a key part out of shape")
        return value
    return parse


def uuid_text(value: Any) -> str:
    """A row's id as the views keep it: a UUID in its canonical text."""
    if not isinstance(value, str) or str(UUID(value)) != value:
        raise ValueError("not an id")
    return value


def moment(value: Any) -> datetime:
    if not isinstance(value, str):
        raise TypeError("a moment is written as text")
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:  # every moment a cursor carries was written with its offset
        raise ValueError("a moment without its offset")
    return parsed


def day(value: Any) -> date:
    if not isinstance(value, str) or len(value) != 10:
        raise ValueError("a day is written YYYY-MM-DD")
    return date.fromisoformat(value)


def integer(value: Any) -> int:
    if type(value) is not int:
        raise TypeError("not an integer")
    return value


def paged(rows: Sequence[T], limit: int, key: Callable[[T], Sequence[str | int]],
          total: int) -> Page[T]:
    """The page from ``limit + 1`` fetched rows: the extra row only says there is a next page."""
    shown = list(rows[:limit])
    next_after = encode(key(shown[-1])) if len(rows) > limit and shown else None
    return Page(items=shown, next_after=next_after, total=total)
