"""Database trouble as a page that names the cause and what to do, never a traceback."""

from __future__ import annotations

import sqlite3

import streamlit as st
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, SQLAlchemyError
from streamlit.logger import get_logger

from dashboard.i18n import t
from dashboard.settings import SettingError
from db.codes import Lang
from db.engine import DatabaseUrlError

# Streamlit's own logger set-up: same format and level as its lines in the server log.
log = get_logger("smsdash.dashboard")

CAUSES: dict[str, tuple[tuple[str, str], tuple[str, str]]] = {
    "bad_url": (
        ("the database URL is not one the dashboard can use", "adresa databáze není použitelná"),
        (
            "set SMSDASH_DASHBOARD_DATABASE_URL (or SMSDASH_DATABASE_URL) to sqlite:///path/to/"
            "smsdash.db or postgresql://user@host/dbname and restart the dashboard",
            "nastavte SMSDASH_DASHBOARD_DATABASE_URL (nebo SMSDASH_DATABASE_URL) na "
            "sqlite:///cesta/smsdash.db nebo postgresql://uzivatel@server/databaze a přehled "
            "restartujte",
        ),
    ),
    "sqlite": (
        (
            "the SQLite file cannot be opened or read (missing, no permission, or its folder is "
            "read-only and the collector has never written its -wal/-shm files)",
            "soubor SQLite nelze otevřít ani číst (chybí, chybí oprávnění, nebo je složka jen pro "
            "čtení a sběr do ní dosud nezapsal soubory -wal/-shm)",
        ),
        (
            "check the path in the URL, run the collector once (smsdash-collector init-db) so the "
            "file exists, and let the dashboard's user read the file and its folder",
            "zkontrolujte cestu v adrese, spusťte jednou sběr (smsdash-collector init-db), aby "
            "soubor vznikl, a dejte uživateli přehledu právo číst soubor i jeho složku",
        ),
    ),
    "postgres": (
        (
            "PostgreSQL cannot be reached or refuses the connection (server down, wrong host or "
            "port, wrong user or password, or no access to the tables)",
            "PostgreSQL není dostupný nebo spojení odmítá (server neběží, chybný server či port, "
            "chybný uživatel či heslo, nebo chybí přístup k tabulkám)",
        ),
        (
            "check that the server runs and accepts this user from this host (pg_hba.conf), "
            "and that the role may read the tables (smsdash-collector init-db --create-reader)",
            "ověřte, že server běží a přijímá tohoto uživatele z tohoto počítače (pg_hba.conf) "
            "a že role smí číst tabulky (smsdash-collector init-db --create-reader)",
        ),
    ),
    "driver": (
        ("the PostgreSQL driver is not installed", "ovladač PostgreSQL není nainstalován"),
        (
            "install the extra: pip install -e '.[postgres]'",
            "nainstalujte: pip install -e '.[postgres]'",
        ),
    ),
}


def cause(exc: BaseException, backend: str | None) -> str:
    if isinstance(exc, (DatabaseUrlError, ArgumentError)):
        return "bad_url"
    if isinstance(exc, (NoSuchModuleError, ModuleNotFoundError)):
        return "driver"
    if backend == "sqlite" or isinstance(getattr(exc, "orig", None), sqlite3.Error):
        return "sqlite"
    return "postgres"


def is_database_trouble(exc: BaseException) -> bool:
    return isinstance(
        exc, (DatabaseUrlError, SQLAlchemyError, DBAPIError, sqlite3.Error, ModuleNotFoundError)
    )


def show(exc: BaseException, backend: str | None, lang: Lang) -> None:
    """The friendly page; the details go to the server log only."""
    kind = cause(exc, backend)
    # The exception's text can carry host names and paths: the log has it, the page not.
    log.error("dashboard: database trouble (%s): %s", kind, type(exc).__name__, exc_info=exc)
    (why_en, why_cs), (todo_en, todo_cs) = CAUSES[kind]
    cs = lang == "cs"
    st.title(t("trouble_title", lang))
    st.error(t("trouble_cause", lang, cause=why_cs if cs else why_en))
    st.info(t("trouble_todo", lang, todo=todo_cs if cs else todo_en))
    st.stop()


def bad_setting(exc: SettingError, lang: Lang) -> None:
    log.error("dashboard: %s", exc)
    st.title(t("setting_title", lang))
    st.text(str(exc))
    st.stop()
