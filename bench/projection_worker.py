"""Run in a subprocess by the projection benchmark, so its peak RSS is the rebuild's own:

    python -m bench.projection_worker rebuild --budget SECONDS   # time dsledger.rebuild.rebuild()
    python -m bench.projection_worker idle                       # baseline: the runtime, no work

The database comes from DSLEDGER_DATABASE_URL, as for ``dsledger``. Prints one JSON object.
A rebuild still running after ``--budget`` seconds (0: none) is stopped at the end of its current
batch, and the report says how far it got. The rebuild runs as ``dsledger rebuild`` does: the views
in groups, one process per core; its peak RSS adds this process's to the largest group process's
times the number of groups (an upper bound of what they held at once).
"""

from __future__ import annotations

import argparse
import resource
import sys
import time

import msgspec

from bench.core import vmhwm_mib
from dsledger.rebuild import OutOfTime, groups_for, rebuild
from dsledger.runtime import Runtime
from dsledger.settings import Settings


class WorkerReport(msgspec.Struct):
    mode: str
    head: int
    position: int
    seconds: float
    finished: bool
    peak_rss_mib: float
    processes: int = 1


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["rebuild", "idle"])
    parser.add_argument("--budget", type=float, default=0.0)
    parser.add_argument("--processes", type=int, default=None)
    args = parser.parse_args(argv)
    runtime = Runtime(Settings.from_env())
    try:
        head = runtime.projector.head()
        began = time.perf_counter()
        finished = True
        groups = 1
        if args.mode == "rebuild":
            groups = len(groups_for(runtime, args.processes))
            try:
                rebuild(runtime, args.processes, budget=args.budget)
            except OutOfTime:
                finished = False
        seconds = time.perf_counter() - began
        position = runtime.projector.position()
        # ru_maxrss is in KiB on Linux: the largest of the (finished) group processes.
        children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        report = WorkerReport(mode=args.mode, head=head, position=position, seconds=seconds,
                              finished=finished and position >= head,
                              peak_rss_mib=vmhwm_mib() + (groups * children if groups > 1 else 0),
                              processes=groups)
    finally:
        runtime.close()
    sys.stdout.write(msgspec.json.encode(report).decode() + "\n")


if __name__ == "__main__":
    main()
