"""The verifiable log over a recorded log (the projection benchmark's size: 20,000 events quick,
200,000 full, ``--events N``; ``--only audit --events 1000000`` for the million):

- Merkle log build: the Merkle view alone caught up from empty, events/s;
- ``dsledger verify``: every stored event re-read, re-hashed, compared with its leaf, the tree
  recomputed and every signed head checked, events/s;
- inclusion proof: ``StoredTree.inclusion_proof`` for random events against the newest head, ms.

Baselines, same run and database: the bare read of the same log with the recorder
(``select_notifications`` in the verifier's batch size) for both rates; one primary-key read of a
Merkle node for the proof.
"""

from __future__ import annotations

import random
import time

from bench.context import Context
from bench.core import Figure, median, percentile
from bench.projection import record_log
from dsledger.runtime import Runtime
from dsledger.verify import BATCH, Verifier
from projections.engine import ProjectionEngine
from projections.merkle_log import MerkleLogView, StoredTree
from projections.tables import merkle_nodes

NAME = "audit"
NEEDS: tuple[str, ...] = ()
PROOFS = 200


def key(backend: str, what: str) -> str:
    return f"{NAME}.{backend}.{what}"


def read_rate(runtime: Runtime) -> float:
    began = time.perf_counter()
    start, count = 1, 0
    while batch := runtime.ledger.recorder.select_notifications(start=start, limit=BATCH):
        count += len(batch)
        start = batch[-1].id + 1
    return count / (time.perf_counter() - began)


def build_rate(runtime: Runtime) -> float:
    view = MerkleLogView()
    engine = ProjectionEngine(runtime.ledger, runtime.db, [view], batch_size=2000)
    engine.empty()  # untimed: each run builds from zero
    began = time.perf_counter()
    engine.catch_up()
    return engine.head() / (time.perf_counter() - began)


def run(ctx: Context) -> None:
    for backend in ctx.dbs.backends:
        with ctx.dbs.runtime(backend) as runtime:
            events = ctx.sizes.projection_events
            ctx.log(f"audit, {backend}: recording {events:,} events")
            record_log(runtime, events)
            recorded = runtime.projector.head()
            size = f"{recorded:,} events"
            reads, builds, verifies = [], [], []
            for _ in range(ctx.sizes.runs):
                reads.append(read_rate(runtime))
                builds.append(build_rate(runtime))
            assert runtime.tree_heads.publish(runtime.now()) is not None
            for _ in range(ctx.sizes.runs):
                verifier = Verifier(runtime.ledger.recorder, runtime.db,
                                    runtime.tree_heads.public_key)
                began = time.perf_counter()
                report = verifier.run()
                verifies.append(recorded / (time.perf_counter() - began))
                assert report.ok, report.problems[:3]
            base = key(backend, "read")
            ctx.results.add(Figure(
                key=base, benchmark=NAME, backend=backend, baseline=True, unit="events/s",
                label=f"read the log (recorder only), {backend}", value=median(reads),
                runs=reads, size=size))
            ctx.results.add(Figure(
                key=key(backend, "build"), benchmark=NAME, backend=backend, unit="events/s",
                label=f"Merkle log build from empty, {backend}", value=median(builds),
                runs=builds, size=size), compare_to=[base])
            ctx.results.add(Figure(
                key=key(backend, "verify"), benchmark=NAME, backend=backend, unit="events/s",
                label=f"dsledger verify (read, hash, compare, recompute root), {backend}",
                value=median(verifies), runs=verifies, size=size,
                note=f"{recorded:,} events take {recorded / median(verifies):.1f} s"),
                compare_to=[base])
            proof_ms, lookup_ms = _proofs(runtime, recorded)
            lookup_key = key(backend, "node-read")
            ctx.results.add(Figure(
                key=lookup_key, benchmark=NAME, backend=backend, baseline=True, unit="ms",
                label=f"one Merkle node read by primary key, {backend}",
                value=median(lookup_ms), runs=lookup_ms, size=f"{PROOFS} reads",
                higher_is_better=False))
            ctx.results.add(Figure(
                key=key(backend, "inclusion-proof"), benchmark=NAME, backend=backend, unit="ms",
                label=f"inclusion proof against the newest head, {backend}",
                value=median(proof_ms), runs=proof_ms, higher_is_better=False,
                size=f"{PROOFS} proofs in a tree of {recorded:,}",
                note=f"p99 {percentile(proof_ms, 99):.2f} ms"), compare_to=[lookup_key])


def _proofs(runtime: Runtime, size: int) -> tuple[list[float], list[float]]:
    rng = random.Random(7)
    proof_ms: list[float] = []
    lookup_ms: list[float] = []
    with runtime.db.connect() as conn:
        for _ in range(PROOFS):
            index = rng.randrange(size)
            began = time.perf_counter()
            # A tree per proof, as the API makes one per request: no node cached between proofs.
            StoredTree(conn).inclusion_proof(index, size)
            proof_ms.append((time.perf_counter() - began) * 1000)
            began = time.perf_counter()
            conn.execute(merkle_nodes.select().where(merkle_nodes.c.level == 0,
                                                     merkle_nodes.c.idx == index)).one()
            lookup_ms.append((time.perf_counter() - began) * 1000)
    return proof_ms, lookup_ms
