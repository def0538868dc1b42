"""Run in a subprocess by the projection benchmark, so its peak RSS is the rebuild's own:

    python -m bench.projection_worker rebuild --budget SECONDS   # time runtime.projector.rebuild()
    python -m bench.projection_worker idle                       # baseline: the runtime, no work

The database comes from DSLEDGER_DATABASE_URL, as for ``dsledger``. Prints one JSON object.
A rebuild still running after ``--budget`` seconds (0: none) is stopped at the end of its current
batch, and the report says how far it got.
"""

from __future__ import annotations

import argparse
import sys
import time

import msgspec

from bench.core import vmhwm_mib
from dsledger.runtime import Runtime
from dsledger.settings import Settings


class WorkerReport(msgspec.Struct):
    mode: str
    head: int
    position: int
    seconds: float
    finished: bool
    peak_rss_mib: float


class _OutOfTime(Exception):
    pass


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["rebuild", "idle"])
    parser.add_argument("--budget", type=float, default=0.0)
    args = parser.parse_args(argv)
    runtime = Runtime(Settings.from_env())
    try:
        head = runtime.projector.head()
        began = time.perf_counter()
        finished = True
        if args.mode == "rebuild":
            def progress(done: int, total: int) -> None:
                if args.budget and time.perf_counter() - began >= args.budget and done < total:
                    raise _OutOfTime

            try:
                runtime.projector.rebuild(progress)
            except _OutOfTime:
                finished = False
        seconds = time.perf_counter() - began
        position = runtime.projector.position()
        report = WorkerReport(mode=args.mode, head=head, position=position, seconds=seconds,
                              finished=finished and position >= head,
                              peak_rss_mib=vmhwm_mib())
    finally:
        runtime.close()
    sys.stdout.write(msgspec.json.encode(report).decode() + "\n")


if __name__ == "__main__":
    main()
