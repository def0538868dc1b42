"""Go's ``golang.org/x/mod/sumdb/{note,tlog}`` (Debian's golang-golang-x-mod-dev) as an
independent verifier: ``tests/audit/go/tlogcheck.go`` is built once per machine (GOPATH mode, no
network) and answers one JSON request per run."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from tests.requirements import missing

SOURCE = Path(__file__).parent / "go" / "tlogcheck.go"
GOPATH = Path("/usr/share/gocode")


def _binary() -> Path:
    go = shutil.which("go")
    if go is None or not (GOPATH / "src/golang.org/x/mod/sumdb/tlog").is_dir():
        missing("Go and golang.org/x/mod", "apt-get install golang-go golang-golang-x-mod-dev "
                                           "(bash scripts/setup does it as root)")
    digest = hashlib.sha256(SOURCE.read_bytes()).hexdigest()[:16]
    cache = Path(tempfile.gettempdir()) / "dsledger-go"
    binary = cache / f"tlogcheck-{digest}"
    if not binary.exists():
        cache.mkdir(exist_ok=True)
        env = {**os.environ, "GO111MODULE": "off", "GOPATH": str(GOPATH),
               "GOCACHE": str(cache / "build"), "GOFLAGS": ""}
        partial = cache / f"tlogcheck-{digest}.{os.getpid()}"
        subprocess.run([go, "build", "-o", str(partial), str(SOURCE)], check=True, env=env,
                       capture_output=True, timeout=300)
        partial.replace(binary)  # atomic: two xdist workers may build at once
    return binary


def go_check(request: dict[str, Any]) -> dict[str, Any]:
    done = subprocess.run([str(_binary())], input=json.dumps(request).encode(),
                          capture_output=True, check=True, timeout=120)
    answer: dict[str, Any] = json.loads(done.stdout)
    return answer
