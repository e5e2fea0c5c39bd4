"""What ``streamlit run dashboard/app.py`` starts: global controls, navigation, empty state."""

from __future__ import annotations

import streamlit as st
from sqlalchemy.engine import make_url

from dashboard import controls, data
from dashboard.i18n import t

AUTH_ERROR = 103

st.set_page_config(page_title="smsdash", page_icon="📨", layout="wide")

url = data.url()
state = data.state(url)
view = controls.sidebar(data.options(url) if state in ("ok", "empty") else {})
lang = view.lang

if state != "ok":
    st.title(t("no_database", lang))
    st.info(t("no_database_body", lang, url=make_url(url).render_as_string(hide_password=True)))
    st.stop()

last = data.last_calls(url, view.filters.account)
error_at, ok_at = last.last_error, last.last_ok
if last.last_error_code == AUTH_ERROR and error_at and (ok_at is None or error_at > ok_at):
    # Polling has stopped: say so on every page, not only on the health page.
    st.error(t("auth_failed", lang, when=view.local(last.last_error)))

PAGES = [
    ("overview", ":material/dashboard:"),
    ("backlog", ":material/hourglass_top:"),
    ("errors", ":material/error:"),
    ("messages", ":material/sms:"),
    ("health", ":material/monitor_heart:"),
    ("insights", ":material/insights:"),
]
st.navigation(
    [
        st.Page(
            f"views/{name}.py",
            title=t(name, lang),
            icon=icon,
            url_path=name,
            default=name == "overview",
        )
        for name, icon in PAGES
    ]
).run()
