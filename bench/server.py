"""The real service in a subprocess (``python -m dsledger.cli serve --no-demo``, uvicorn, with its
projection engine and scheduler, as deployed) on a loopback port, and a bounded HTTP load on it
from this process: httpx clients, one per thread, keep-alive."""

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

    def peak_rss_mib(self) -> float:
        return vmhwm_mib(self.process.pid)


@contextmanager
def serve(settings: Settings) -> Iterator[Server]:
    port = free_port()
    env = {**os.environ, "DSLEDGER_DATABASE_URL": settings.database_url,
           "DSLEDGER_DATA_DIR": str(settings.data_dir), "DSLEDGER_JWT_SECRET": settings.jwt_secret}
    log = settings.data_dir / f"service-{port}.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "dsledger.cli", "serve", "--port", str(port), "--no-demo"],
            env=env, stdout=sink, stderr=subprocess.STDOUT)
    server = Server(process=process, url=f"http://127.0.0.1:{port}",
                    token=issue_token(settings.jwt_secret, OPERATOR), log=log)
    try:
        _wait_until_up(server)
        yield server
    finally:
        _stop(process)


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


def health(client: httpx.Client) -> httpx.Response:
    return client.get("/health")


def root(client: httpx.Client) -> httpx.Response:
    return client.get("/")
