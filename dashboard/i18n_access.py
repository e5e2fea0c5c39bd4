"""Labels of the login gate, parameter notes and trouble pages, in English and Czech."""

from __future__ import annotations

ACCESS_LABELS: dict[str, tuple[str, str]] = {
    # login gate
    "login_title": ("smsdash: sign in", "smsdash: přihlášení"),
    "login_body": (
        "This dashboard shows message history. Sign in to continue.",
        "Tento přehled ukazuje historii zpráv. Pro pokračování se přihlaste.",
    ),
    "login": ("Sign in", "Přihlásit se"),
    "logout": ("Sign out", "Odhlásit se"),
    "refused_title": ("Access refused", "Přístup odepřen"),
    "refused_body": (
        "You are signed in, but this account is not on the dashboard's allow-list. "
        "Ask the operator to add it, or sign out and use another account:",
        "Jste přihlášeni, ale tento účet není na seznamu povolených. "
        "Požádejte správce o přidání, nebo se odhlaste a použijte jiný účet:",
    ),
    "local_only": (
        "No login configured: reachable only at {address} on this computer.",
        "Přihlášení není nastaveno: dostupné jen na adrese {address} tohoto počítače.",
    ),
    "open_network_title": ("Not served without login", "Bez přihlášení se nezobrazuje"),
    "open_network_body": (
        "This dashboard listens beyond this computer but no login is configured, so it shows "
        "nothing. The operator must configure login ([auth] in .streamlit/secrets.toml) or set "
        "server.address back to 127.0.0.1.",
        "Přehled naslouchá i mimo tento počítač, ale přihlášení není nastaveno, proto nic "
        "nezobrazí. Správce musí nastavit přihlášení ([auth] v .streamlit/secrets.toml) nebo "
        "vrátit server.address na 127.0.0.1.",
    ),
    "numbers_locked": (
        "Full phone numbers are switched off by the operator.",
        "Celá telefonní čísla vypnul správce.",
    ),
    "can_write": (
        "The dashboard's database connection could write (why: below). Give it a read-only role: "
        "smsdash-collector init-db --create-reader, then SMSDASH_DASHBOARD_DATABASE_URL.",
        "Připojení přehledu k databázi umí zapisovat (proč: níže). Použijte roli jen pro čtení: "
        "smsdash-collector init-db --create-reader a SMSDASH_DASHBOARD_DATABASE_URL.",
    ),
    # query parameters
    "param_ignored": (
        "The link's {name} was not valid and was ignored: {why}",
        "Hodnota {name} v odkazu nebyla platná a byla ignorována: {why}",
    ),
    "why_choice": ("not one of the choices", "není mezi možnostmi"),
    "why_zone": ("not a time zone (e.g. Europe/Prague)", "není časové pásmo (např. Europe/Prague)"),
    "why_date": ("not a date (YYYY-MM-DD)", "není datum (RRRR-MM-DD)"),
    "why_clamped": (
        "moved into the range the dashboard shows",
        "posunuto do zobrazitelného období",
    ),
    "why_span": (
        "a custom range spans at most {days} days",
        "vlastní období má nejvýše {days} dní",
    ),
    # trouble pages
    "trouble_title": ("The database cannot be read", "Databázi nelze číst"),
    "trouble_cause": ("Cause: {cause}", "Příčina: {cause}"),
    "trouble_todo": ("What to do: {todo}", "Co dělat: {todo}"),
    "setting_title": ("A dashboard setting is wrong", "Nastavení přehledu je chybné"),
}
