"""The login gate: OpenID Connect through Streamlit, an allow-list, loopback-only without login."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Any

import streamlit as st
from streamlit.logger import get_logger

from dashboard.i18n import t
from dashboard.settings import DashboardSettings
from db.codes import Lang

# Streamlit's own logger set-up: same format and level as its lines in the server log.
log = get_logger("smsdash.dashboard")


def login_configured() -> bool:
    """True when ``.streamlit/secrets.toml`` has an ``[auth]`` section (Streamlit's OIDC)."""
    try:
        return bool(st.secrets.load_if_toml_exists() and "auth" in st.secrets)
    except Exception:  # an unreadable secrets file: Streamlit logs it; no login then
        return False


def listen_address() -> str:
    return str(st.get_option("server.address") or "")


def loopback(address: str) -> bool:
    if address == "localhost":
        return True
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False  # empty (all interfaces) or a host name


def allowed(user: Mapping[str, Any], settings: DashboardSettings) -> bool:
    """Is this signed-in user on the allow-list? An empty allow-list lets no one in."""
    email = str(user.get("email") or "").strip().lower()
    if not email or "@" not in email or user.get("email_verified") is False:
        return False
    domain = email.rsplit("@", 1)[1]
    return email in settings.allowed_emails or domain in settings.allowed_domains


@st.cache_resource(show_spinner=False)
def _announce(login: bool, address: str) -> None:
    # Once per process: the operator reads the server log, not the page.
    if login:
        log.info("dashboard: sign-in required (OpenID Connect); listening on %r", address)
    elif loopback(address):
        log.warning(
            "dashboard: no login configured, so it listens on %s only "
            "(see 'Putting the dashboard on a network' in the README)",
            address,
        )
    else:
        log.error(
            "dashboard: no login configured but server.address is %r: refusing to show data; "
            "configure [auth] in .streamlit/secrets.toml or listen on 127.0.0.1",
            address or "all interfaces",
        )


def gate(settings: DashboardSettings, lang: Lang) -> bool:
    """Let the visitor through or stop the script; True when login is in force."""
    login, address = login_configured(), listen_address()
    _announce(login, address)
    if not login:
        if not loopback(address):
            st.title(t("open_network_title", lang))
            st.error(t("open_network_body", lang))
            st.stop()
        st.sidebar.caption(t("local_only", lang, address=address))
        return False
    user = st.user
    if not user.is_logged_in:
        st.title(t("login_title", lang))
        st.write(t("login_body", lang))
        st.button(t("login", lang), on_click=st.login, type="primary", key="login")
        st.stop()
    if not allowed(user.to_dict(), settings):
        log.warning("dashboard: refused %r: not on the allow-list", str(user.get("email")))
        st.title(t("refused_title", lang))
        st.write(t("refused_body", lang))
        st.text(str(user.get("email") or ""))
        st.button(t("logout", lang), on_click=st.logout, key="logout")
        st.stop()
    st.sidebar.text(str(user.get("email")))
    st.sidebar.button(t("logout", lang), on_click=st.logout, key="logout")
    return True
