"""Several accounts' pollers side by side, each in its own thread."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

from collector.poller import Poller

T = TypeVar("T")


def each_account(pollers: list[Poller], work: Callable[[Poller], T]) -> list[T]:
    """``work`` for every account at once, each in its own thread: one account's slow or
    failing gateway never holds up another's. The first error is raised after all end."""
    if len(pollers) == 1:
        return [work(pollers[0])]
    results: dict[int, T] = {}
    errors: list[BaseException] = []

    def one(index: int, poller: Poller) -> None:
        try:
            results[index] = work(poller)
        except BaseException as err:  # raised in the main thread below
            errors.append(err)
            for other in pollers:  # the database is gone, say: every account stops
                other.stop()

    threads = [
        threading.Thread(target=one, args=(i, p), name=f"account-{p.settings.account}")
        for i, p in enumerate(pollers)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        while thread.is_alive():
            thread.join(timeout=0.5)  # short waits: signal handlers run in this thread
    if errors:
        raise errors[0]
    return [results[i] for i in range(len(pollers))]
