"""The poll scheduler: what to ask SmsManager, when, how often, and when to stop asking."""

from __future__ import annotations

import logging
import queue
import random
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from collector.batches import StatusBatch
from collector.client import SmsManagerClient
from collector.errors import ApiError, SmsDashError, TransportError
from collector.schedule import make_schedule
from collector.settings import Settings
from db.engine import explain
from db.records import ApiCallRecord, NumberRecord, Observations
from db.types import utcnow
from db.write import due_requests, record

log = logging.getLogger(__name__)
AUTH_ERROR = 103
CLIENT_ERROR_RETRY = timedelta(minutes=5)
MAX_DUE_PER_CYCLE = 20_000


@dataclass
class Backoff:
    """Per-method exponential backoff with jitter after a streak of retryable failures."""

    base: float
    cap: float = 300.0
    grace: int = 3  # isolated failures are retried on the normal schedule
    streak: dict[str, int] = field(default_factory=dict)
    until: dict[str, float] = field(default_factory=dict)
    rng: random.Random = field(default_factory=random.Random)
    clock: Callable[[], float] = time.monotonic

    def allowed(self, method: str) -> bool:
        return self.clock() >= self.until.get(method, 0.0)

    def success(self, method: str) -> None:
        self.streak.pop(method, None)
        self.until.pop(method, None)

    def failure(self, method: str) -> None:
        streak = self.streak[method] = self.streak.get(method, 0) + 1
        if streak >= self.grace:
            delay = min(self.cap, self.base * 2 ** (streak - self.grace))
            self.until[method] = self.clock() + delay * self.rng.uniform(0.5, 1.5)


@dataclass
class CycleSummary:
    listed: int = 0
    statuses: int = 0
    changes: int = 0
    errors: int = 0
    calls: int = 0
    failed_calls: int = 0
    key_rejected: bool = False
    skipped: str | None = None

    @property
    def all_failed(self) -> bool:
        return self.calls > 0 and self.failed_calls == self.calls


class Poller:
    """One account's polling loop; receives its client, engine and clocks, builds nothing itself.

    ``now`` stamps observations and decides what is due; ``monotonic`` times the backoff
    and the pause after a rejected key. Tests pass fast clocks to walk through days.
    ``check`` runs before a cycle and before it reports; it raises to stop the loop
    (the database file was deleted, say).
    """

    def __init__(
        self,
        client: SmsManagerClient,
        engine: Engine,
        settings: Settings,
        check: Callable[[], None] | None = None,
        *,
        now: Callable[[], datetime] = utcnow,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client = client
        self.check = check or (lambda: None)
        self.engine = engine
        self.settings = settings
        self.now = now
        self.monotonic = monotonic
        self.schedule = make_schedule(settings.give_up_after)
        self.backoff = Backoff(base=max(settings.poll_interval, 1.0), clock=monotonic)
        self._calls: list[ApiCallRecord] = []
        self._lock = threading.Lock()
        client.on_call = self._remember
        self._auth_blocked_until = 0.0
        self._next_credit = 0.0
        self._unreachable: str | None = None
        self._stopping = threading.Event()
        self.cycles = 0
        self.ok_calls = 0  # calls answered (ok or empty) since start, for the heartbeat
        # Told of every call once, after the poller has taken it (metrics). The poller is
        # the client's one listener: a second wrapper around client.on_call could count a
        # call twice, or be dropped by whoever sets it next.
        self.call_listeners: list[Callable[[ApiCallRecord], None]] = []
        # Called after every cycle (alerts, heartbeat, metrics) with its summary (None when
        # its write failed) and its seconds; a failing hook is logged, never fatal.
        self.after_cycle: list[Callable[[CycleSummary | None, float], None]] = []

    def _remember(self, call: ApiCallRecord) -> None:
        with self._lock:
            self._calls.append(call)
            self.ok_calls += call.answered
        for listener in self.call_listeners:
            try:
                listener(call)
            except Exception:  # the call is stored all the same
                log.exception("call listener %s failed; polling goes on", listener)

    def _take_calls(self, summary: CycleSummary | None = None) -> list[ApiCallRecord]:
        with self._lock:
            calls, self._calls = self._calls, []
        if summary is not None:
            summary.calls += len(calls)
            summary.failed_calls += sum(not c.answered for c in calls)
        return calls

    def stop(self) -> None:
        """Cut the calls in flight (a deadline may be far off) and start no new ones."""
        self._stopping.set()
        self.client.cancel()

    def run(self, stop: threading.Event) -> None:
        """Poll until ``stop`` is set; a cycle in progress finishes its write first."""
        while not stop.is_set() and not self._stopping.is_set():
            started = time.monotonic()
            try:
                self.cycle()
            except SQLAlchemyError as exc:
                log.error("%s; the next cycle will try again", explain(exc, self.engine.url))
            stop.wait(max(0.0, self.settings.poll_interval - (time.monotonic() - started)))

    def cycle(self) -> CycleSummary:
        started = time.monotonic()
        summary = None
        try:
            summary = self._cycle()
        finally:
            for hook in self.after_cycle:
                try:
                    hook(summary, time.monotonic() - started)
                except Exception:
                    log.exception("after-cycle hook %s failed; polling goes on", hook)
        return summary

    def _cycle(self) -> CycleSummary:
        started = time.monotonic()
        summary = CycleSummary()
        self.check()
        self.cycles += 1
        if self.monotonic() < self._auth_blocked_until:
            summary.skipped = "API key rejected (103)"
            return summary
        account = self.settings.account
        listed = []
        if self.backoff.allowed("RequestList"):
            try:
                listed = self.client.request_list()
                self.backoff.success("RequestList")
                self._auth_blocked_until = 0.0  # the key works (again)
                self._reachable()
            except SmsDashError as err:
                summary.errors += 1
                self._failed("RequestList", err)
        summary.listed = len(listed)
        now = self.now()
        written = record(
            self.engine,
            Observations(
                account,
                now,
                listed=listed,
                api_calls=self._take_calls(summary),
                schedule=self.schedule,
            ),
        )
        summary.changes += written.state_changes
        if self._auth_blocked() or self._stopping.is_set():
            summary.key_rejected = self._auth_blocked()
            return self._finish(summary, started)

        # The due list is taken once, most overdue first; answers are written in small
        # batches as they arrive, so a change is stored seconds after its answer.
        due = due_requests(self.engine, account, self.now(), MAX_DUE_PER_CYCLE)
        self._poll_statuses(due, summary)
        credit = self._credit(summary)
        written = record(
            self.engine,
            Observations(
                account,
                self.now(),
                api_calls=self._take_calls(summary),
                credit=credit,
                schedule=self.schedule,
                give_up_after=self.settings.give_up_after,
            ),
        )
        summary.changes += written.state_changes
        summary.key_rejected = self._auth_blocked()
        return self._finish(summary, started)

    def _finish(self, summary: CycleSummary, started: float) -> CycleSummary:
        self.check()
        log.info(
            "account %s: cycle %d: %d requests listed, %d statuses fetched, %d changes written, "
            "%d errors, %.2f s",
            self.settings.account,
            self.cycles,
            summary.listed,
            summary.statuses,
            summary.changes,
            summary.errors,
            time.monotonic() - started,
        )
        return summary

    def _poll_statuses(self, due: list[str], summary: CycleSummary) -> None:
        """Ask for each due request (in order, ``poll_concurrency`` at a time) and write the
        answers in batches of ``write_batch`` or every ``write_interval`` seconds."""
        if not due:
            return
        answers: queue.SimpleQueue[tuple[str, list[NumberRecord] | None, datetime | None]]
        answers = queue.SimpleQueue()
        abandon = threading.Event()  # a write failed: the rest of the cycle is not asked

        def fetch(rid: str) -> None:
            numbers, defer_until = None, None
            try:
                if (
                    abandon.is_set()
                    or not self.backoff.allowed("RequestStatus")
                    or self._auth_blocked()
                    or self._stopping.is_set()
                ):
                    return
                try:
                    numbers = self.client.request_status(rid)
                    self.backoff.success("RequestStatus")
                    self._reachable()
                except SmsDashError as err:
                    with self._lock:
                        summary.errors += 1
                    if not err.retryable:
                        defer_until = self.now() + CLIENT_ERROR_RETRY
                    self._failed("RequestStatus", err)
            finally:
                answers.put((rid, numbers, defer_until))

        batch = StatusBatch(self.settings.write_batch, self.settings.write_interval)
        pool = ThreadPoolExecutor(self.settings.poll_concurrency)
        try:
            # Submitted in order: the executor's queue is first in, first out.
            futures = [pool.submit(fetch, rid) for rid in due]
            for remaining in range(len(due), 0, -1):
                while True:
                    try:
                        batch.add(*answers.get(timeout=batch.wait()))
                        break
                    except queue.Empty:
                        self._write_statuses(batch.take(), summary)
                        if all(f.done() for f in futures) and answers.empty():
                            # Each fetch puts before it ends: this would be a bug, not a wait.
                            raise RuntimeError("a status fetch ended without its answer") from None
                if batch.ready() or remaining == 1:
                    self._write_statuses(batch.take(), summary)
            for future in futures:
                future.result()  # a bug in fetch is raised here, not lost
        except BaseException:
            abandon.set()
            raise
        finally:
            pool.shutdown(wait=True, cancel_futures=True)

    def _write_statuses(self, batch: StatusBatch, summary: CycleSummary) -> None:
        if not batch.count:
            return
        written = record(
            self.engine,
            Observations(
                self.settings.account,
                self.now(),
                statuses=batch.statuses,
                api_calls=self._take_calls(summary),
                schedule=self.schedule,
                deferred=batch.deferred,
            ),
        )
        summary.statuses += len(batch.statuses)
        summary.changes += written.state_changes

    def _credit(self, summary: CycleSummary) -> float | None:
        if (
            self.monotonic() < self._next_credit
            or not self.backoff.allowed("GetUserInfo")
            or self._stopping.is_set()
        ):
            return None
        self._next_credit = self.monotonic() + self.settings.credit_interval
        try:
            info = self.client.user_info()
        except SmsDashError as err:
            summary.errors += 1
            self._failed("GetUserInfo", err)
            return None
        self.backoff.success("GetUserInfo")
        return info.credit

    def _auth_blocked(self) -> bool:
        return self.monotonic() < self._auth_blocked_until

    def _failed(self, method: str, err: SmsDashError) -> None:
        if isinstance(err, ApiError) and err.code == AUTH_ERROR:
            with self._lock:
                first = self._auth_blocked_until == 0.0
                self._auth_blocked_until = self.monotonic() + self.settings.auth_retry
            if first:
                log.error(
                    "account %s: SmsManager rejected the API key (error 103): put a valid key "
                    "from the SmsManager web interface in %s; retrying every %g s",
                    self.settings.account,
                    self.settings.key_source,
                    self.settings.auth_retry,
                )
            return
        if err.retryable:
            self.backoff.failure(method)
        if isinstance(err, TransportError) and err.outcome == "connection":
            if self._stopping.is_set():
                return
            # One line while the API stays unreachable, not a repr every cycle.
            cause = str(err)
            with self._lock:
                first, self._unreachable = self._unreachable != cause, cause
            if first:
                log.error(
                    "account %s: cannot reach the API at SMSDASH_API_URL=%s: %s (retrying)",
                    self.settings.account,
                    self.client.base_url,
                    cause,
                )
            return
        log.warning(
            "account %s: %s failed (%s): %s", self.settings.account, method, err.outcome, err
        )

    def _reachable(self) -> None:
        if self._unreachable is not None:
            self._unreachable = None
            log.info("the API at %s answers again", self.client.base_url)
