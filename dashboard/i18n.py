"""Every label the dashboard shows, in English and Czech."""

from __future__ import annotations

from db.codes import Lang

LABELS: dict[str, tuple[str, str]] = {
    # navigation and controls
    "app_title": ("SMS delivery", "Doručování SMS"),
    "overview": ("Overview", "Přehled"),
    "backlog": ("Backlog", "Nedokončené"),
    "errors": ("Errors", "Chyby"),
    "messages": ("Messages", "Zprávy"),
    "health": ("Collector health", "Stav sběru"),
    "range": ("Time range", "Období"),
    "range_since": ("From {start} until now", "Od {start} do teď"),
    "1h": ("Last hour", "Poslední hodina"),
    "24h": ("Last 24 hours", "Posledních 24 hodin"),
    "7d": ("Last 7 days", "Posledních 7 dní"),
    "30d": ("Last 30 days", "Posledních 30 dní"),
    "custom": ("Custom", "Vlastní"),
    "from": ("From", "Od"),
    "to": ("To", "Do"),
    "account": ("Account", "Účet"),
    "sender": ("Sender", "Odesílatel"),
    "gateway": ("Gateway", "Brána"),
    "all": ("All", "Vše"),
    "language": ("Language", "Jazyk"),
    "show_numbers": ("Show full phone numbers", "Zobrazit celá čísla"),
    "refresh": ("Auto-refresh", "Automatická obnova"),
    "off": ("Off", "Vypnuto"),
    "timezone": ("Time zone", "Časové pásmo"),
    # empty states
    "no_database": ("No data yet", "Zatím žádná data"),
    "no_database_body": (
        "The database at `{url}` has no messages yet. Start the collector with "
        "`smsdash-collector run` (set `SMSDASH_API_KEY`), or try the whole product with "
        "`make demo`.",
        "Databáze `{url}` zatím neobsahuje žádné zprávy. Spusťte sběr příkazem "
        "`smsdash-collector run` (nastavte `SMSDASH_API_KEY`), nebo vyzkoušejte celý produkt "
        "příkazem `make demo`.",
    ),
    "no_rows": ("Nothing in this range.", "V tomto období nic není."),
    # overview
    "kpi_messages": ("Messages", "Zprávy"),
    "kpi_delivered": ("Delivered", "Doručeno"),
    "kpi_failed": ("Finally failed", "Definitivně nedoručeno"),
    "kpi_pending": ("Not final yet", "Zatím bez výsledku"),
    "kpi_gave_up": ("Given up (no final receipt)", "Bez konečné doručenky"),
    "kpi_error_rate": ("API error rate", "Chybovost API"),
    "oldest": ("oldest {age}", "nejstarší {age}"),
    "vs_previous": ("vs previous period", "oproti předchozímu období"),
    "request_states": ("Request states", "Stavy požadavků"),
    "receipts": ("Delivery receipts", "Doručenky"),
    "outcome_over_time": ("Delivery outcome over time", "Výsledek doručení v čase"),
    "delivered": ("delivered", "doručeno"),
    "failed": ("failed", "nedoručeno"),
    "pending": ("not final yet", "bez výsledku"),
    "gave_up": ("given up", "vzdáno"),
    "final": ("final", "konečný"),
    "non_final": ("not final", "nekonečný"),
    "unknown": ("unknown", "neznámý"),
    "code": ("Code", "Kód"),
    "count": ("Messages", "Zprávy"),
    "meaning": ("Meaning", "Význam"),
    # backlog
    "backlog_over_time": (
        "Not final over time, by how it ended",
        "Nedokončené v čase, podle výsledku",
    ),
    "ended_pending": ("still not final", "dosud bez výsledku"),
    "ended_gave_up": ("later given up", "později vzdáno"),
    "ended_failed": ("later failed", "později nedoručeno"),
    "ended_delivered": ("later delivered", "později doručeno"),
    "aging": ("Age of the current backlog", "Stáří nedokončených zpráv"),
    "aging_heatmap": ("Backlog age over time", "Stáří nedokončených v čase"),
    "stuck": ("Stuck messages", "Uvízlé zprávy"),
    "stuck_threshold": ("Older than (minutes)", "Starší než (minut)"),
    "timeline": ("Timeline", "Časová osa"),
    "time_to_final": ("Time to sent and to final receipt", "Doba do odeslání a do doručenky"),
    "state": ("State", "Stav"),
    "age": ("Age", "Stáří"),
    "request_id": ("Request", "Požadavek"),
    "number": ("Number", "Číslo"),
    "select_message": ("Show the timeline of", "Zobrazit časovou osu"),
    "measure_sent": ("to sent", "do odeslání"),
    "measure_final": ("to final", "do výsledku"),
    "observed": ("Observed", "Zjištěno"),
    "change": ("Change", "Změna"),
    # errors
    "errors_over_time": ("Failed API calls over time", "Neúspěšná volání API v čase"),
    "error_table": ("Failures by code", "Chyby podle kódu"),
    "client_errors": (
        "Client errors (1xx/2xx): need your action",
        "Chyby klienta (1xx/2xx): vyžadují váš zásah",
    ),
    "server_errors": (
        "Server and network errors (9xx, 503, timeouts): the gateway's side",
        "Chyby serveru a sítě (9xx, 503, vypršení): na straně brány",
    ),
    "no_errors": ("No failed calls in this range.", "V tomto období žádná chybná volání."),
    "http_status": ("HTTP", "HTTP"),
    "retryable": ("Retryable", "Opakovatelné"),
    "calls": ("Calls", "Volání"),
    "share": ("Share", "Podíl"),
    "first_seen": ("First seen", "Poprvé"),
    "last_seen": ("Last seen", "Naposledy"),
    "yes": ("yes", "ano"),
    "no": ("no", "ne"),
    # messages
    "finality": ("Finality", "Konečnost"),
    "number_fragment": ("Number contains", "Číslo obsahuje"),
    "rows": ("{n} messages", "{n} zpráv"),
    "next_page": ("Next page", "Další stránka"),
    "first_page": ("First page", "První stránka"),
    "download_csv": ("Download CSV", "Stáhnout CSV"),
    "csv_too_large": (
        "Over {n} rows: narrow the filters to download, or query the database directly.",
        "Více než {n} řádků: pro stažení zužte filtry, nebo se dotazujte přímo databáze.",
    ),
    # health
    "last_ok": ("Last successful call", "Poslední úspěšné volání"),
    "stale": (
        "No successful call for {age}: is the collector running?",
        "Žádné úspěšné volání již {age}: běží sběr?",
    ),
    "never": ("never", "nikdy"),
    "empty_status": (
        "RequestStatus answered an empty page {n} times of {of} in the last hour, for requests "
        "the gateway still lists or whose messages are not final. No delivery status can "
        "advance while this lasts. Check: run `smsdash-collector check`; that SMSDASH_API_URL "
        "is SmsManager's HTTP API; that the API key may read statuses. If it persists, ask "
        "SmsManager support whether RequestStatus works for your account.",
        "RequestStatus odpověděl prázdnou stránkou {n}krát z {of} za poslední hodinu, a to "
        "u požadavků, které brána stále uvádí nebo jejichž zprávy nejsou konečné. Dokud to "
        "trvá, žádný stav doručení se nezmění. Zkontrolujte: spusťte "
        "`smsdash-collector check`; že SMSDASH_API_URL je HTTP API SmsManageru; že API klíč "
        "smí číst stavy. Pokud to trvá, zeptejte se podpory SmsManageru, zda RequestStatus "
        "pro váš účet funguje.",
    ),
    "ago": ("{age} ago", "před {age}"),
    "calls_over_time": ("Calls by method and outcome", "Volání podle metody a výsledku"),
    "latency": ("Latency", "Odezva"),
    "method": ("Method", "Metoda"),
    "credit": ("Credit (CZK)", "Kredit (Kč)"),
    "runway": ("Credit runway", "Kredit vydrží"),
    "runway_unknown": ("not enough data", "málo dat"),
    "spend": ("{rate:.2f} CZK/h", "{rate:.2f} Kč/h"),
    "last_error": ("Last error", "Poslední chyba"),
    "auth_failed": (
        "SmsManager rejects the API key (error 103, last at {when}): the collector has stopped "
        "polling. Set a valid SMSDASH_API_KEY and restart it.",
        "SmsManager odmítá API klíč (chyba 103, naposledy {when}): sběr přestal zjišťovat stav. "
        "Nastavte platný SMSDASH_API_KEY a sběr restartujte.",
    ),
    # insights
    "insights": ("Insights", "Souvislosti"),
    "ins_coverage_title": ("Receipt coverage", "Pokrytí doručenkami"),
    "ins_coverage_help": (
        "Of the messages sent (request state 2, or any receipt came back), the share that "
        "ever reached a final receipt (2 delivered, 3, 6, 7, 8 not delivered). Sent without "
        "a receipt is not success. By gateway, and per day the messages were first seen.",
        "Z odeslaných zpráv (stav požadavku 2 nebo přišla jakákoli doručenka) podíl těch, "
        "které kdy dostaly konečnou doručenku (2 doručeno; 3, 6, 7, 8 nedoručeno). Odesláno "
        "bez doručenky není úspěch. Podle brány a po dnech, kdy byly zprávy poprvé viděny.",
    ),
    "ins_sent": ("Sent", "Odesláno"),
    "ins_covered": ("With a final receipt", "S konečnou doručenkou"),
    "ins_coverage": ("Coverage", "Pokrytí"),
    "ins_shift_title": (
        "Outcome mix against the same range a week earlier",
        "Skladba výsledků oproti stejnému období o týden dříve",
    ),
    "ins_shift_help": (
        "Final outcomes (final receipt, or the request state that ended the message) as "
        "shares of the final messages. A change is flagged only when a two-sided "
        "two-proportion z-test stays below α = {alpha} after Holm's correction over all "
        "outcomes tested; an outcome is tested only with at least {period} final messages in "
        "each period and {outcome} with that outcome in both together, so small numbers do "
        "not raise alarms.",
        "Konečné výsledky (konečná doručenka, nebo stav požadavku, který zprávu ukončil) jako "
        "podíly konečných zpráv. Změna je označena, jen když oboustranný z-test dvou podílů "
        "zůstane pod α = {alpha} i po Holmově korekci přes všechny testované výsledky; "
        "výsledek se testuje, jen když má každé období aspoň {period} konečných zpráv a obě "
        "dohromady aspoň {outcome} s tímto výsledkem, aby malá čísla nevyvolávala poplach.",
    ),
    "ins_late_title": ("Slower than usual", "Pomalejší než obvykle"),
    "ins_late_help": (
        "A message not final yet is late when it is older than 95 % of its kind took to "
        "reach a final state: its gateway and sender, over the last {days} days (time from "
        "the request's creation). A kind with fewer than {samples} final messages in that "
        "week uses the fixed threshold instead. The count is of all late messages now; "
        "the change is against the same moment one period earlier.",
        "Zpráva zatím bez výsledku je pozdě, když je starší, než kolik trvalo 95 % zpráv "
        "jejího druhu dospět ke konečnému stavu: stejná brána a odesílatel za posledních "
        "{days} dní (čas od vytvoření požadavku). Druh s méně než {samples} konečnými "
        "zprávami za ten týden používá pevný práh. Počet zahrnuje všechny zprávy, které jsou "
        "pozdě teď; změna je oproti stejnému okamžiku o jedno období dříve.",
    ),
    "ins_late_fallback": (
        "Fixed threshold for kinds with few messages (minutes)",
        "Pevný práh pro druhy s málo zprávami (minuty)",
    ),
    "ins_late_kpi": ("Late messages", "Zprávy po termínu"),
    "ins_late_delta": (
        "{n} were late one period earlier",
        "O jedno období dříve jich bylo po termínu {n}",
    ),
    "ins_late_none": (
        "No message is late for its kind.",
        "Žádná zpráva není pozdě vzhledem ke svému druhu.",
    ),
    "ins_late_limit": ("Usually final within", "Obvykle hotovo do"),
    "ins_late_ratio": ("Age / usual", "Stáří / obvyklé"),
    "ins_p95": ("p95 of its kind", "p95 jejího druhu"),
    "ins_fixed": ("fixed threshold", "pevný práh"),
    "ins_curve_title": ("Completion curve of a request", "Průběh dokončení požadavku"),
    "ins_curve_help": (
        "The share of a request's numbers that are final against minutes since the request "
        "was created, beside its kind's curve (same gateway and sender, all their messages of "
        "the last 7 days pooled; from the delay rollup, in its steps). Also as ?request= in "
        "the URL.",
        "Podíl čísel požadavku s konečným stavem podle minut od vytvoření požadavku, vedle "
        "křivky jeho druhu (stejná brána a odesílatel, všechny jejich zprávy za posledních "
        "7 dní dohromady; z agregace zpoždění, v jejích krocích). Také jako ?request= v URL.",
    ),
    "ins_curve_missing": ("No request with this id.", "Požadavek s tímto číslem není."),
    "ins_curve_about": (
        "Request {request}: {numbers} number(s), gateway {gateway}, sender {sender}; "
        "its kind had {cohort} message(s) in the last 7 days.",
        "Požadavek {request}: čísel {numbers}, brána {gateway}, odesílatel {sender}; "
        "jeho druh měl za posledních 7 dní zpráv: {cohort}.",
    ),
    "ins_curve_request": ("this request", "tento požadavek"),
    "ins_curve_cohort": ("its kind, last 7 days", "jeho druh, posledních 7 dní"),
    "ins_minutes": ("minutes since creation", "minuty od vytvoření"),
    "ins_final_share": ("final", "hotovo"),
    "ins_outcome": ("Outcome", "Výsledek"),
    "ins_now": ("In range", "V období"),
    "ins_before": ("A week earlier", "O týden dříve"),
    "ins_share_now": ("Share", "Podíl"),
    "ins_share_before": ("Share a week earlier", "Podíl o týden dříve"),
    "ins_change": ("Change", "Změna"),
    "ins_flag": ("Significant", "Významné"),
    "ins_flagged": ("⚠ significant shift", "⚠ významný posun"),
    "ins_shift_found": (
        "{n} outcome(s) changed their share beyond chance.",
        "Podíl se významně změnil u výsledků: {n}.",
    ),
    "ins_shift_none": (
        "No outcome changed its share beyond chance.",
        "Žádný výsledek nezměnil podíl víc, než dovoluje náhoda.",
    ),
}


def t(key: str, lang: Lang, **values: object) -> str:
    en, cs = LABELS[key]
    text = cs if lang == "cs" else en
    return text.format(**values) if values else text
