"""Counts added up over several queries, and the rollup key columns they group by: pandas-free,
so the collector's /metrics shares them with the dashboard."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Engine, case


def totals(
    engine: Engine,
    queries: Sequence[Any],
    minus: Sequence[Any] = (),
    params: dict[str, Any] | None = None,
) -> Counter[tuple[Any, ...]]:
    """Run queries whose last column is a count; add the counts up per leading values.

    The counts of the ``minus`` queries are subtracted; keys that end at zero are dropped.
    """
    counts: Counter[tuple[Any, ...]] = Counter()
    with engine.connect() as conn:
        for sign, group in ((1, queries), (-1, minus)):
            for query in group:
                for row in conn.execute(query, params):
                    counts[tuple(row[:-1])] += sign * int(row[-1] or 0)
    return Counter({key: n for key, n in counts.items() if n})


def nullable(column: Any, label: str) -> ColumnElement[Any]:
    """A rollup key column with its -1 placeholder turned back into NULL."""
    return case((column == -1, None), else_=column).label(label)
