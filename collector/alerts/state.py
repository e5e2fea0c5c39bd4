"""ok → pending → firing → resolved, per alert instance, persisted with the notifications it owes.

Every transition and the notifications it causes are written in one transaction, before
anything is sent: a restart (even after ``kill -9``) finds a firing instance firing and its
owed notifications still owed, so it neither forgets an episode nor opens it twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from collector.alerts import texts
from collector.alerts.config import AlertSettings, Rule
from collector.alerts.rules import Observation
from db.models import AlertEpisode, AlertNotification, AlertState


@dataclass
class Transitions:
    fired: int = 0
    resolved: int = 0
    reminded: int = 0
    notifications: int = 0


def apply(
    engine: Engine,
    account: str,
    settings: AlertSettings,
    observations: list[Observation],
    now: datetime,
    targets: list[str],
) -> Transitions:
    """Move every instance on by what was just observed; owed notifications become rows."""
    done = Transitions()
    seen = {(o.rule, o.key): o for o in observations}
    with Session(engine) as session, session.begin():
        stored = {
            (s.rule, s.key): s
            for s in session.scalars(select(AlertState).where(AlertState.account == account))
        }
        # An instance that is no longer reported (a disabled rule, a sender gone quiet)
        # counts as a condition that no longer holds.
        for (rule_name, key), row in stored.items():
            if (rule_name, key) not in seen and row.status != "ok":
                seen[(rule_name, key)] = Observation(
                    rule_name, key, False, row.value, row.threshold, {}
                )
        for (rule_name, key), obs in seen.items():
            found = stored.get((rule_name, key))
            if found is None:
                if not obs.active:
                    continue  # never store a row only to say all is well
                found = AlertState(account=account, rule=rule_name, key=key, status="ok")
                session.add(found)
            rule = settings.rules.get(rule_name) or Rule(rule_name)
            _step(session, found, obs, rule, settings, now, targets, done)
    return done


def _step(
    session: Session,
    row: AlertState,
    obs: Observation,
    rule: Rule,
    settings: AlertSettings,
    now: datetime,
    targets: list[str],
    done: Transitions,
) -> None:
    row.evaluated_at = now
    if obs.figures:
        row.value, row.threshold = obs.value, obs.threshold
        row.text = texts.describe(obs, settings.language)
    lang = settings.language
    link = texts.link(settings.dashboard_url, row.rule, row.key, rule.split_by, lang)
    if obs.active:
        row.clear_since = None
        if row.status == "ok":
            row.status, row.pending_since = "pending", now
        if row.status == "pending" and now - (row.pending_since or now) >= rule.for_:
            episode = AlertEpisode(
                account=row.account,
                rule=row.rule,
                key=row.key,
                pending_since=row.pending_since or now,
                started_at=now,
                value=row.value,
                threshold=row.threshold,
                text=row.text or "",
            )
            session.add(episode)
            session.flush()
            row.status, row.episode_id = "firing", episode.id
            done.fired += 1
            body = texts.body("firing", row.text or "", lang, link)
            done.notifications += _owe(session, episode, "firing", body, lang, now, targets)
        elif row.status == "firing" and settings.reminder is not None:
            current = session.get(AlertEpisode, row.episode_id)
            if current is not None and now - (current.reminded_at or current.started_at) >= (
                settings.reminder
            ):
                current.reminded_at = now
                done.reminded += 1
                body = texts.body("reminder", row.text or "", lang, link)
                done.notifications += _owe(session, current, "reminder", body, lang, now, targets)
        return
    if row.status == "pending":
        row.status, row.pending_since = "ok", None
    elif row.status == "firing":
        row.clear_since = row.clear_since or now
        if now - row.clear_since >= rule.resolve_after:
            ended = session.get(AlertEpisode, row.episode_id)
            if ended is not None:
                ended.resolved_at = now
                lasted = (now - ended.started_at).total_seconds()
                body = texts.body("resolved", row.text or "", lang, link, lasted)
                done.notifications += _owe(session, ended, "resolved", body, lang, now, targets)
            row.status, row.episode_id = "ok", None
            row.pending_since = row.clear_since = None
            done.resolved += 1


def _owe(
    session: Session,
    episode: AlertEpisode,
    kind: str,
    body: str,
    lang: str,
    now: datetime,
    targets: list[str],
) -> int:
    title = texts.title(kind, episode.rule, episode.key, lang)
    for target in targets:
        session.add(
            AlertNotification(
                episode_id=episode.id,
                account=episode.account,
                kind=kind,
                target=target,
                status="pending",
                title=title,
                body=body,
                created_at=now,
                attempts=0,
                next_attempt_at=now,
            )
        )
    return len(targets)
