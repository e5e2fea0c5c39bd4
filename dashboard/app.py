"""What ``streamlit run dashboard/app.py`` starts: global controls, navigation, empty state."""

from __future__ import annotations

import streamlit as st
from sqlalchemy.engine import make_url

from dashboard import controls, data
from dashboard.i18n import t

st.set_page_config(page_title="smsdash", page_icon="📨", layout="wide")

url = data.url()
state = data.state(url)
view = controls.sidebar(data.options(url) if state in ("ok", "empty") else {})
lang = view.lang

if state != "ok":
    st.title(t("no_database", lang))
    st.info(t("no_database_body", lang, url=make_url(url).render_as_string(hide_password=True)))
    st.stop()

PAGES = [
    ("overview", ":material/dashboard:"),
    ("backlog", ":material/hourglass_top:"),
    ("errors", ":material/error:"),
    ("messages", ":material/sms:"),
    ("health", ":material/monitor_heart:"),
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
