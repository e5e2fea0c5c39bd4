"""The poll scheduler: what to ask SmsManager, when, how often, and when to stop asking."""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

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

    def allowed(self, method: str) -> bool:
        return time.monotonic() >= self.until.get(method, 0.0)

    def success(self, method: str) -> None:
        self.streak.pop(method, None)
        self.until.pop(method, None)

    def failure(self, method: str) -> None:
        streak = self.streak[method] = self.streak.get(method, 0) + 1
        if streak >= self.grace:
            delay = min(self.cap, self.base * 2 ** (streak - self.grace))
            self.until[method] = time.monotonic() + delay * self.rng.uniform(0.5, 1.5)


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
    """One account's polling loop; receives its client and engine, builds nothing itself."""

    def __init__(
        self,
        client: SmsManagerClient,
        engine: Engine,
        settings: Settings,
        check: Callable[[], None] | None = None,
    ) -> None:
        """``check`` runs before a cycle and before it reports; it raises to stop the loop
        (the database file was deleted, say)."""
        self.client = client
        self.check = check or (lambda: None)
        self.engine = engine
        self.settings = settings
        self.schedule = make_schedule(settings.give_up_after)
        self.backoff = Backoff(base=max(settings.poll_interval, 1.0))
        self._calls: list[ApiCallRecord] = []
        self._lock = threading.Lock()
        client.on_call = self._remember
        self._auth_blocked_until = 0.0
        self._next_credit = 0.0
        self._unreachable: str | None = None
        self._stopping = threading.Event()
        self.cycles = 0

    def _remember(self, call: ApiCallRecord) -> None:
        with self._lock:
            self._calls.append(call)

    def _take_calls(self, summary: CycleSummary | None = None) -> list[ApiCallRecord]:
        with self._lock:
            calls, self._calls = self._calls, []
        if summary is not None:
            summary.calls += len(calls)
            summary.failed_calls += sum(c.outcome not in ("ok", "empty") for c in calls)
        return calls

    def stop(self) -> None:
        """Cut the calls in flight (a deadline may be far off) and start no new ones."""
        self._stopping.set()
        self.client.cancel()

    def run(
        self,
        stop: threading.Event,
        after_cycle: Callable[[CycleSummary | None, float], None] | None = None,
    ) -> None:
        """Poll until ``stop`` is set; a cycle in progress finishes its write first.

        ``after_cycle`` gets each cycle's summary (None when its write failed) and seconds.
        """
        while not stop.is_set() and not self._stopping.is_set():
            started = time.monotonic()
            summary = None
            try:
                summary = self.cycle()
            except SQLAlchemyError as exc:
                log.error("%s; the next cycle will try again", explain(exc, self.engine.url))
            if after_cycle is not None:
                after_cycle(summary, time.monotonic() - started)
            stop.wait(max(0.0, self.settings.poll_interval - (time.monotonic() - started)))

    def cycle(self) -> CycleSummary:
        started = time.monotonic()
        summary = CycleSummary()
        self.check()
        self.cycles += 1
        if time.monotonic() < self._auth_blocked_until:
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
        now = utcnow()
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

        due = due_requests(self.engine, account, utcnow(), MAX_DUE_PER_CYCLE)
        statuses, deferred = self._fetch_statuses(due, summary)
        credit = self._credit(summary)
        written = record(
            self.engine,
            Observations(
                account,
                utcnow(),
                statuses=statuses,
                api_calls=self._take_calls(summary),
                credit=credit,
                schedule=self.schedule,
                give_up_after=self.settings.give_up_after,
                deferred=deferred,
            ),
        )
        summary.statuses = len(statuses)
        summary.changes += written.state_changes
        summary.key_rejected = self._auth_blocked()
        return self._finish(summary, started)

    def _finish(self, summary: CycleSummary, started: float) -> CycleSummary:
        self.check()
        log.info(
            "cycle %d: %d requests listed, %d statuses fetched, %d changes written, "
            "%d errors, %.2f s",
            self.cycles,
            summary.listed,
            summary.statuses,
            summary.changes,
            summary.errors,
            time.monotonic() - started,
        )
        return summary

    def _fetch_statuses(
        self, due: list[str], summary: CycleSummary
    ) -> tuple[dict[str, list[NumberRecord]], dict[str, datetime]]:
        statuses: dict[str, list[NumberRecord]] = {}
        deferred: dict[str, datetime] = {}

        def fetch(rid: str) -> None:
            if (
                not self.backoff.allowed("RequestStatus")
                or self._auth_blocked()
                or self._stopping.is_set()
            ):
                return
            try:
                statuses[rid] = self.client.request_status(rid)
                self.backoff.success("RequestStatus")
                self._reachable()
            except SmsDashError as err:
                with self._lock:
                    summary.errors += 1
                if not err.retryable:
                    deferred[rid] = utcnow() + CLIENT_ERROR_RETRY
                self._failed("RequestStatus", err)

        if due:
            with ThreadPoolExecutor(self.settings.poll_concurrency) as pool:
                list(pool.map(fetch, due))
        return statuses, deferred

    def _credit(self, summary: CycleSummary) -> float | None:
        if (
            time.monotonic() < self._next_credit
            or not self.backoff.allowed("GetUserInfo")
            or self._stopping.is_set()
        ):
            return None
        self._next_credit = time.monotonic() + self.settings.credit_interval
        try:
            info = self.client.user_info()
        except SmsDashError as err:
            summary.errors += 1
            self._failed("GetUserInfo", err)
            return None
        self.backoff.success("GetUserInfo")
        return info.credit

    def _auth_blocked(self) -> bool:
        return time.monotonic() < self._auth_blocked_until

    def _failed(self, method: str, err: SmsDashError) -> None:
        if isinstance(err, ApiError) and err.code == AUTH_ERROR:
            with self._lock:
                first = self._auth_blocked_until == 0.0
                self._auth_blocked_until = time.monotonic() + self.settings.auth_retry
            if first:
                log.error(
                    "SmsManager rejected the API key (error 103): set SMSDASH_API_KEY to a "
                    "valid key from the SmsManager web interface; retrying every %g s",
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
                    "cannot reach the API at SMSDASH_API_URL=%s: %s (retrying)",
                    self.client.base_url,
                    cause,
                )
            return
        log.warning("%s failed (%s): %s", method, err.outcome, err)

    def _reachable(self) -> None:
        if self._unreachable is not None:
            self._unreachable = None
            log.info("the API at %s answers again", self.client.base_url)
