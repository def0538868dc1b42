"""wrk (Debian's ``wrk`` 4.1) as the HTTP load generator: a C event loop that drives the loopback
with a fraction of the CPU the Python clients need, so on 2 cores most of the machine is left to
the service under test. ``bench/wrk_mix.lua`` cycles each connection through its request paths and
reports, as JSON, the requests completed, p50/p99 latency and every answer that was not 2xx."""

from __future__ import annotations

import json
import math
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.core import Burst, percentile

SCRIPT = Path(__file__).with_name("wrk_mix.lua")
MARKER = "WRK_JSON "


class WrkError(RuntimeError):
    pass


@dataclass(frozen=True)
class LoadRun:
    """One timed HTTP load, whichever generator drove it: what the reports need of it."""

    requests: int
    seconds: float
    p50: float
    """Seconds."""
    p99: float
    generator: str

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds > 0 else math.nan

    @classmethod
    def of(cls, run: Burst | LoadRun, generator: str = "httpx threads") -> LoadRun:
        if isinstance(run, LoadRun):
            return run
        return cls(requests=run.operations, seconds=run.seconds,
                   p50=percentile(run.latencies, 50), p99=percentile(run.latencies, 99),
                   generator=generator)


def executable() -> str | None:
    return shutil.which("wrk")


def load(url: str, token: str, mixes: Sequence[Sequence[str]], *, seconds: float,
         workdir: Path) -> LoadRun:
    """``len(mixes)`` keep-alive connections, one wrk thread each, cycling through their paths for
    ``seconds`` (wrk counts whole seconds: at least 1). Raises if any answer was not 2xx, or on any
    socket error or timeout: a figure is only of answered requests."""
    wrk = executable()
    if wrk is None:
        raise WrkError("wrk is not on PATH")
    if any("\n" in path or not path for mix in mixes for path in mix):
        raise ValueError("a request path must be one non-empty line")
    duration = max(1, math.ceil(seconds))
    with tempfile.NamedTemporaryFile("w", dir=workdir, prefix="wrk-mix-", suffix=".txt",
                                     delete=False) as listing:
        listing.write("\n\n".join("\n".join(mix) for mix in mixes) + "\n")
    try:
        done = subprocess.run(
            [wrk, "-t", str(len(mixes)), "-c", str(len(mixes)), "-d", f"{duration}s",
             "--timeout", "30s", "-H", f"Authorization: Bearer {token}", "-s", str(SCRIPT),
             url, "--", listing.name],
            capture_output=True, text=True, errors="replace", timeout=duration + 60,
            check=False)
    finally:
        Path(listing.name).unlink(missing_ok=True)
    if done.returncode != 0:
        raise WrkError(f"wrk exited {done.returncode}: {done.stderr[-2000:]}{done.stdout[-2000:]}")
    lines = [line for line in done.stdout.splitlines() if line.startswith(MARKER)]
    if not lines:
        raise WrkError(f"wrk printed no result:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    result = json.loads(lines[-1].removeprefix(MARKER))
    if result["non_2xx"]:
        raise WrkError(f"{result['non_2xx']} of {result['requests']} answers were not 2xx; "
                       f"the first: {result['first_non_2xx']}")
    failures = {what: result[what] for what in ("connect_errors", "read_errors", "write_errors",
                                                "timeouts") if result[what]}
    if failures:
        raise WrkError(f"wrk saw socket errors against {url}: {failures}")
    if not result["requests"]:
        raise WrkError(f"wrk completed no request against {url}")
    return LoadRun(requests=int(result["requests"]), seconds=result["duration_us"] / 1e6,
                   p50=result["p50_us"] / 1e6, p99=result["p99_us"] / 1e6, generator="wrk")
