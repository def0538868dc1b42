"""The ledger's repository: aggregates kept in memory between commands.

Two ways in:

- ``get`` (reads, and the aggregates a command only consults): the cached aggregate is brought up
  to date from the log first and handed out as a private copy. The library's own cache
  fast-forwards under the aggregate's lock but copies after releasing it, so a second thread
  fast-forwarding the same aggregate could be half way through an event while the first copies it;
  here both happen under the same lock.
- ``changing`` (the aggregate a command changes and saves): the cached aggregate itself, held under
  its lock until the command is saved, with no copy and, when asked, without reading the log first.
  That is safe because the log decides: the event a stale aggregate would record takes a version
  somebody else already took, the insert fails on the (originator_id, originator_version) key, and
  the command is decided again on an aggregate read from the log (see ``Ledger._change``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from copy import deepcopy
from threading import RLock
from typing import Any, cast
from uuid import UUID

from eventsourcing.application import (
    AggregateNotFoundError,
    ProjectorFunction,
    Repository,
    project_aggregate,
)


class Held:
    """The aggregate a command holds, and whether it was checked against the log when loaded."""

    __slots__ = ("aggregate", "checked")

    def __init__(self, aggregate: Any, *, checked: bool) -> None:
        self.aggregate = aggregate
        self.checked = checked


class CopyingRepository(Repository[UUID]):
    """Every ``get`` of the latest version reads the events recorded after the cached version (by
    any process: the log, not the cache, is the truth) and returns a deep copy, so a caller that
    changes it never changes the cache; ``changing`` lends the cached aggregate itself."""

    def get(
        self,
        aggregate_id: UUID,
        *,
        version: int | None = None,
        projector_func: ProjectorFunction[Any, Any] = project_aggregate,
        fastforward_skipping: bool = False,
        deepcopy_from_cache: bool = True,
    ) -> Any:
        if self.cache is None or version is not None:
            return super().get(aggregate_id, version=version, projector_func=projector_func)
        with self._locked(aggregate_id):
            aggregate, _ = self._current(aggregate_id, projector_func, trust_cache=False)
            return deepcopy(aggregate)

    @contextmanager
    def changing(self, aggregate_id: UUID, projector_func: ProjectorFunction[Any, Any], *,
                 trust_cache: bool) -> Iterator[Held]:
        """The aggregate to change and save inside the block. It is the cached object itself: no
        other thread of this process gets it until the block ends, and if the block raises (a rule
        refused half way, the insert conflicted) it leaves the cache, since its state may then be
        one the log never had. ``trust_cache`` skips reading the log when the aggregate is cached.
        """
        if self.cache is None:
            aggregate = self._reconstruct_aggregate(aggregate_id, None, projector_func)
            yield Held(aggregate, checked=True)
            return
        with self._locked(aggregate_id):
            aggregate, checked = self._current(aggregate_id, projector_func,
                                               trust_cache=trust_cache)
            try:
                yield Held(aggregate, checked=checked)
            except BaseException:
                self.cache.get(aggregate_id, evict=True)
                raise

    def forget_saved_copies(self, aggregates: Iterable[Any]) -> None:
        """Aggregates just saved that are not the cached objects (copies from ``get``, new ones)
        make what the cache holds for them stale, so it goes. They are not cached themselves:
        their caller still holds them and may change them again without saving, and the cache
        keeps only what the repository built from the log or lent under a lock."""
        if self.cache is None:
            return
        for aggregate in aggregates:
            with self._locked(aggregate.id):
                try:
                    cached = self.cache.get(aggregate.id)
                except KeyError:
                    continue
                if cached is not aggregate:
                    self.cache.get(aggregate.id, evict=True)

    @contextmanager
    def _locked(self, aggregate_id: UUID) -> Iterator[None]:
        lock = self._use_fastforward_lock(aggregate_id)
        try:
            with lock:
                yield
        finally:
            self._disuse_fastforward_lock(aggregate_id)

    def _use_fastforward_lock(self, aggregate_id: UUID) -> Any:
        # Re-entrant, so that a thread holding an aggregate for a command may still ``get`` it.
        with self._fastforward_locks_lock:
            lock: Any = None
            users = 0
            if aggregate_id in self._fastforward_locks_inuse:
                lock, users = self._fastforward_locks_inuse[aggregate_id]
            else:
                try:
                    lock = self._fastforward_locks_cache.get(aggregate_id, evict=True)
                except KeyError:
                    lock = RLock()
            self._fastforward_locks_inuse[aggregate_id] = (lock, users + 1)
            return lock

    def _current(self, aggregate_id: UUID, projector_func: ProjectorFunction[Any, Any], *,
                 trust_cache: bool) -> tuple[Any, bool]:
        """The cached aggregate, caught up with the log unless trusted as it is; reconstructed and
        cached when absent. With it, whether the log was read for it. Called under the aggregate's
        lock."""
        assert self.cache is not None
        try:
            cached = self.cache.get(aggregate_id)
        except KeyError:
            aggregate = self._reconstruct_aggregate(aggregate_id, None, projector_func)
            self.cache.put(aggregate_id, aggregate)
            return aggregate, True
        if trust_cache:
            return cached, False
        newer = self.event_store.get(originator_id=aggregate_id, gt=cached.version)
        try:
            aggregate = projector_func(cached, cast(Any, newer))
        except BaseException:
            # The events mutate the cached object in place: one that failed half way (an event
            # that no longer decodes, say) leaves a state no version ever had, so it goes.
            self.cache.get(aggregate_id, evict=True)
            raise
        if aggregate is None:
            raise AggregateNotFoundError(aggregate_id)
        return aggregate, True
