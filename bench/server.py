"""The real service in a subprocess (``python -m dsledger.cli serve --no-demo``, uvicorn, with its
projection engine and scheduler, as deployed; ``workers`` API processes) on a loopback port, and a
bounded HTTP load on it: wrk (``bench/wrk.py``) when it is on PATH, else httpx clients in this
process, one per thread, keep-alive."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from api.auth import Principal, issue_token
from bench import wrk
from bench.core import Burst, burst, vmhwm_mib
from domain.actor import Role
from dsledger.settings import Settings

OPERATOR = Principal(principal_id="bench-operator", role=Role.OPERATOR)
START_TIMEOUT = 60.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class Server:
    process: subprocess.Popen[bytes]
    url: str
    token: str
    log: Path
    workers: int = 1
    """API processes serving ``url`` (beside them, with more than one, the supervisor that runs
    the projection engine and the scheduler)."""

    def peak_rss_mib(self) -> float:
        """The sum of the peaks of the service's processes (the uvicorn process, or the supervisor
        and its API workers): an upper bound of what they held at once."""
        return sum(vmhwm_mib(pid) for pid in _process_tree(self.process.pid))


def _process_tree(pid: int) -> list[int]:
    pids = [pid]
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        for child in task.read_text().split():
            pids += _process_tree(int(child))
    return pids


DEFAULT_WORKERS = int(os.environ.get("DSLEDGER_BENCH_WORKERS") or min(2, os.cpu_count() or 1))
"""API processes the benchmarks run the service with: one per core (at most 2, the deployment
machine's), as it would be deployed there (``dsledger serve --workers``);
DSLEDGER_BENCH_WORKERS overrides it, e.g. 1 to measure a single process."""


@contextmanager
def serve(settings: Settings, workers: int = 1) -> Iterator[Server]:
    port = free_port()
    env = {**os.environ, "DSLEDGER_DATABASE_URL": settings.database_url,
           "DSLEDGER_DATA_DIR": str(settings.data_dir), "DSLEDGER_JWT_SECRET": settings.jwt_secret,
           "DSLEDGER_SEARCH_CACHE": str(settings.search_cache)}
    log = settings.data_dir / f"service-{port}.log"
    command = [sys.executable, "-m", "dsledger.cli", "serve", "--port", str(port), "--no-demo"]
    if workers != 1:
        command += ["--workers", str(workers)]
    with log.open("wb") as sink:
        process = subprocess.Popen(command, env=env, stdout=sink, stderr=subprocess.STDOUT)
    server = Server(process=process, url=f"http://127.0.0.1:{port}",
                    token=issue_token(settings.jwt_secret, OPERATOR), log=log, workers=workers)
    try:
        _wait_until_up(server)
        yield server
    except Exception as error:
        error.add_note(f"the service's log ({log}) ends:\n{_tail(log)}")
        raise
    finally:
        _stop(process)


def _tail(log: Path, size: int = 3000) -> str:
    return log.read_bytes()[-size:].decode(errors="replace")


@contextmanager
def serve_echo(workdir: Path, token: str) -> Iterator[Server]:
    """``bench.echo_app`` under uvicorn; the clients send it the same bearer header."""
    port = free_port()
    log = workdir / f"echo-{port}.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "bench.echo_app:app", "--port", str(port),
             "--log-level", "warning"], stdout=sink, stderr=subprocess.STDOUT)
    server = Server(process=process, url=f"http://127.0.0.1:{port}", token=token, log=log)
    try:
        _wait_until_up(server, path="/")
        yield server
    except Exception as error:
        error.add_note(f"the load-generator ceiling's log ({log}) ends:\n{_tail(log)}")
        raise
    finally:
        _stop(process)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)


def _wait_until_up(server: Server, path: str = "/health") -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"the service exited ({server.process.returncode}):\n"
                               f"{server.log.read_text()[-3000:]}")
        try:
            if httpx.get(f"{server.url}{path}", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"{server.url} did not answer {path} in {START_TIMEOUT:g} s")


Request = Callable[[httpx.Client], httpx.Response]


class UnexpectedResponseError(RuntimeError):
    pass


def load(server: Server, requests: Sequence[Sequence[Request]], *, seconds: float,
         max_requests: int) -> Burst:
    """One thread per sequence of requests, each with its own client, cycling through its
    requests; every answer must be 2xx."""
    clients = [httpx.Client(base_url=server.url, timeout=30,
                            headers={"Authorization": f"Bearer {server.token}"})
               for _ in requests]

    def worker(client: httpx.Client, own: Sequence[Request]) -> Callable[[], None]:
        turn = [0]

        def call() -> None:
            response = own[turn[0] % len(own)](client)
            turn[0] += 1
            if not response.is_success:
                raise UnexpectedResponseError(
                    f"{response.request.method} {response.request.url}: "
                    f"{response.status_code} {response.text[:500]}")

        return call

    try:
        return burst([worker(c, r) for c, r in zip(clients, requests, strict=True)],
                     seconds=seconds, max_operations=max_requests)
    finally:
        for client in clients:
            client.close()


def generator() -> str:
    """What ``load_paths`` drives the load with on this machine."""
    return "wrk" if wrk.executable() else "httpx threads"


def load_paths(server: Server, mixes: Sequence[Sequence[str]], *, seconds: float,
               max_requests: int, workdir: Path) -> wrk.LoadRun:
    """A GET load: one keep-alive connection per list of paths, cycling through its list. With wrk,
    bounded by ``seconds`` (whole seconds, at least 1) alone: stopping wrk's threads early would
    leave its clock running and understate the rate; with httpx, by both."""
    if wrk.executable():
        return wrk.load(server.url, server.token, mixes, seconds=seconds, workdir=workdir)
    requests = [[_get(path) for path in mix] for mix in mixes]
    return wrk.LoadRun.of(load(server, requests, seconds=seconds, max_requests=max_requests))


def _get(path: str) -> Request:
    return lambda client: client.get(path)


def health(client: httpx.Client) -> httpx.Response:
    return client.get("/health")
