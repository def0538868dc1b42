"""The API-only process that ``dsledger serve --workers N`` runs N of, under uvicorn's own
supervisor (which restarts a worker that dies and stops them all on SIGTERM). A worker runs no
projection engine and no scheduler: the process that started uvicorn runs those once for all of
them, and a read naming ``X-Min-Position`` waits by re-reading the views' tracking rows."""

from __future__ import annotations

import gc
import os
import signal
import threading
import time

from litestar import Litestar

from api.app import create_app
from dsledger.runtime import Runtime
from dsledger.settings import Settings


def api_worker() -> Litestar:
    """uvicorn's app factory (``dsledger.asgi:api_worker``), called once in each worker."""
    runtime = Runtime(Settings.from_env())
    app = create_app(runtime, run_projector=False, scheduler=None)
    app.on_shutdown.append(runtime.close)
    _follow_supervisor(os.getppid())
    freeze_startup_objects()
    return app


def _follow_supervisor(supervisor: int) -> None:
    """Left alone (its supervisor killed outright), a worker would go on answering from views
    nobody projects any more: it stops as a SIGTERM would stop it."""
    def watch() -> None:
        while os.getppid() == supervisor:
            time.sleep(1.0)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="supervisor-watch", daemon=True).start()


def freeze_startup_objects() -> None:
    """Move everything built so far (modules, the app and its routes, SQLAlchemy's tables) out of
    the collector's reach: they live as long as the process. A full collection would otherwise
    walk those few hundred thousand objects each time, a pause of about 100 ms that every request
    in flight waits out."""
    gc.collect()
    gc.freeze()
