"""When to poll a non-final message again: often while young, never past the horizon."""

from __future__ import annotations

from datetime import timedelta

from db.records import Schedule

# (age below which, delay): young messages every cycle, then minutes, then hourly.
STEPS = (
    (timedelta(minutes=10), timedelta(0)),
    (timedelta(hours=1), timedelta(minutes=1)),
    (timedelta(hours=6), timedelta(minutes=5)),
    (timedelta(hours=24), timedelta(minutes=15)),
)
LATE = timedelta(hours=1)


def make_schedule(horizon: timedelta) -> Schedule:
    def schedule(age: timedelta) -> timedelta | None:
        if age >= horizon:
            return None
        for below, delay in STEPS:
            if age < below:
                return delay
        return LATE

    return schedule
