"""The alert settings: the example file, mistakes named, quiet hours, texts in both languages."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from collector.alerts import texts
from collector.alerts.config import DEFAULT_RULES, AlertSettings, QuietHours, load, parse_file
from collector.alerts.notify import Notifier, in_quiet_hours
from collector.alerts.rules import Observation
from collector.errors import ConfigError
from tests.conftest import ROOT

EXAMPLE = ROOT / "contrib" / "alerts.example.toml"


def test_the_example_file_states_exactly_the_built_in_defaults() -> None:
    settings = parse_file(EXAMPLE.read_text(encoding="utf-8"), "example")
    assert settings.rules == DEFAULT_RULES
    assert settings == AlertSettings()


def test_a_file_changes_switches_off_and_splits_rules(tmp_path: object) -> None:
    settings = parse_file(
        """
        language = "cs"
        reminder = "off"
        [rules.delivery_rate]
        threshold = 95
        split_by = "gateway"
        for = "0"
        [rules.stuck]
        enabled = false
        [quiet_hours]
        start = "22:00"
        end = "07:00"
        """,
        "f",
    )
    rate = settings.rules["delivery_rate"]
    assert (rate.threshold, rate.split_by, rate.for_) == (95.0, "gateway", timedelta(0))
    assert rate.window == timedelta(minutes=30)  # untouched defaults stay
    assert [r.name for r in settings.enabled()] == [
        "delivery_rate", "api_errors", "api_key", "credit", "collector_stale",
    ]  # fmt: skip
    assert settings.reminder is None and settings.language == "cs"
    assert settings.quiet == QuietHours(time(22), time(7), ZoneInfo("Europe/Prague"))


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("[rules.delivery_rate]\nthreshold = -1", "rules.delivery_rate.threshold"),
        ("[rules.delivery_rate]\nwindow = 'soon'", "rules.delivery_rate.window"),
        ("[rules.delivery_rate]\nmin_count = 2.5", "rules.delivery_rate.min_count"),
        ("[rules.delivery_rate]\nthreshhold = 80", "rules.delivery_rate.threshhold"),
        ("[rules.api_key]\nsplit_by = 'sender'", "rules.api_key.split_by"),
        ("[rules.stuck]\nenabled = 'yes'", "rules.stuck.enabled"),
        ("[rules.paging]\nenabled = true", "unknown rule 'paging'"),
        ("[rules.credit]\nrunway = '0'", "rules.credit needs runway or min_credit"),
        ("[quiet_hours]\nstart = '25:00'\nend = '07:00'", "quiet_hours.start"),
        ("[quiet_hours]\nstart = '22:00'", "[quiet_hours] needs start and end"),
        ("language = 'de'", "language"),
        ("colour = 'red'", "unknown setting(s) colour"),
        ("[rules", "not valid TOML"),
    ],
)
def test_every_mistake_in_the_file_is_named(text: str, named: str) -> None:
    with pytest.raises(ConfigError) as err:
        parse_file(text, "SMSDASH_ALERTS_FILE x.toml")
    assert named in str(err.value) and "x.toml" in str(err.value)


def test_the_environment_gives_targets_links_and_the_heartbeat() -> None:
    settings = load(
        {
            "SMSDASH_NOTIFY": "json://127.0.0.1:1/a, mailto://127.0.0.1:2/x@example.com?from=s@example.com\njson://h/b",
            "SMSDASH_DASHBOARD_URL": "https://dash.example.com",
            "SMSDASH_HEARTBEAT_URL": "https://hc-ping.com/uuid",
            "SMSDASH_LANGUAGE": "cs",
        }
    )
    assert len(settings.notify) == 3 and settings.language == "cs"
    assert settings.heartbeat_url == "https://hc-ping.com/uuid"
    assert len(Notifier(settings.notify).labels) == 3


def test_target_labels_never_show_a_password() -> None:
    notifier = Notifier(["mailtos://ops:Hunter2Secret@smtp.example.com?to=a@example.com"])
    assert "Hunter2Secret" not in notifier.labels[0]


def test_quiet_hours_across_midnight_cover_the_night_only() -> None:
    quiet = QuietHours(time(22), time(7), ZoneInfo("Europe/Prague"))
    winter = datetime(2026, 1, 15, tzinfo=UTC)  # Prague is UTC+1
    assert in_quiet_hours(quiet, winter.replace(hour=21, minute=30))  # 22:30 local
    assert in_quiet_hours(quiet, winter.replace(hour=5, minute=59))  # 06:59 local
    assert not in_quiet_hours(quiet, winter.replace(hour=6))  # 07:00 local
    assert not in_quiet_hours(quiet, winter.replace(hour=12))
    assert not in_quiet_hours(None, winter)


def test_the_texts_carry_the_figures_in_english_and_czech() -> None:
    obs = Observation(
        "delivery_rate", "", True, 71.2, 90.0,
        {"pct": 71.2, "n": 240, "window": 1800.0, "threshold": 90.0},
    )  # fmt: skip
    assert texts.describe(obs, "en") == (
        "Delivered 71 % of 240 messages in the last 30 min (threshold 90 %)"
    )
    assert texts.describe(obs, "cs") == (
        "Doručeno 71 % z 240 zpráv za posledních 30 min (práh 90 %)"
    )
    near = Observation("delivery_rate", "", True, 89.7, 90.0, {**obs.figures, "pct": 89.7})
    assert texts.describe(near, "en").startswith("Delivered 89.7 % of 240")
    assert texts.title("firing", "delivery_rate", "MyShop", "cs") == (
        "[smsdash] PROBLÉM: Úspěšnost doručení (MyShop)"
    )
    assert texts.link("https://d.example/", "stuck", "high", "gateway", "cs") == (
        "https://d.example/backlog?range=24h&lang=cs&gateway=high"
    )
