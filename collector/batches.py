"""Status answers gathered into small write batches: a batch is due by size or by age."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from db.records import NumberRecord


@dataclass
class StatusBatch:
    """Answers waiting for their write; ``age`` counts from the first one (a change waits at
    most ``interval`` before it is written)."""

    size: int
    interval: float
    statuses: dict[str, Sequence[NumberRecord]] = field(default_factory=dict)
    deferred: dict[str, datetime] = field(default_factory=dict)
    count: int = 0
    _first: float | None = None

    def add(
        self,
        request_id: str,
        numbers: Sequence[NumberRecord] | None,
        defer_until: datetime | None,
    ) -> None:
        if numbers is None and defer_until is None:
            return  # not asked (backoff, stopping) or a failure that changes nothing
        if self._first is None:
            self._first = time.monotonic()
        if numbers is not None:
            self.statuses[request_id] = numbers
        if defer_until is not None:
            self.deferred[request_id] = defer_until
        self.count += 1

    def wait(self) -> float:
        """Seconds until this batch is due by age (the full interval while it is empty)."""
        if self._first is None:
            return self.interval
        return max(0.0, self._first + self.interval - time.monotonic())

    def ready(self) -> bool:
        return self.count >= self.size or (self.count > 0 and self.wait() == 0.0)

    def take(self) -> StatusBatch:
        """This batch's answers; this object starts an empty one."""
        full = StatusBatch(self.size, self.interval, self.statuses, self.deferred, self.count)
        self.statuses, self.deferred, self.count, self._first = {}, {}, 0, None
        return full
