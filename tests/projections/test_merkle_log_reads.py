"""What the Merkle log reads for each batch it appends stays a handful of primary-key lookups,
however long the log: a batch's cost must not grow with the log."""

from __future__ import annotations

from sqlalchemy import create_engine

from projections.merkle_log import _peaks_statement
from projections.tables import merkle_nodes


def test_the_peaks_a_batch_appends_to_are_found_by_primary_key_on_sqlite() -> None:
    db = create_engine("sqlite://")
    merkle_nodes.create(db)
    # The right edge of a log of 2**20 - 1 leaves: twenty peaks, one per level.
    peaks = {**{f"level{k}": 19 - k for k in range(20)},
             **{f"idx{k}": 2 ** (k + 1) - 2 for k in range(20)}}
    sql = _peaks_statement(20).params(peaks).compile(
        dialect=db.dialect, compile_kwargs={"literal_binds": True}).string
    with db.connect() as conn:
        steps = [str(row[-1]) for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}")]
    assert not any(step.startswith("SCAN merkle_nodes") for step in steps), steps
    assert any(step.startswith("SEARCH merkle_nodes USING") for step in steps), steps
