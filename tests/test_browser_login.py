"""Login end to end in Chromium against a real OpenID Connect provider on loopback."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import Any

import pytest

from db.engine import make_engine
from db.migrate import upgrade
from tests.seed import MESSAGES, seed
from tests.served import browser, streamlit
from tests.test_browser import ARTIFACTS, SCREENSHOT, free_port

pytestmark = pytest.mark.browser
# What must never reach a visitor who is not let in: senders, numbers, request ids.
SECRETS = sorted({m.sender for m in MESSAGES} | {m.number for m in MESSAGES})
PAGES = [
    ("", "Overview", "Delivery receipts"),
    ("backlog", "Backlog", "Stuck messages"),
    ("errors", "Errors", "Failures by code"),
    ("messages", "Messages", "Download CSV"),
    ("health", "Collector health", "Credit runway"),
]


@pytest.fixture(scope="module")
def provider() -> Iterator[str]:
    from oidc_provider_mock import User, run_server_in_thread

    users = [
        User(sub="alice", claims={"email": "alice@example.com", "email_verified": True}),
        User(sub="mallory", claims={"email": "mallory@elsewhere.example", "email_verified": True}),
    ]
    with run_server_in_thread(port=free_port(), user_claims=users) as server:
        yield f"http://localhost:{server.server_port}"


@pytest.fixture(scope="module")
def dashboard(tmp_path_factory: pytest.TempPathFactory, provider: str) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("login")
    engine = make_engine(f"sqlite:///{folder / 'smsdash.db'}")
    upgrade(engine)
    seed(engine)
    engine.dispose()
    port = free_port()
    secrets_file = folder / "secrets.toml"
    secrets_file.write_text(
        "[auth]\n"
        f'redirect_uri = "http://127.0.0.1:{port}/oauth2callback"\n'
        f'cookie_secret = "{secrets.token_hex(32)}"\n'
        'client_id = "smsdash"\n'
        'client_secret = "smsdash-secret"\n'
        f'server_metadata_url = "{provider}/.well-known/openid-configuration"\n'
    )
    env = {
        "SMSDASH_DATABASE_URL": f"sqlite:///{folder / 'smsdash.db'}",
        "SMSDASH_ALLOWED_EMAILS": "alice@example.com",
        # The provider on loopback speaks plain HTTP.
        "AUTHLIB_INSECURE_TRANSPORT": "1",
    }
    log = ARTIFACTS / "login-streamlit.log"
    ARTIFACTS.mkdir(exist_ok=True)
    with streamlit(env, "--secrets.files", str(secrets_file), port=port, log=log) as base:
        yield base


def record_frames(page: Any) -> list[bytes]:
    """Everything the server sends over the page's websocket."""
    frames: list[bytes] = []

    def on_socket(socket: Any) -> None:
        socket.on(
            "framereceived",
            lambda payload: frames.append(
                payload if isinstance(payload, bytes) else payload.encode()
            ),
        )

    page.on("websocket", on_socket)
    return frames


def assert_no_data(page: Any, frames: list[bytes]) -> None:
    shown = page.content()
    for value in SECRETS:
        assert value not in shown, value
        assert not any(value.encode() in f for f in frames), value
    assert page.get_by_test_id("stMetric").count() == 0
    assert page.get_by_test_id("stDataFrame").count() == 0


def sign_in(page: Any, who: str) -> None:
    from playwright.sync_api import expect

    page.get_by_role("button", name="Sign in").click()
    choice = page.get_by_role("button", name=who, exact=True)
    expect(choice).to_be_visible(timeout=30_000)
    choice.click()


def test_a_visitor_who_is_not_signed_in_sees_only_the_login_screen(dashboard: str) -> None:
    from playwright.sync_api import expect

    with browser() as (context, refused):
        page = context.new_page()
        frames = record_frames(page)
        for path, _title, _text in PAGES:
            page.goto(f"{dashboard}/{path}?numbers=full&sender=MyShop")
            expect(page.get_by_role("heading", name="smsdash: sign in")).to_be_visible(
                timeout=30_000
            )
            expect(page.get_by_role("button", name="Sign in")).to_be_visible()
            page.wait_for_timeout(300)
            assert_no_data(page, frames)
        assert frames, "the page did talk to the server"
        page.screenshot(
            path=str(ARTIFACTS / "login-screen.png"), full_page=True, timeout=SCREENSHOT
        )
        assert not refused


def test_an_allowed_user_sees_every_page_and_can_sign_out(dashboard: str) -> None:
    from playwright.sync_api import expect

    with browser() as (context, _refused):
        page = context.new_page()
        page.goto(dashboard)
        sign_in(page, "alice")
        expect(page.get_by_role("heading", name="Overview", exact=True)).to_be_visible(
            timeout=60_000
        )
        sidebar = page.get_by_test_id("stSidebar")
        expect(sidebar.get_by_text("alice@example.com")).to_be_visible()
        for path, title, text in PAGES:
            page.goto(f"{dashboard}/{path}")
            expect(page.get_by_role("heading", name=title, exact=True)).to_be_visible(
                timeout=60_000
            )
            expect(page.get_by_text(text).first).to_be_visible(timeout=30_000)
            figures = page.get_by_test_id("stMetric").or_(page.get_by_test_id("stDataFrame"))
            expect(figures.first).to_be_visible(timeout=30_000)
            assert page.locator("[data-testid='stException']").count() == 0
        page.screenshot(
            path=str(ARTIFACTS / "login-allowed.png"), full_page=True, timeout=SCREENSHOT
        )
        page.get_by_test_id("stSidebar").get_by_role("button", name="Sign out").click()
        end = page.get_by_role("button", name="End session")
        end.wait_for(timeout=30_000)
        end.click()
        expect(page.get_by_role("heading", name="smsdash: sign in")).to_be_visible(timeout=60_000)
        frames = record_frames(page)
        page.goto(f"{dashboard}/messages")
        expect(page.get_by_role("heading", name="smsdash: sign in")).to_be_visible(timeout=60_000)
        page.wait_for_timeout(300)
        assert_no_data(page, frames)


def test_a_signed_in_user_outside_the_allow_list_is_refused(dashboard: str) -> None:
    from playwright.sync_api import expect

    with browser() as (context, _refused):
        page = context.new_page()
        frames = record_frames(page)
        page.goto(dashboard)
        sign_in(page, "mallory")
        expect(page.get_by_role("heading", name="Access refused")).to_be_visible(timeout=60_000)
        expect(page.get_by_text("mallory@elsewhere.example")).to_be_visible()
        for path, _title, _text in PAGES:
            page.goto(f"{dashboard}/{path}")
            expect(page.get_by_role("heading", name="Access refused")).to_be_visible(timeout=60_000)
        page.wait_for_timeout(300)
        assert_no_data(page, frames)
        page.screenshot(
            path=str(ARTIFACTS / "login-refused.png"), full_page=True, timeout=SCREENSHOT
        )
