"""A catalogue search asked again is answered from memory only while the catalogue view is still at
the position the answer was read at; any event applied since (or a rebuild going back) reads again."""

from __future__ import annotations

from datetime import date

from domain.search import SearchConditions, SearchPage, SearchSnapshot
from dsledger.runtime import Runtime
from projections.search_cache import SearchCache
from tests.projections.test_engine import CONTEXT, profile, record_history

EVERYTHING = SearchConditions()
IAAS = SearchConditions(page=SearchPage.IAAS)


def ask(runtime: Runtime, cache: SearchCache, conditions: SearchConditions = EVERYTHING,
        offset: int = 0) -> SearchSnapshot:
    with runtime.db.connect() as conn:
        return cache.search(conn, conditions, limit=20, offset=offset)


def catalogue_of_twelve(runtime: Runtime, cache: SearchCache) -> SearchCache:
    record_history(runtime, 12)
    runtime.projector.catch_up()
    return cache


def test_a_search_asked_again_is_answered_from_memory_while_the_catalogue_has_not_moved(
    runtime: Runtime,
) -> None:
    cache = catalogue_of_twelve(runtime, SearchCache(8))
    first = ask(runtime, cache)
    assert first.total > 0
    assert ask(runtime, cache) is first
    assert ask(runtime, cache, IAAS) is not first  # other conditions, another answer
    assert ask(runtime, cache, offset=20) is not first


def test_an_event_applied_since_makes_the_next_search_read_the_catalogue_again(
    runtime: Runtime,
) -> None:
    cache = catalogue_of_twelve(runtime, SearchCache(8))
    before = ask(runtime, cache)
    added = runtime.ledger.select_service(
        CONTEXT, notice_number="NEW-1", selection_date=date(2025, 1, 1),
        valid_until=date(2028, 1, 1), profile=profile(999))
    runtime.ledger.register_service(CONTEXT, added.aggregate_id)
    runtime.projector.catch_up()
    after = ask(runtime, cache)
    assert after.catalogue_position > before.catalogue_position
    assert after.total == before.total + 1
    assert str(added.aggregate_id) in {hit.service_id for hit in ask(
        runtime, cache, SearchConditions(keywords="서비스 999")).hits}


def test_a_rebuild_going_back_is_never_answered_with_what_was_read_further_on(
    runtime: Runtime,
) -> None:
    cache = catalogue_of_twelve(runtime, SearchCache(8))
    full = ask(runtime, cache)
    runtime.projector.empty()
    emptied = ask(runtime, cache)
    assert (emptied.total, emptied.catalogue_position) == (0, 0)
    runtime.projector.catch_up()
    # The answer read at the emptied view was not kept over the one read further on.
    again = ask(runtime, cache)
    assert again is full


def test_only_the_most_recently_asked_searches_are_kept(runtime: Runtime) -> None:
    cache = catalogue_of_twelve(runtime, SearchCache(2))
    first = ask(runtime, cache)
    ask(runtime, cache, IAAS)
    ask(runtime, cache, offset=20)
    assert ask(runtime, cache) is not first
    uncached = SearchCache(0)
    assert ask(runtime, uncached) is not ask(runtime, uncached)
