"""Sending owed notifications through Apprise: one target at a time, retried, every try recorded.

Delivery is at-least-once per target: a notification is a row before it is sent and is
marked sent only after Apprise reports success. A crash between the two (the target has it,
the row still says pending) sends it again after the restart; nothing else can repeat it.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import parse_qsl, unquote, urlsplit

import apprise
from sqlalchemy import Engine, exists, insert, select, update
from sqlalchemy.orm import Session

from collector.alerts.config import QuietHours
from collector.errors import ConfigError
from db.models import AlertEpisode, AlertNotification

log = logging.getLogger(__name__)
# After the first try: 1 min, 5 min, 15 min, 1 h; then it stays failed.
RETRY_AFTER = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=15),
    timedelta(hours=1),
)
MAX_ATTEMPTS = len(RETRY_AFTER) + 1
BATCH = 100
# Sending happens inside the poll loop: past this many seconds the rest waits for the next cycle.
BUDGET_SECONDS = 30.0
ERROR_CHARS = 300


@dataclass(frozen=True)
class Target:
    label: str  # Apprise's privacy form of the URL: passwords and tokens elided
    server: apprise.NotifyBase
    secrets: tuple[str, ...]


def _secrets(url: str) -> tuple[str, ...]:
    """Every part of the URL that may be a credential, to scrub from error texts."""
    parts = urlsplit(url)
    found = [parts.username or "", parts.password or "", parts.hostname or ""]
    found += [unquote(p) for p in parts.path.split("/")]
    found += [v for _k, v in parse_qsl(parts.query)]
    return tuple(sorted({s for s in found if len(s) >= 4}, key=len, reverse=True))


class Notifier:
    """The targets from SMSDASH_NOTIFY, each instantiated once at start."""

    def __init__(self, urls: tuple[str, ...] | list[str]) -> None:
        self.targets: dict[str, Target] = {}
        for number, url in enumerate(urls, 1):
            server = apprise.Apprise.instantiate(url)
            if server is None:
                scheme = url.split("://", 1)[0][:20] if "://" in url else "?"
                raise ConfigError(
                    f"SMSDASH_NOTIFY: target {number} ({scheme}://…) is not an Apprise URL "
                    "that can be used (see https://github.com/caronc/apprise/wiki)"
                )
            label = str(server.url(privacy=True))
            if label in self.targets:
                label = f"{label} #{number}"
            self.targets[label] = Target(label, server, _secrets(url))

    @property
    def labels(self) -> list[str]:
        return list(self.targets)

    def send(self, label: str, title: str, body: str) -> str | None:
        """None when the target took it, else why not (scrubbed, short). Never raises."""
        target = self.targets[label]
        try:
            sender = apprise.Apprise()
            sender.add(target.server)
            result = sender.notify(body=body, title=title)
            if result:
                return None
            reasons = [
                entry.message
                for entry in result.logs()
                if entry.level in ("WARNING", "ERROR", "CRITICAL")
            ]
            error = "; ".join(reasons) or "the target did not accept the notification"
        except Exception as exc:  # a plugin's bug must not stop the collector
            error = f"{type(exc).__name__}: {exc}"
        for secret in target.secrets:
            error = error.replace(secret, "***")
        return error[:ERROR_CHARS]


def in_quiet_hours(quiet: QuietHours | None, now: datetime) -> bool:
    return quiet is not None and quiet.covers(now.astimezone(quiet.tz).time())


def deliver(
    engine: Engine, account: str, notifier: Notifier, now: datetime, quiet: QuietHours | None
) -> tuple[int, int]:
    """Send what is owed and due; returns (sent, failed tries). Quiet hours send nothing."""
    if in_quiet_hours(quiet, now):
        return 0, 0
    with engine.connect() as conn:
        due = (
            conn.execute(
                select(AlertNotification.id)
                .where(
                    AlertNotification.status == "pending",
                    AlertNotification.account == account,
                    AlertNotification.next_attempt_at <= now,
                )
                .order_by(AlertNotification.id)
                .limit(BATCH)
            )
            .scalars()
            .all()
        )
    sent = failed = 0
    deadline = time.monotonic() + BUDGET_SECONDS
    down: set[str] = set()  # a target that just failed is not tried again in this round
    for note_id in due:
        if time.monotonic() > deadline:
            break
        outcome = _one(engine, note_id, notifier, now, down)
        sent += outcome == "sent"
        failed += outcome == "failed"
    return sent, failed


def _mark(engine: Engine, note_id: int, **values: object) -> None:
    with engine.begin() as conn:
        conn.execute(
            update(AlertNotification).where(AlertNotification.id == note_id).values(**values)
        )


def _one(engine: Engine, note_id: int, notifier: Notifier, now: datetime, down: set[str]) -> str:
    with Session(engine) as session:
        note = session.get(AlertNotification, note_id)
        if note is None or note.status != "pending" or note.target in down:
            return "later"
        episode = session.get(AlertEpisode, note.episode_id) if note.episode_id else None
        skip = None
        if note.target not in notifier.targets:
            skip = "the target is no longer in SMSDASH_NOTIFY"
        elif episode is not None and note.kind in ("firing", "reminder") and episode.resolved_at:
            skip = "resolved before it could be sent"
        elif episode is not None and note.kind == "resolved":
            firing_sent = session.scalar(
                select(
                    exists().where(
                        AlertNotification.episode_id == note.episode_id,
                        AlertNotification.target == note.target,
                        AlertNotification.kind == "firing",
                        AlertNotification.status == "sent",
                    )
                )
            )
            if not firing_sent:
                skip = "its firing notification was never sent"
        title, body, target, attempts = note.title, note.body, note.target, note.attempts
    if skip:
        _mark(engine, note_id, status="skipped", error=skip, next_attempt_at=None)
        return "skipped"
    error = notifier.send(target, title, body)
    attempts += 1
    if error is None:
        _mark(
            engine,
            note_id,
            status="sent",
            attempts=attempts,
            sent_at=now,
            next_attempt_at=None,
            error=None,
        )
        return "sent"
    down.add(target)
    log.warning("notification %d to %s failed (try %d): %s", note_id, target, attempts, error)
    if attempts >= MAX_ATTEMPTS:
        _mark(
            engine, note_id, status="failed", attempts=attempts, error=error, next_attempt_at=None
        )
    else:
        retry = now + RETRY_AFTER[attempts - 1]
        _mark(engine, note_id, attempts=attempts, error=error, next_attempt_at=retry)
    return "failed"


def send_test(
    engine: Engine, account: str, notifier: Notifier, now: datetime, lang: str
) -> list[tuple[str, str | None]]:
    """notify-test: one message to every target now, each result recorded and returned."""
    title = "[smsdash] TEST"
    body = (
        "Zkušební zpráva ze smsdash: upozornění sem dorazí."
        if lang == "cs"
        else "A test message from smsdash: alerts will reach you here."
    )
    results = []
    for label in notifier.labels:
        error = notifier.send(label, title, body)
        with engine.begin() as conn:
            conn.execute(
                insert(AlertNotification).values(
                    episode_id=None,
                    account=account,
                    kind="test",
                    target=label,
                    status="sent" if error is None else "failed",
                    title=title,
                    body=body,
                    created_at=now,
                    attempts=1,
                    sent_at=now if error is None else None,
                    error=error,
                )
            )
        results.append((label, error))
    return results
