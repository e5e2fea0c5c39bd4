"""The state paths a simulated number walks, by last digit (tests) or at random (demos)."""

from __future__ import annotations

import random
from dataclasses import dataclass

# (offset in gateway seconds from the request's start, request state, receipt)
Step = tuple[float, int, int]
NEVER_DELIVERED = "420777777777"

_QUEUE: list[Step] = [(0, 0, 0), (2, 9, 0), (5, 1, 0)]
_SENT: list[Step] = [*_QUEUE, (10, 2, 0)]


def _after_sent(*receipts: tuple[float, int]) -> list[Step]:
    return [*_SENT, *((t, 2, r) for t, r in receipts)]


# The documented deterministic table (README: "Simulator outcomes").
BY_LAST_DIGIT: dict[str, list[Step]] = {
    "0": _after_sent((15, 1), (25, 2)),
    "1": _after_sent((15, 1), (40, 3)),
    "2": _after_sent((15, 1), (30, 5), (240, 6)),
    "3": _after_sent((15, 1), (30, 7)),
    "4": _after_sent((15, 1), (45, 8)),
    "5": [
        *_QUEUE,
        (10, 5, 0),
        (40, 1, 0),
        (45, 5, 0),
        (75, 1, 0),
        (80, 2, 0),
        (85, 2, 1),
        (95, 2, 2),
    ],
    "6": [*_QUEUE, (10, 5, 0), (60, 7, 0)],
    "7": _after_sent((15, 1), (30, 4), (60, 2)),
    "8": _after_sent((15, 1), (30, 5), (120, 2)),
    "9": [(0, 0, 0), (2, 9, 0), (5, 4, 0)],
}
_NEVER: list[Step] = _after_sent((15, 1))


def deterministic(number: str) -> list[Step]:
    if number == NEVER_DELIVERED:
        return list(_NEVER)
    return list(BY_LAST_DIGIT[number[-1]])


@dataclass(frozen=True)
class _Outcome:
    weight: float
    path: str


# Proportions seen on healthy traffic: most delivered within seconds, a long tail waiting.
RANDOM_OUTCOMES = {
    "delivered": _Outcome(85.0, "0"),
    "delivered_after_wait": _Outcome(5.0, "8"),
    "uncertain_then_delivered": _Outcome(1.5, "7"),
    "retried_then_delivered": _Outcome(2.0, "5"),
    "undeliverable": _Outcome(1.5, "1"),
    "expired": _Outcome(1.5, "2"),
    "invalid_number": _Outcome(1.0, "3"),
    "contact_support": _Outcome(0.5, "4"),
    "rejected": _Outcome(1.0, "6"),
    "invalid_request": _Outcome(1.0, "9"),
}


def randomized(rng: random.Random) -> list[Step]:
    names = list(RANDOM_OUTCOMES)
    name = rng.choices(names, [RANDOM_OUTCOMES[n].weight for n in names])[0]
    base = BY_LAST_DIGIT[RANDOM_OUTCOMES[name].path]
    # Stretch each gap independently: lognormal keeps most fast and leaves a long tail.
    steps: list[Step] = []
    clock = 0.0
    previous = 0.0
    for offset, state, receipt in base:
        clock += (offset - previous) * rng.lognormvariate(0, 0.6)
        if name in ("delivered_after_wait", "expired") and receipt == 5:
            clock += rng.expovariate(1 / 1800)
        previous = offset
        steps.append((clock, state, receipt))
    return steps


def with_expiration(steps: list[Step], expires_after: float | None) -> list[Step]:
    """A number not sent when its request expires is cancelled by the system (7)."""
    if expires_after is None:
        return steps
    kept: list[Step] = []
    for step in steps:
        if step[0] > expires_after and step[1] != 2 and not any(s[1] == 2 for s in kept):
            kept.append((expires_after, 7, 0))
            return kept
        kept.append(step)
    return kept


def cancelled_at(steps: list[Step], at: float) -> list[Step] | None:
    """The path after a user cancel at ``at``; None if the number was already sent or final."""
    kept = [s for s in steps if s[0] <= at]
    if any(s[1] in (2, 4, 6, 7) for s in kept):
        return None
    return [*kept, (at, 6, 0)]
