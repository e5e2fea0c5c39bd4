"""The login gate, the operator's number setting, and database trouble, under AppTest."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import data
from dashboard.auth import allowed
from dashboard.settings import SettingError, load
from db.engine import make_engine
from db.migrate import upgrade
from db.read import messages
from db.read.filters import Filters
from db.read.messages import MessageQuery
from tests.conftest import ROOT
from tests.seed import in_range, seed

APP = str(ROOT / "dashboard" / "app.py")
PAGES = ["views/backlog.py", "views/errors.py", "views/messages.py", "views/health.py"]
AUTH = {
    "redirect_uri": "http://127.0.0.1:8501/oauth2callback",
    "cookie_secret": "x" * 32,
    "client_id": "smsdash",
    "client_secret": "secret",
    "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration",
}


@pytest.fixture
def seeded_url(sqlite_url: str) -> str:
    engine = make_engine(sqlite_url)
    upgrade(engine)
    seed(engine)
    engine.dispose()
    return sqlite_url


def login_app(url: str, monkeypatch: pytest.MonkeyPatch, user: dict[str, object]) -> AppTest:
    monkeypatch.setenv("SMSDASH_DATABASE_URL", url)
    at = AppTest.from_file(APP, default_timeout=60)
    at.secrets["auth"] = AUTH
    at.user = user
    return at


def test_a_visitor_who_is_not_signed_in_sees_the_login_screen_and_no_data_is_read(
    seeded_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_data(*_args: object) -> str:
        raise AssertionError("a data function ran for a visitor who is not signed in")

    monkeypatch.setattr(data, "url", no_data)
    at = login_app(seeded_url, monkeypatch, {"is_logged_in": False}).run()
    assert not at.exception, [e.value for e in at.exception]
    assert [t.value for t in at.title] == ["smsdash: sign in"]
    assert [b.label for b in at.button] == ["Sign in"]
    assert not at.metric and not at.dataframe and not at.selectbox and not at.sidebar.selectbox


def test_a_signed_in_user_outside_the_allow_list_is_refused(
    seeded_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SMSDASH_ALLOWED_DOMAINS", "example.org")
    user = {"is_logged_in": True, "email": "mallory@example.com"}
    at = login_app(seeded_url, monkeypatch, user).run()
    assert [t.value for t in at.title] == ["Access refused"]
    assert "mallory@example.com" in [t.value for t in at.text]
    assert [b.label for b in at.button] == ["Sign out"]
    assert not at.metric and not at.dataframe


def test_an_allowed_user_sees_every_page_with_numbers_masked_by_default(
    seeded_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SMSDASH_ALLOWED_EMAILS", "alice@example.com")
    user = {"is_logged_in": True, "email": "Alice@Example.com"}
    at = login_app(seeded_url, monkeypatch, user)
    at.query_params["numbers"] = "full"
    at.run()
    assert not at.exception
    assert "Alice@Example.com" in [t.value for t in at.sidebar.text]
    assert "Sign out" in [b.label for b in at.sidebar.button]
    assert not at.toggle, "no switch for full numbers once login is configured"
    assert any("switched off by the operator" in c.value for c in at.sidebar.caption)
    for page in PAGES:
        at.switch_page(page).run()
        assert not at.exception, (page, [e.value for e in at.exception])
        assert at.header
    numbers = set(at.switch_page("views/messages.py").run().dataframe[0].value["Number"])
    assert numbers and all("•••" in n for n in numbers)


def test_the_allow_list_takes_addresses_and_domains_and_needs_a_verified_address() -> None:
    settings = load({"SMSDASH_ALLOWED_EMAILS": "a@x.cz", "SMSDASH_ALLOWED_DOMAINS": "@firm.cz"})
    assert allowed({"email": "A@X.cz"}, settings)
    assert allowed({"email": "b@firm.cz", "email_verified": True}, settings)
    assert not allowed({"email": "b@firm.cz", "email_verified": False}, settings)
    assert not allowed({"email": "b@sub.firm.cz"}, settings)
    assert not allowed({"email": "b@x.cz"}, settings)
    assert not allowed({}, settings)
    assert not allowed({"email": "a@x.cz"}, load({})), "an empty allow-list lets no one in"
    with pytest.raises(SettingError, match="SMSDASH_ALLOWED_DOMAINS"):
        load({"SMSDASH_ALLOWED_DOMAINS": "not a domain"})
    with pytest.raises(SettingError, match="SMSDASH_FULL_NUMBERS"):
        load({"SMSDASH_FULL_NUMBERS": "yes"})


def test_numbers_switched_off_by_the_operator_stay_masked_whatever_the_url_says(
    seeded_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SMSDASH_DATABASE_URL", seeded_url)
    monkeypatch.setenv("SMSDASH_FULL_NUMBERS", "never")
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["numbers"] = "full"
    at.run().switch_page("views/messages.py").run()
    assert not at.toggle
    shown = set(at.dataframe[0].value["Number"])
    assert shown == {f"{m.number[:3]} {m.number[3:6]} ••• {m.number[-3:]}" for m in in_range()}
    assert "numbers" not in at.query_params


def test_with_numbers_masked_for_good_only_a_whole_number_finds_a_message(
    seeded_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A fragment would let a viewer learn the hidden middle digits one probe at a time.
    monkeypatch.setenv("SMSDASH_DATABASE_URL", seeded_url)
    monkeypatch.setenv("SMSDASH_FULL_NUMBERS", "never")
    target = in_range()[0].number
    at = AppTest.from_file(APP, default_timeout=60)
    at.run().switch_page("views/messages.py").run()
    assert at.text_input(key="m_number").label == "Whole number"
    at.text_input(key="m_number").input(target[3:9]).run()
    assert not at.dataframe or at.dataframe[0].value.empty
    at.text_input(key="m_number").input(f"+{target[:3]} {target[3:]}").run()
    shown = list(at.dataframe[0].value["Number"])
    same = [m for m in in_range() if m.number == target]
    assert shown == [f"{target[:3]} {target[3:6]} ••• {target[-3:]}"] * len(same)


def test_a_number_fragment_finds_messages_while_numbers_may_be_shown(seeded_url: str) -> None:
    from datetime import UTC, datetime, timedelta

    now = datetime.now(UTC)
    target = in_range()[0].number
    f = Filters(now - timedelta(days=1), now)
    engine = make_engine(seeded_url)
    fragment = MessageQuery(f, number=target[3:9])
    whole = MessageQuery(f, number=target[3:9], whole_number=True)
    expected = {m.number for m in in_range() if target[3:9] in m.number}
    assert set(messages.page(engine, fragment, size=500)[0]["number"]) == expected
    assert messages.count(engine, whole) == 0
    exact = MessageQuery(f, number=target, whole_number=True)
    same = [m.number for m in in_range() if m.number == target]
    assert list(messages.page(engine, exact, size=500)[0]["number"]) == same
    engine.dispose()


@pytest.mark.parametrize("show", [False, True])
def test_the_csv_shows_numbers_as_the_screen_does(seeded_url: str, show: bool) -> None:
    from datetime import UTC, datetime, timedelta

    now = datetime.now(UTC)
    body = data.message_csv(seeded_url, MessageQuery(Filters(now - timedelta(days=1), now)), show)
    rows = list(csv.DictReader(io.StringIO(body.decode())))
    assert len(rows) == len(in_range())
    full = {m.number for m in in_range()}
    assert ({r["number"] for r in rows} == full) is show
    if not show:
        assert all("•••" in r["number"] for r in rows)


@pytest.mark.parametrize(
    ("url", "cause"),
    [
        ("mysql://user@127.0.0.1/smsdash", "not one the dashboard can use"),
        ("postgresql://nobody@127.0.0.1:1/none", "PostgreSQL cannot be reached"),
        ("sqlite:///{tmp}/not-a-database.db", "SQLite file cannot be opened"),
        ("not a url at all", "not one the dashboard can use"),
    ],
)
def test_database_trouble_is_a_page_naming_the_cause_and_what_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, url: str, cause: str
) -> None:
    (tmp_path / "not-a-database.db").write_bytes(b"this is not SQLite " * 100)
    monkeypatch.setenv("SMSDASH_DATABASE_URL", url.format(tmp=tmp_path))
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception, [e.value for e in at.exception]
    assert [t.value for t in at.title] == ["The database cannot be read"]
    assert cause in at.error[0].value
    assert at.info[0].value.startswith("What to do:")


def test_a_wrong_dashboard_setting_is_named_on_the_page(
    seeded_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SMSDASH_DATABASE_URL", seeded_url)
    monkeypatch.setenv("SMSDASH_ALLOWED_EMAILS", "alice")
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert at.title[0].value == "A dashboard setting is wrong"
    assert "SMSDASH_ALLOWED_EMAILS" in at.text[0].value


def test_without_login_the_sidebar_says_the_dashboard_is_local_only(
    seeded_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SMSDASH_DATABASE_URL", seeded_url)
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert any("No login configured" in c.value for c in at.sidebar.caption)
    assert at.toggle(key="numbers").value is False, "locally the switch is there, off"


def test_without_login_a_dashboard_listening_beyond_loopback_shows_nothing(
    seeded_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dashboard import auth

    def no_data(*_args: object) -> str:
        raise AssertionError("a data function ran on an open network without login")

    monkeypatch.setattr(auth, "listen_address", lambda: "0.0.0.0")
    monkeypatch.setattr(data, "url", no_data)
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "Not served without login"
    assert not at.metric and not at.sidebar.selectbox
    assert auth.loopback("127.0.0.1") and auth.loopback("::1") and auth.loopback("localhost")
    assert not auth.loopback("") and not auth.loopback("0.0.0.0") and not auth.loopback("host")
