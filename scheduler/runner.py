"""APScheduler as the clock: one interval job, in one process, that sweeps the due deadlines while
this process leads (and ones that sign a tree head of the Merkle log now and then and forget
expired idempotency keys). The job store
is APScheduler's memory store on purpose — the deadlines live in the log (the deadlines view),
never in a job store that several processes could not share."""

from __future__ import annotations

import logging
import threading

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

from dsledger.retention import forget_expired_idempotency_keys
from dsledger.runtime import Runtime
from scheduler.leader import Leadership
from scheduler.sweep import SweepReport, sweep

log = logging.getLogger(__name__)
# A tick every few seconds is not news; failures still log as errors.
logging.getLogger("apscheduler").setLevel(logging.WARNING)


class DeadlineScheduler:
    def __init__(self, runtime: Runtime, interval_seconds: float = 5.0) -> None:
        self.runtime = runtime
        self.interval_seconds = interval_seconds
        self.leadership = Leadership(runtime.settings)
        self._scheduler = BackgroundScheduler(timezone="Asia/Seoul")
        self._tick_lock = threading.Lock()
        self.last_report: SweepReport | None = None

    def tick(self) -> SweepReport | None:
        """Sweep if this process leads; a follower only tries to take over."""
        with self._tick_lock:
            if not self.leadership.try_acquire():
                return None
            try:
                self.last_report = sweep(self.runtime)
            except Exception:
                log.exception("deadline sweep failed; the next tick retries")
                return None
            return self.last_report

    def sign_tree_head(self) -> None:
        """Publish a signed tree head of the Merkle log as far as it is built, if it grew."""
        with self._tick_lock:
            if not self.leadership.try_acquire():
                return
            try:
                self.runtime.tree_heads.publish(self.runtime.now())
            except Exception:
                log.exception("signing a tree head failed; the next run retries")

    def forget_expired_keys(self) -> int | None:
        """Forget idempotency keys past their retention, if this process leads."""
        with self._tick_lock:
            if not self.leadership.try_acquire():
                return None
            try:
                return forget_expired_idempotency_keys(self.runtime)
            except Exception:
                log.exception("forgetting expired idempotency keys failed; the next run retries")
                return None

    def start(self) -> None:
        self._scheduler.add_job(self.tick, IntervalTrigger(seconds=self.interval_seconds),
                                id="deadline-sweep", max_instances=1, coalesce=True,
                                replace_existing=True)
        self._scheduler.add_job(self.sign_tree_head,
                                IntervalTrigger(seconds=self.runtime.settings.tree_head_interval),
                                id="tree-head", max_instances=1, coalesce=True,
                                replace_existing=True)
        self._scheduler.add_job(self.forget_expired_keys, IntervalTrigger(minutes=10),
                                id="idempotency-retention", max_instances=1, coalesce=True,
                                replace_existing=True)
        self._scheduler.start()

    def stop(self) -> None:
        if self._scheduler.running:
            self._scheduler.shutdown(wait=True)
        self.leadership.release()
