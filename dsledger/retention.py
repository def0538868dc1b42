"""What the service keeps only for a while: idempotency keys and their first answers.

Events are kept forever; a key only has to outlive the retries of its request. The leading
scheduler forgets keys older than ``DSLEDGER_IDEMPOTENCY_TTL_HOURS`` (by the wall clock, as the
middleware stamps them), so the table stays the size of a day's POSTs, not of the ledger's life.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import delete

from dsledger.runtime import Runtime
from projections.tables import idempotency_keys


def forget_expired_idempotency_keys(runtime: Runtime, now: datetime | None = None) -> int:
    """Delete the keys older than the retention; return how many."""
    cutoff = (now or datetime.now(UTC)) - timedelta(hours=runtime.settings.idempotency_ttl_hours)
    with runtime.db.begin() as conn:
        return int(conn.execute(delete(idempotency_keys)
                                .where(idempotency_keys.c.created_at < cutoff)).rowcount)
