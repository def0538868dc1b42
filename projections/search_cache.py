"""Catalogue search answers kept in memory, each for the catalogue view's position it was read at.

The same public pages are searched again and again (an annex page, its common filters, the first
page of results), while the catalogue changes only when the ledger records something. The view's
position says exactly which catalogue a search saw: every event up to it applied, none after (rows
and position commit together). So an answer read at position P is the answer at any later moment
the view is still at P. A cached search reads the position alone (one primary-key row) and answers
from memory if nothing was applied since; otherwise it searches and keeps the new answer. Nothing
is ever served for a position other than the one it was read at.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from sqlalchemy import Connection

from domain.search import SearchConditions, SearchSnapshot, validate_conditions
from projections.catalogue_search import CATALOGUE_POSITION, search_catalogue

Key = tuple[SearchConditions, int | None, int]


class SearchCache:
    """The latest answer of the ``size`` searches (conditions, limit, offset) asked most recently;
    ``size`` 0 keeps none and searches every time."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._answers: OrderedDict[Key, SearchSnapshot] = OrderedDict()
        self._lock = threading.Lock()

    def search(self, conn: Connection, conditions: SearchConditions, *, limit: int | None = 20,
               offset: int = 0) -> SearchSnapshot:
        """``search_catalogue``'s answer, from memory when the view has not moved since."""
        if self.size <= 0:
            return search_catalogue(conn, conditions, limit=limit, offset=offset)
        validate_conditions(conditions)  # a refusal is never cached, nor hidden by a hit
        key = (conditions, limit, offset)
        position = int(conn.execute(CATALOGUE_POSITION).scalar_one_or_none() or 0)
        with self._lock:
            kept = self._answers.get(key)
            if kept is not None and kept.catalogue_position == position:
                self._answers.move_to_end(key)
                return kept
        answer = search_catalogue(conn, conditions, limit=limit, offset=offset)
        with self._lock:
            kept = self._answers.get(key)
            # Two threads may search at once: the answer read at the later position stays.
            if kept is None or kept.catalogue_position <= answer.catalogue_position:
                self._answers[key] = answer
                self._answers.move_to_end(key)
            while len(self._answers) > self.size:
                self._answers.popitem(last=False)
        return answer
