"""How fresh the database is: when each state change appears, against when it happened.

A watcher reads new ``state_changes`` rows every 0.1 s in its own engine (as the dashboard
would) and stamps their first sighting; the client stamps every status answer; the simulator
gives each number's steps in gateway time with its clock's reading, converted to this
machine's monotonic clock. All three are in one clock, so the differences are real waits.
"""

from __future__ import annotations

import statistics
import threading
import time
from collections import defaultdict
from datetime import datetime
from typing import Any

import requests
from sqlalchemy import text

from collector.client import SmsManagerClient
from db.engine import make_engine
from db.records import NumberRecord

KINDS = {"request_state": 1, "receipt": 2}  # position of each code in a simulator step


class TimedClient(SmsManagerClient):
    """Remembers when each status answer arrived (monotonic), by request id."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.answered: dict[str, list[float]] = defaultdict(list)

    def request_status(self, request_id: str) -> list[NumberRecord]:
        numbers = super().request_status(request_id)
        self.answered[request_id].append(time.monotonic())
        return numbers


class Watcher(threading.Thread):
    """First sighting of every per-number state-change row."""

    def __init__(self, db_url: str, period: float = 0.1) -> None:
        super().__init__(name="watcher", daemon=True)
        self.engine = make_engine(db_url)
        self.period = period
        self.rows: list[tuple[float, str, str, str, str, int | None, int | None]] = []
        self._done = threading.Event()
        self._last = 0

    def run(self) -> None:
        query = text(
            "SELECT id, account, request_id, number, kind, old_code, new_code "
            "FROM state_changes WHERE id > :last AND number IS NOT NULL ORDER BY id"
        )
        while not self._done.is_set():
            try:
                with self.engine.connect() as conn:
                    found = conn.execute(query, {"last": self._last}).all()
            except Exception:  # the schema may not exist yet
                found = []
            seen = time.monotonic()
            for row in found:
                self._last = max(self._last, row[0])
                self.rows.append((seen, *row[1:]))
            self._done.wait(self.period)

    def first_after(self, start: float) -> float | None:
        return next((seen for seen, *_rest in self.rows if seen >= start), None)

    def stop(self) -> None:
        self._done.set()
        self.join(timeout=30)
        self.engine.dispose()


def histories(url: str, key: str) -> dict[tuple[str, str, str], list[tuple[float, int]]]:
    """(request id, number, kind) -> [(monotonic time, code)] of every transition so far."""
    body = requests.get(url + "_simulator/history", params={"apikey": key}, timeout=120).json()
    now_gw = datetime.fromisoformat(body["gateway_now"])
    now_mono, scale = float(body["monotonic_now"]), float(body["scale"])
    found: dict[tuple[str, str, str], list[tuple[float, int]]] = {}
    for rid, numbers in body["requests"].items():
        for number, steps in numbers.items():
            for kind, pos in KINDS.items():
                moves: list[tuple[float, int]] = []
                for step in steps:
                    code = int(step[pos])
                    if not moves or moves[-1][1] != code:
                        gw = datetime.fromisoformat(step[0])
                        moves.append((now_mono - (now_gw - gw).total_seconds() / scale, code))
                found[(rid, number, kind)] = moves
    return found


def measure(
    watcher: Watcher,
    answered: dict[str, list[float]],
    moves: dict[tuple[str, str, str], list[tuple[float, int]]],
    account: str,
    since: float,
) -> dict[str, list[float]]:
    """Per change of a known message seen after ``since``: change→row, answer→row, and the
    wait from the change until its request's next answer (its turn in the cycle)."""
    out: dict[str, list[float]] = {"change_to_row": [], "answer_to_row": [], "turn_wait": []}
    for seen, acct, rid, number, kind, old, new in watcher.rows:
        if acct != account or seen < since:
            continue
        answer = max((t for t in answered.get(rid, ()) if t <= seen), default=None)
        if answer is None:
            continue
        out["answer_to_row"].append(seen - answer)
        if old is None:
            continue  # a first sighting: its "change" happened before the collector knew it
        change = max(
            (t for t, code in moves.get((rid, number, kind), ()) if code == new and t <= answer),
            default=None,
        )
        if change is not None:
            out["change_to_row"].append(seen - change)
            out["turn_wait"].append(answer - change)
    return out


def percentiles(values: list[float]) -> dict[str, float | int | None]:
    if not values:
        return {"n": 0, "p50_s": None, "p99_s": None, "max_s": None}
    ordered = sorted(values)
    p99 = ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]
    return {
        "n": len(values),
        "p50_s": round(statistics.median(ordered), 2),
        "p99_s": round(p99, 2),
        "max_s": round(ordered[-1], 2),
    }
