"""Settings as the README's configuration table promises them: durations, precedence, bounds."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from collector.__main__ import main
from collector.errors import ConfigError
from collector.settings import load


@pytest.mark.parametrize(
    ("raw", "seconds"),
    [("90", 90), ("30m", 1800), ("72h", 72 * 3600), ("3d", 3 * 86400), ("1.5h", 5400)],
)
def test_a_duration_setting_reads_seconds_minutes_hours_and_days(raw: str, seconds: int) -> None:
    from_variable = load(environ={"SMSDASH_GIVE_UP_AFTER": raw})
    from_flag = load({"give_up_after": raw}, environ={})
    assert from_variable.give_up_after == from_flag.give_up_after == timedelta(seconds=seconds)


@pytest.mark.parametrize("raw", ["0", "0m", "-3h", "3w", "h", "72 hours", ""])
def test_a_duration_that_is_not_one_fails_naming_the_setting(raw: str) -> None:
    if raw == "":  # an empty variable counts as unset: the default
        assert load(environ={"SMSDASH_GIVE_UP_AFTER": raw}).give_up_after == timedelta(hours=72)
        return
    with pytest.raises(ConfigError, match="SMSDASH_GIVE_UP_AFTER"):
        load(environ={"SMSDASH_GIVE_UP_AFTER": raw})


def test_a_flag_wins_over_its_variable() -> None:
    environ = {
        "SMSDASH_POLL_INTERVAL": "9",
        "SMSDASH_GIVE_UP_AFTER": "3d",
        "SMSDASH_ACCOUNT": "from-variable",
        "SMSDASH_API_KEY": "variable-key",
    }
    flags = {"poll_interval": "5", "give_up_after": "30m", "account": "from-flag"}
    settings = load(flags, environ)
    assert settings.poll_interval == 5.0
    assert settings.give_up_after == timedelta(minutes=30)
    assert settings.account == "from-flag"
    assert settings.api_key == "variable-key"  # no flag given: the variable counts
    assert load({"poll_interval": None}, environ).poll_interval == 9.0


@pytest.mark.parametrize("name", ["a\x00b", "tab\there", "bad\udcffbyte", "x" * 65])
def test_an_account_name_no_database_stores_as_it_is_fails_naming_the_setting(name: str) -> None:
    with pytest.raises(ConfigError, match="SMSDASH_ACCOUNT"):
        load(environ={"SMSDASH_ACCOUNT": name})


def test_an_account_name_in_any_script_is_kept() -> None:
    assert load(environ={"SMSDASH_ACCOUNT": "Účet Žluťoučký 🙂"}).account == "Účet Žluťoučký 🙂"


@pytest.mark.parametrize(("raw", "ok"), [("1", True), ("64", True), ("0", False), ("65", False)])
def test_the_poll_concurrency_is_between_1_and_64(raw: str, ok: bool) -> None:
    if ok:
        assert load(environ={"SMSDASH_POLL_CONCURRENCY": raw}).poll_concurrency == int(raw)
    else:
        with pytest.raises(ConfigError, match="SMSDASH_POLL_CONCURRENCY"):
            load(environ={"SMSDASH_POLL_CONCURRENCY": raw})


def test_once_exits_3_when_the_database_is_not_one(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "smsdash.db"
    path.write_bytes(b"this is a text file, not SQLite " * 64)
    argv = ["once", "--api-key", "k3y-secret", "--api-url", "http://127.0.0.1:9/"]
    assert main([*argv, "--database-url", f"sqlite:///{path}"]) == 3
    lines = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
    assert lines == [f"database SQLite file {path}: file is not a database"]
    assert "k3y-secret" not in caplog.text
