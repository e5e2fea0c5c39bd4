"""Whether a change in an outcome's share between two periods is more than chance."""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping
from typing import TypeVar

# A shift is flagged when a two-sided two-proportion z-test (pooled variance) gives a
# p-value that survives Holm's step-down correction over all outcomes tested at ALPHA.
ALPHA = 0.01
# Below these counts the normal approximation misleads and one message moves shares a lot:
# no test, no flag.
MIN_PERIOD = 30  # final messages in each of the two periods
MIN_OUTCOME = 10  # messages with the outcome, both periods together

K = TypeVar("K", bound=Hashable)


def two_proportion_p(x1: int, n1: int, x2: int, n2: int) -> float | None:
    """Two-sided p-value that x1/n1 and x2/n2 share one proportion; None when undefined."""
    if n1 <= 0 or n2 <= 0:
        return None
    pooled = (x1 + x2) / (n1 + n2)
    variance = pooled * (1 - pooled) * (1 / n1 + 1 / n2)
    if variance <= 0:
        return None
    z = (x1 / n1 - x2 / n2) / math.sqrt(variance)
    return math.erfc(abs(z) / math.sqrt(2))


def testable(x1: int, n1: int, x2: int, n2: int) -> bool:
    return n1 >= MIN_PERIOD and n2 >= MIN_PERIOD and x1 + x2 >= MIN_OUTCOME


def holm(p_values: Mapping[K, float], alpha: float = ALPHA) -> set[K]:
    """The keys whose p-value is significant under Holm's step-down correction."""
    ordered = sorted(p_values.items(), key=lambda item: item[1])
    m = len(ordered)
    flagged: set[K] = set()
    for rank, (key, p) in enumerate(ordered):
        if p > alpha / (m - rank):
            break
        flagged.add(key)
    return flagged


def shifts(now: Mapping[K, int], before: Mapping[K, int]) -> dict[K, tuple[float | None, bool]]:
    """Per outcome: the test's p-value (None when not tested) and whether the shift is flagged."""
    n1, n2 = sum(now.values()), sum(before.values())
    p_values: dict[K, float] = {}
    for key in {*now, *before}:
        x1, x2 = now.get(key, 0), before.get(key, 0)
        p = two_proportion_p(x1, n1, x2, n2) if testable(x1, n1, x2, n2) else None
        if p is not None:
            p_values[key] = p
    flagged = holm(p_values)
    return {key: (p_values.get(key), key in flagged) for key in {*now, *before}}
