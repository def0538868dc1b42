"""The ledger's repository: aggregates kept in memory between commands, brought up to date from the
log on every load, and handed out as private copies.

The library's own cache fast-forwards the cached aggregate under the aggregate's lock but copies it
after releasing the lock, so a second thread fast-forwarding the same aggregate may be half way
through an event while the first one copies it: a command could then check its rules against a
state that never existed. Here the catching up and the copying happen under the same lock.
"""

from __future__ import annotations

from copy import deepcopy
from typing import Any, cast
from uuid import UUID

from eventsourcing.application import (
    AggregateNotFoundError,
    ProjectorFunction,
    Repository,
    project_aggregate,
)


class CopyingRepository(Repository[UUID]):
    """Every load of the latest version reads only the events recorded after the cached version
    (by any process: the log, not the cache, is the truth) and returns a deep copy, so a command
    that fails half way never leaves its changes in the cache."""

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
        lock = self._use_fastforward_lock(aggregate_id)
        try:
            with lock:
                try:
                    aggregate = self.cache.get(aggregate_id)
                except KeyError:
                    aggregate = self._reconstruct_aggregate(aggregate_id, None, projector_func)
                    self.cache.put(aggregate_id, aggregate)
                else:
                    aggregate = self._caught_up(aggregate_id, aggregate, projector_func)
                return deepcopy(aggregate)
        finally:
            self._disuse_fastforward_lock(aggregate_id)

    def _caught_up(self, aggregate_id: UUID, cached: Any,
                   projector_func: ProjectorFunction[Any, Any]) -> Any:
        assert self.cache is not None
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
        return aggregate
