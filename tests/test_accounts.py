"""The accounts file: keys from a variable or a file, per-account settings, clear errors."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from collector.__main__ import main
from collector.accounts import load_accounts
from collector.errors import ConfigError
from tests.conftest import ROOT


def write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "accounts.toml"
    path.write_text(text)
    return str(path)


def test_each_account_gets_its_key_and_its_own_settings_over_the_shared_ones(
    tmp_path: Path,
) -> None:
    key_file = tmp_path / "shop.key"
    key_file.write_text("shop-secret-key-1\n")
    key_file.chmod(0o600)
    path = write(
        tmp_path,
        f"""
[[account]]
name = "shop"
key_file = "{key_file}"
poll_interval = 10
poll_concurrency = 8

[[account]]
name = "clinic"
key_env = "CLINIC_KEY"
api_url = "http://127.0.0.1:8800/"
give_up_after = "24h"
""",
    )
    env = {"CLINIC_KEY": "clinic-secret-key-2", "SMSDASH_POLL_INTERVAL": "45"}
    shop, clinic = load_accounts(path, {"read_timeout": "12"}, env)
    assert (shop.account, shop.api_key, shop.poll_interval, shop.poll_concurrency) == (
        "shop",
        "shop-secret-key-1",
        10.0,
        8,
    )
    assert (clinic.account, clinic.api_key, clinic.poll_interval) == (
        "clinic",
        "clinic-secret-key-2",
        45.0,
    )
    assert clinic.api_url == "http://127.0.0.1:8800/" and clinic.give_up_after.days == 1
    assert shop.read_timeout == clinic.read_timeout == 12.0
    assert "CLINIC_KEY" in clinic.key_source and str(key_file) in shop.key_source


@pytest.mark.parametrize(
    ("entry", "named"),
    [
        ('key = "plain-text-key-123"', "key_env"),
        ('key_env = "NOT_SET_ANYWHERE"', "NOT_SET_ANYWHERE"),
        ('key_env = "K"\nkey_file = "/k"', "exactly one"),
        ('key_env = "K"\npoll_intervall = 3', "poll_intervall"),
        ('key_env = "K"\npoll_concurrency = 0', "SMSDASH_POLL_CONCURRENCY"),
        ('key_env = "K"\napi_url = "http://gateway.example/"', "SMSDASH_API_URL"),
        ('key_env = "K"\ndatabase_url = "sqlite:///x.db"', "database_url"),
        ('key_file = "/nonexistent/key"', "/nonexistent/key"),
    ],
)
def test_a_bad_account_entry_fails_naming_the_account_and_the_field(
    tmp_path: Path, entry: str, named: str
) -> None:
    path = write(tmp_path, f'[[account]]\nname = "shop"\n{entry}\n')
    with pytest.raises(ConfigError) as err:
        load_accounts(path, {}, {"K": "some-key-123"})
    assert "'shop'" in str(err.value) and named in str(err.value)
    assert "plain-text-key-123" not in str(err.value)


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("", "no [[account]]"),
        ("[[account]]\nname = 'a'\nkey_env = 'K'\n[[account]]\nname = 'a'\nkey_env = 'K'", "twice"),
        ("[[account]]\nkey_env = 'K'", "name"),
        ("[account]\nname = 'a'", "[[account]]"),
        ("[[account]\n", "TOML"),
        ("[defaults]\n", "defaults"),
        ('[[account]]\nname = "a\\u0000b"\nkey_env = "K"', "control"),
        ('[[account]]\nname = "a\\u200eb"\nkey_env = "K"', "control"),
    ],
)
def test_a_bad_accounts_file_fails_with_a_message(tmp_path: Path, text: str, named: str) -> None:
    with pytest.raises(ConfigError) as err:
        load_accounts(write(tmp_path, text), {}, {"K": "some-key-123"})
    assert named in str(err.value) and "SMSDASH_ACCOUNTS_FILE" in str(err.value)


def test_a_key_file_other_users_can_read_is_used_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    key_file = tmp_path / "open.key"
    key_file.write_text("open-secret-key-3")
    key_file.chmod(0o644)
    path = write(tmp_path, f'[[account]]\nname = "shop"\nkey_file = "{key_file}"\n')
    with caplog.at_level(logging.WARNING):
        (shop,) = load_accounts(path, {}, {})
    assert shop.api_key == "open-secret-key-3"
    assert "chmod 600" in caplog.text and "open-secret-key-3" not in caplog.text


def test_an_accounts_file_with_a_single_account_key_set_too_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    path = write(tmp_path, '[[account]]\nname = "shop"\nkey_env = "K"\n')
    monkeypatch.setenv("K", "some-key-123")
    monkeypatch.setenv("SMSDASH_API_KEY", "single-key-456")
    db = f"sqlite:///{tmp_path / 'x.db'}"
    assert main(["once", "--accounts-file", path, "--database-url", db]) == 2
    assert "SMSDASH_API_KEY" in caplog.text and "accounts file" in caplog.text


def test_the_example_accounts_file_is_valid() -> None:
    env = {"SHOP_SMSMANAGER_KEY": "example-key-1", "CLINIC_SMSMANAGER_KEY": "example-key-2"}
    example = ROOT / "contrib" / "accounts.example.toml"
    shop, clinic = load_accounts(str(example), {}, env)
    assert (shop.account, clinic.account) == ("shop", "clinic")
    assert clinic.poll_interval == 60 and clinic.poll_concurrency == 2
