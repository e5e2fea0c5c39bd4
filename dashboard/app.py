"""What ``streamlit run dashboard/app.py`` starts: global controls, navigation, empty state."""

from __future__ import annotations

from typing import cast

import streamlit as st
from sqlalchemy.engine import make_url

from dashboard import alerts_data, auth, controls, data, safe, settings, trouble
from dashboard.i18n import t
from db.codes import Lang

st.set_page_config(page_title="smsdash", page_icon="📨", layout="wide")

# Before the sidebar exists, the language comes from the session or a valid link.
lang = cast(Lang, st.session_state.get("lang") or st.query_params.get("lang"))
lang = lang if lang in controls.LANGS else "en"
try:
    config = settings.load()
except settings.SettingError as err:
    trouble.bad_setting(err, lang)
# Nothing below runs, and no data is read, for a visitor who is not let in.
login = auth.gate(config, lang)

url = data.url()
try:
    state = data.state(url)
    options = data.options(url) if state in ("ok", "empty") else {}
except Exception as exc:
    if not trouble.is_database_trouble(exc):
        raise
    trouble.show(exc, None, lang)
view = controls.sidebar(options, config.numbers_allowed(login))
lang = view.lang

if state != "ok":
    st.title(t("no_database", lang))
    shown = make_url(url).render_as_string(hide_password=True)
    st.info(t("no_database_body", lang, url=safe.text(shown).replace("`", "'")))
    st.stop()

if firing := alerts_data.firing(url, view.filters.account):
    # Rule names only: a sender or gateway in the key is outside text, never markup.
    names = sorted({t(f"rule_{f.rule}", lang) for f in firing})
    st.error(t("alerts_banner", lang, names=", ".join(names)), icon=":material/notifications:")

PAGES = [
    ("overview", ":material/dashboard:"),
    ("backlog", ":material/hourglass_top:"),
    ("errors", ":material/error:"),
    ("messages", ":material/sms:"),
    ("health", ":material/monitor_heart:"),
    ("alerts", ":material/notifications:"),
    ("insights", ":material/insights:"),
]
pages = st.navigation(
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
)
try:
    pages.run()
except Exception as exc:
    # A database that goes away while a page reads it: the same friendly page.
    if not trouble.is_database_trouble(exc):
        raise
    trouble.show(exc, make_url(url).get_backend_name(), lang)
