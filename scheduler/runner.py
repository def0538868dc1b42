"""APScheduler as the clock: one interval job, in one process, that sweeps the due deadlines while
this process leads (and ones that sign a tree head of the Merkle log now and then and forget
expired idempotency keys). The job store
is APScheduler's memory store on purpose — the deadlines live in the log (the deadlines view),
never in a job store that several processes could not share."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TypeVar

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

from dsledger.retention import forget_expired_idempotency_keys
from dsledger.runtime import Runtime
from scheduler.at_risk import reconcile
from scheduler.leader import Leadership
from scheduler.sweep import SweepReport, sweep

log = logging.getLogger(__name__)
T = TypeVar("T")
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

    def _as_leader(self, job: Callable[[], T], failure: str) -> T | None:
        """Run ``job`` if this process leads (a follower only tries to take over); a failure is
        logged and left to the job's next run."""
        with self._tick_lock:
            if not self.leadership.try_acquire():
                return None
            try:
                return job()
            except Exception:
                log.exception("%s; the next run retries", failure)
                return None

    def tick(self) -> SweepReport | None:
        """Sweep the due deadlines, and record any at-risk mark the policy missed, if this process
        leads."""
        report = self._as_leader(lambda: sweep(self.runtime), "deadline sweep failed")
        if report is not None:
            self.last_report = report
        self._as_leader(lambda: reconcile(self.runtime), "the at-risk policy's second look failed")
        return report

    def sign_tree_head(self) -> None:
        """Publish a signed tree head of the Merkle log as far as it is built, if it grew."""
        self._as_leader(lambda: self.runtime.tree_heads.publish(self.runtime.now()),
                        "signing a tree head failed")

    def forget_expired_keys(self) -> int | None:
        """Forget idempotency keys past their retention, if this process leads."""
        return self._as_leader(lambda: forget_expired_idempotency_keys(self.runtime),
                               "forgetting expired idempotency keys failed")

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
