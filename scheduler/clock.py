"""The ledger's clock. Real time by default; for demos and tests it can be set or moved forward so
that a year of a contract's life is replayed in seconds."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

from domain.actor import utc_now


class ControllableClock:
    """Real time shifted by an offset the operator (or a test) sets; it keeps ticking."""

    def __init__(self, start: datetime | None = None) -> None:
        self._lock = threading.Lock()
        self._offset = timedelta(0) if start is None else start - utc_now()
        self.chosen = start is not None
        """Whether it was started at a chosen time (``--now``) rather than the machine's."""

    def __call__(self) -> datetime:
        with self._lock:
            return utc_now() + self._offset

    def set(self, now: datetime) -> None:
        """Move to ``now``; the clock never goes back, since events must stay in time order."""
        with self._lock:
            current = utc_now() + self._offset
            if now < current:
                raise ValueError(f"the clock only moves forward (it is {current.isoformat()})")
            self._offset = now - utc_now()

    def advance(self, delta: timedelta) -> datetime:
        self.set(self() + delta)
        return self()
