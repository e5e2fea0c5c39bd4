"""A test hook: hold a write transaction open so a test can kill the process inside it."""

from __future__ import annotations

import itertools
import os
import time
from pathlib import Path

# SMSDASH_TEST_PAUSE_IN_WRITE=<folder>:<n> makes the n-th write of this process stop just
# before its commit, announce that with a file in <folder>, and wait there (at most
# HOLD seconds) to be killed. Unset, as in every real run, it costs one dictionary lookup.
VARIABLE = "SMSDASH_TEST_PAUSE_IN_WRITE"
HOLD = 60.0
_writes = itertools.count(1)


def before_commit(rows: int) -> None:
    """Called inside the write transaction with the number of rows it has written."""
    wanted = os.environ.get(VARIABLE)
    if not wanted:
        return
    folder, _, nth = wanted.rpartition(":")
    if next(_writes) != int(nth):
        return
    (Path(folder) / f"in-write-{os.getpid()}").write_text(str(rows))
    time.sleep(HOLD)
