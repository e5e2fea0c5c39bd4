"""Every label the dashboard shows, in English and Czech."""

from __future__ import annotations

from dashboard.i18n_access import ACCESS_LABELS
from db.codes import Lang

LABELS: dict[str, tuple[str, str]] = {
    # navigation and controls
    "app_title": ("SMS delivery", "Doručování SMS"),
    "overview": ("Overview", "Přehled"),
    "backlog": ("Backlog", "Nedokončené"),
    "errors": ("Errors", "Chyby"),
    "messages": ("Messages", "Zprávy"),
    "health": ("Collector health", "Stav sběru"),
    "alerts": ("Alerts", "Upozornění"),
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
    "no_rows_filtered": (
        "No message in this range matches these filters.",
        "Těmto filtrům v tomto období neodpovídá žádná zpráva.",
    ),
    "no_stuck": (
        "No message has waited longer than {minutes} min for a final state.",
        "Žádná zpráva nečeká na konečný stav déle než {minutes} min.",
    ),
    "no_backlog": (
        "Every message in this range has reached a final state.",
        "Všechny zprávy v tomto období dosáhly konečného stavu.",
    ),
    "no_messages_range": (
        "No message was first seen in this range: choose a longer range.",
        "V tomto období se neobjevila žádná zpráva: zvolte delší období.",
    ),
    "no_timeline": (
        "No state change recorded for this message yet.",
        "U této zprávy zatím není zaznamenaná žádná změna stavu.",
    ),
    "no_credit": (
        "No credit sample in this range yet (the collector asks every few minutes).",
        "V tomto období zatím není žádný údaj o kreditu (sběr se ptá každých pár minut).",
    ),
    "no_calls": ("No API call in this range.", "V tomto období žádné volání API."),
    "no_client_errors": (
        "No client errors: nothing for you to fix.",
        "Žádné chyby klienta: není co opravovat.",
    ),
    "no_server_errors": (
        "No server or network errors.",
        "Žádné chyby serveru ani sítě.",
    ),
    "calls_no_scope": (
        "Sender and gateway do not apply here: API calls belong to the account, not to a "
        "sender or gateway.",
        "Odesílatel a brána se zde neuplatní: volání API patří účtu, ne odesílateli ani bráně.",
    ),
    # overview
    "kpi_messages": ("Messages", "Zprávy"),
    "kpi_delivered": ("Delivered", "Doručeno"),
    "kpi_failed": ("Finally failed", "Definitivně nedoručeno"),
    "kpi_pending": ("Not final yet", "Zatím bez výsledku"),
    "kpi_gave_up": ("Given up (no final receipt)", "Bez konečné doručenky"),
    "kpi_error_rate": ("API error rate", "Chybovost API"),
    "oldest": ("oldest {age}", "nejstarší {age}"),
    "vs_previous": (
        "The arrow compares with the previous period of the same length ({start} – {end}).",
        "Šipka srovnává s předchozím obdobím stejné délky ({start} – {end}).",
    ),
    "help_messages": (
        "Messages first seen in the range (one per phone number of a request).",
        "Zprávy poprvé zjištěné v tomto období (jedna na každé telefonní číslo požadavku).",
    ),
    "help_delivered": (
        "Share of these messages with receipt 2 (delivered to the phone).",
        "Podíl těchto zpráv s doručenkou 2 (doručeno do telefonu).",
    ),
    "help_failed": (
        "Share of these messages that ended without delivery: request 4, 6 or 7, or receipt "
        "3, 6, 7 or 8.",
        "Podíl těchto zpráv, které skončily bez doručení: požadavek 4, 6 nebo 7, nebo doručenka "
        "3, 6, 7 nebo 8.",
    ),
    "help_pending": (
        "Messages still waiting for a final state; the collector keeps asking.",
        "Zprávy, které stále čekají na konečný stav; sběr se dál ptá.",
    ),
    "help_gave_up": (
        "Messages with no final receipt within the polling horizon (72 h by default); "
        "counted apart, never as delivered.",
        "Zprávy bez konečné doručenky do konce sledování (výchozí 72 h); počítají se zvlášť, "
        "nikdy jako doručené.",
    ),
    "help_error_rate": (
        "Share of API calls in the range that failed (any cause).",
        "Podíl volání API v tomto období, která selhala (z jakékoli příčiny).",
    ),
    "unchanged": ("unchanged", "beze změny"),
    "request_states": ("Request states", "Stavy požadavků"),
    "receipts": ("Delivery receipts", "Doručenky"),
    "outcome_over_time": ("Delivery outcome over time", "Výsledek doručení v čase"),
    "delivered": ("delivered", "doručeno"),
    "failed": ("failed", "nedoručeno"),
    "pending": ("not final yet", "bez výsledku"),
    "gave_up": ("given up", "vzdáno"),
    "final": ("final", "konečný"),
    "non_final": ("not final", "průběžný"),
    "unknown": ("unknown", "neznámý"),
    "unknown_code": ("unknown ({code})", "neznámý ({code})"),
    "no_code": ("none", "žádný"),
    "time_axis": ("Time ({zone})", "Čas ({zone})"),
    "request_state_kind": ("request state of this number", "stav požadavku u čísla"),
    "whole_request": ("request as a whole", "požadavek jako celek"),
    "receipt_kind": ("receipt", "doručenka"),
    "legend_request": ("Request state", "Stav požadavku"),
    "legend_receipt": ("Receipt", "Doručenka"),
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
    "not_final_now": ("not final", "bez výsledku"),
    "ended_failed": ("later failed", "později nedoručeno"),
    "ended_delivered": ("later delivered", "později doručeno"),
    "aging": ("Age of the current backlog", "Stáří nedokončených zpráv"),
    "aging_heatmap": ("Backlog age over time", "Stáří nedokončených v čase"),
    "stuck": ("Stuck messages", "Uvízlé zprávy"),
    "stuck_threshold": ("Not final for longer than (minutes)", "Bez výsledku déle než (minut)"),
    "timeline": ("Timeline", "Časová osa"),
    "time_to_final": ("Time to sent and to final receipt", "Doba do odeslání a do doručenky"),
    "state": ("State", "Stav"),
    "age": ("Age", "Stáří"),
    "request_id": ("Request", "Požadavek"),
    "number": ("Number", "Číslo"),
    "select_message": (
        "Tick a row to see that message's timeline.",
        "Zaškrtněte řádek a zobrazí se časová osa zprávy.",
    ),
    "measure": ("Time", "Doba"),
    "measure_sent": ("to sent", "do odeslání"),
    "measure_final": ("to final", "do výsledku"),
    "observed": ("Observed", "Zjištěno"),
    "change": ("Change", "Změna"),
    "what": ("What", "Co"),
    "from_state": ("From", "Z"),
    "to_state": ("To", "Na"),
    "first_state": ("first seen", "poprvé zjištěno"),
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
    # alerts
    "alerts_now": ("Firing and pending now", "Právě hlásí a čeká"),
    "alerts_none": ("Nothing is firing or pending.", "Nic nehlásí ani nečeká."),
    "alerts_history": ("History of episodes", "Historie událostí"),
    "alerts_history_none": ("No alert has fired yet.", "Zatím nic nehlásilo."),
    "alerts_rules": ("Rules", "Pravidla"),
    "alerts_rules_none": (
        "The collector has not published its rules yet (it does at its start).",
        "Sběr zatím nezveřejnil svá pravidla (dělá to při startu).",
    ),
    "alerts_failed": (
        "{n} notifications could not be sent (or wait for a retry)",
        "{n} upozornění se nepodařilo odeslat (nebo čekají na další pokus)",
    ),
    "alerts_banner": (
        "Firing: {names}. See the Alerts page.",
        "Hlásí: {names}. Podrobnosti na stránce Upozornění.",
    ),
    "rule": ("Rule", "Pravidlo"),
    "scope": ("Scope", "Rozsah"),
    "status": ("Status", "Stav"),
    "since": ("Since", "Od"),
    "value": ("Value", "Hodnota"),
    "threshold": ("Threshold", "Práh"),
    "details": ("Details", "Podrobnosti"),
    "started": ("Started", "Začátek"),
    "resolved": ("Resolved", "Vyřešeno"),
    "still_firing": ("still firing", "stále hlásí"),
    "sent": ("Sent", "Odesláno"),
    "failed_n": ("Failed", "Selhalo"),
    "waiting": ("Waiting", "Čeká"),
    "skipped": ("Skipped", "Vynecháno"),
    "enabled": ("Enabled", "Zapnuto"),
    "settings": ("Settings", "Nastavení"),
    "target": ("Target", "Cíl"),
    "kind": ("Kind", "Druh"),
    "attempts": ("Tries", "Pokusy"),
    "error": ("Error", "Chyba"),
    "created": ("Created", "Vytvořeno"),
    "firing": ("firing", "hlásí"),
    "pending_alert": ("pending", "čeká"),
    "rule_delivery_rate": ("Delivery rate", "Úspěšnost doručení"),
    "rule_stuck": ("Stuck messages", "Zaseknuté zprávy"),
    "rule_api_errors": ("API errors", "Chyby API"),
    "rule_api_key": ("API key rejected", "API klíč odmítnut"),
    "rule_credit": ("Credit", "Kredit"),
    "rule_collector_stale": ("Collector stale", "Sběr stojí"),
    "family_9xx": ("9xx system error", "9xx systémová chyba"),
    "family_503": ("503 unavailable", "503 nedostupné"),
    # messages
    "finality": ("Finality", "Konečnost"),
    "number_fragment": ("Number contains", "Číslo obsahuje"),
    "number_whole": ("Whole number", "Celé číslo"),
    "number_whole_help": (
        "Numbers are masked here, so only a whole number with its country code finds a "
        "message: a part of one would reveal the hidden digits.",
        "Čísla jsou zde skrytá, proto zprávu najde jen celé číslo s předvolbou: jeho část by "
        "prozradila skryté číslice.",
    ),
    "page_of": ("Page {page} · {messages}", "Stránka {page} · {messages}"),
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
    "no_ok_call": (
        "The collector has not made a successful call yet: is it running?",
        "Sběr zatím neprovedl žádné úspěšné volání: běží?",
    ),
    "not_yet": ("not yet", "zatím ne"),
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
    "runway_no_spend": ("no spending", "bez útraty"),
    "spend": (
        "Spending {rate} an hour over the last 24 hours (top-ups excluded).",
        "Útrata {rate} za hodinu za posledních 24 hodin (bez dobití).",
    ),
    "last_ok_help": ("At {when}.", "V {when}."),
    "last_error": ("Last error", "Poslední chyba"),
    "raw_detail": ("Technical detail", "Technický detail (anglicky)"),
    # call outcomes
    "outcome_ok": ("ok", "v pořádku"),
    "outcome_client_error": ("client error", "chyba klienta"),
    "outcome_server_error": ("server error", "chyba serveru"),
    "outcome_timeout": ("timeout", "vypršel čas"),
    "outcome_connection": ("connection failed", "spojení selhalo"),
    "outcome_unparseable": ("unreadable answer", "nečitelná odpověď"),
    "outcome_empty": ("empty status answer", "prázdná odpověď na stav"),
    "outcome_redirect": ("redirect refused", "přesměrování odmítnuto"),
    "outcome_too_large": ("answer too large", "příliš velká odpověď"),
    "detail_timeout": ("no answer within {seconds} s", "bez odpovědi do {seconds} s"),
    "detail_empty": ("empty body", "prázdná odpověď"),
    # status line
    "st_delivered": (
        "Last delivery {age} ago ({when})",
        "Poslední doručení před {age} ({when})",
    ),
    "st_no_delivery": ("No delivery yet", "Zatím žádné doručení"),
    "st_pending": (
        "{messages} not final, the oldest for {age}",
        "{messages} bez výsledku, nejstarší {age}",
    ),
    "st_no_pending": ("every message final", "všechny zprávy mají konečný stav"),
    "st_fresh": ("collector polled {age} ago", "sběr se ptal před {age}"),
    "st_stale": ("collector silent for {age}", "sběr mlčí již {age}"),
    "st_no_calls": ("collector has not polled yet", "sběr se zatím neptal"),
    "st_runway": ("credit {credit} lasts about {runway}", "kredit {credit} vydrží asi {runway}"),
    "st_credit": ("credit {credit}", "kredit {credit}"),
    "low_credit": (
        "Credit is low: {credit} lasts about {runway} at the recent rate. Top it up in "
        "SmsManager's web interface.",
        "Kredit dochází: {credit} vydrží při nynější útratě asi {runway}. Dobijte jej ve "
        "webovém rozhraní SmsManageru.",
    ),
    "stale_warning": (
        "The collector has made no successful call for {age}: figures may be out of date. "
        "Is it running, and can it reach SmsManager?",
        "Sběr již {age} neprovedl úspěšné volání: údaje mohou být zastaralé. Běží a dosáhne "
        "na SmsManager?",
    ),
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
        "All messages late now. The arrow compares with the same moment one period earlier "
        "({at}), when {n} were late.",
        "Všechny zprávy, které jsou po termínu teď. Šipka srovnává se stejným okamžikem o "
        "jedno období dříve ({at}), kdy jich bylo po termínu {n}.",
    ),
    "ins_late_moved": (
        "Messages late for their kind are listed on the Backlog page.",
        "Zprávy po termínu vzhledem ke svému druhu jsou na stránce Nedokončené.",
    ),
    "ins_late_none": (
        "No message is late for its kind.",
        "Žádná zpráva není pozdě vzhledem ke svému druhu.",
    ),
    "ins_late_limit": ("Usually final within", "Obvykle hotovo do"),
    "ins_late_ratio": ("× usual", "× obvyklé"),
    "ins_late_ratio_help": (
        "The message's age divided by the time its kind is usually final within",
        "Stáří zprávy dělené dobou, do které je její druh obvykle hotov",
    ),
    "ins_p95": ("p95 of its kind", "p95 jejího druhu"),
    "ins_fixed": ("fixed threshold", "pevný práh"),
    "ins_curve_title": ("Completion curve of a request", "Průběh dokončení požadavku"),
    "ins_curve_help": (
        "The share of a request's numbers that are final against minutes since the request "
        "was created, beside its kind's curves (same gateway and sender, last 7 days): the "
        "median request's (dashed, on the grid of the curves below) and all their messages "
        "pooled (dotted, from the delay rollup, in its steps). Also as ?request= in the URL.",
        "Podíl čísel požadavku s konečným stavem podle minut od vytvoření požadavku, vedle "
        "křivek jeho druhu (stejná brána a odesílatel, posledních 7 dní): mediánového "
        "požadavku (čárkovaně, v krocích křivek níže) a všech jejich zpráv dohromady "
        "(tečkovaně, z agregace zpoždění, v jejích krocích). Také jako ?request= v URL.",
    ),
    "ins_curve_missing": ("No request with this id.", "Požadavek s tímto číslem není."),
    "ins_curve_about": (
        "Request {request}: {numbers} number(s), gateway {gateway}, sender {sender}; "
        "its kind had {cohort} message(s) in the last 7 days.",
        "Požadavek {request}: čísel {numbers}, brána {gateway}, odesílatel {sender}; "
        "jeho druh měl za posledních 7 dní zpráv: {cohort}.",
    ),
    "ins_curve_request": ("this request", "tento požadavek"),
    "ins_curve_cohort": (
        "its kind, last 7 days, all numbers",
        "jeho druh, posledních 7 dní, všechna čísla",
    ),
    "ins_curve_cohort_median": (
        "its kind, last 7 days, median request",
        "jeho druh, posledních 7 dní, medián požadavků",
    ),
    "ins_minutes": ("minutes since creation", "minuty od vytvoření"),
    "ins_final_share": ("final", "hotovo"),
    "ins_range_curves_title": (
        "Completion curves of the range, by gateway",
        "Průběh dokončení v období podle brány",
    ),
    "ins_range_curves_help": (
        "For the requests first seen in the range: a request's curve is the share of its "
        "numbers final against minutes since its creation. The median curve reaches a share "
        "(10 %, 20 % … 100 %) at the time by which half of the gateway's requests had at "
        "least that share of their numbers final; the p90 curve where 90 % had (the slow "
        "side). Read across: at a minute, the median curve shows the median request's share "
        "final by then, the p90 curve the share 90 % of requests had reached. Requests that "
        "never got there count as slowest, so a curve stops short of 100 % when too many "
        "never completed. Times are rounded up to steps of 10 s, 30 s, 1, 2, 3, 5, 10, 15, "
        "20, 30, 45 min, 1, 1.5, 2, 3, 4, 6, 8, 12, 18, 24, 36, 48, 72 h, whole days beyond.",
        "Pro požadavky poprvé viděné v období: křivka požadavku je podíl jeho čísel "
        "s konečným stavem podle minut od jeho vytvoření. Mediánová křivka dosáhne podílu "
        "(10 %, 20 % … 100 %) v čase, kdy ho měla aspoň polovina požadavků brány; křivka "
        "p90 tam, kde ho mělo 90 % (pomalejší strana). Čteno napříč: v dané minutě ukazuje "
        "mediánová křivka podíl hotových čísel mediánového požadavku, křivka p90 podíl, "
        "kterého dosáhlo 90 % požadavků. Požadavky, které podílu nedosáhly, se počítají jako "
        "nejpomalejší, takže křivka skončí pod 100 %, když jich příliš mnoho nedokončilo. "
        "Časy jsou zaokrouhleny nahoru na kroky 10 s, 30 s, 1, 2, 3, 5, 10, 15, 20, 30, "
        "45 min, 1, 1,5, 2, 3, 4, 6, 8, 12, 18, 24, 36, 48, 72 h, dál na celé dny.",
    ),
    "ins_median": ("median", "medián"),
    "ins_p90": ("p90 (slow side)", "p90 (pomalejší strana)"),
    "ins_range_requests": (
        "Requests per gateway: {counts}",
        "Požadavků podle brány: {counts}",
    ),
    "ins_incomplete_title": (
        "Requests not complete after their kind's p95",
        "Požadavky nedokončené po p95 svého druhu",
    ),
    "ins_incomplete_help": (
        "Requests first seen in the range with numbers still awaited (not final, still "
        "polled) and older than 95 % of their kind took to be final: same gateway and "
        "sender, over the last {days} days. A kind with fewer than {samples} final messages "
        "in that week uses a fixed {minutes} min. Oldest for their kind first; the link "
        "opens the request's own curve.",
        "Požadavky poprvé viděné v období, jejichž čísla se ještě čekají (bez konečného "
        "stavu, stále dotazovaná) a které jsou starší, než kolik trvalo 95 % jejich druhu: "
        "stejná brána a odesílatel za posledních {days} dní. Druh s méně než {samples} "
        "konečnými zprávami za ten týden používá pevných {minutes} min. Nejstarší vzhledem "
        "ke svému druhu nahoře; odkaz otevře křivku požadavku.",
    ),
    "ins_incomplete_count": (
        "{n} request(s) not complete after their kind's p95",
        "Požadavků nedokončených po p95 svého druhu: {n}",
    ),
    "ins_incomplete_none": (
        "Every request in the range completed within its kind's p95 or is younger.",
        "Každý požadavek v období je hotový do p95 svého druhu, nebo je mladší.",
    ),
    "ins_numbers": ("Numbers", "Čísel"),
    "ins_final_so_far": ("Final so far", "Zatím hotovo"),
    "ins_curve_link": ("Curve", "Křivka"),
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
    "ins_shift_untested": (
        "Nothing to compare: a test needs at least {period} final messages in each period "
        "(in the range {now}, a week earlier {before}) and {outcome} with the outcome in both "
        "together.",
        "Není s čím srovnávat: test potřebuje v každém období aspoň {period} zpráv s konečným "
        "výsledkem (v období {now}, o týden dříve {before}) a u výsledku aspoň {outcome} zpráv "
        "v obou dohromady.",
    ),
    "ins_countries_title": ("Destination countries", "Cílové země"),
    "ins_countries_help": (
        "Messages first seen in the range by the country of the number, as the phonenumbers "
        "library places it when the message is first stored. Delivered and failed are shares "
        "of all the country's messages; times run from the request's creation to a final "
        "state, over its final messages. Operators cannot be derived: numbers are ported "
        "between operators and keep their prefix.",
        "Zprávy poprvé viděné v období podle země čísla, jak ji určí knihovna phonenumbers "
        "při prvním uložení zprávy. Doručeno a nedoručeno jsou podíly ze všech zpráv země; "
        "časy běží od vytvoření požadavku do konečného stavu, u zpráv, které ho dosáhly. "
        "Operátora určit nelze: čísla se přenášejí mezi operátory a předvolbu si ponechávají.",
    ),
    "ins_country": ("Country", "Země"),
    "ins_delivered_share": ("Delivered", "Doručeno"),
    "ins_failed": ("Failed", "Nedoručeno"),
    "ins_failed_share": ("Failed share", "Podíl nedoručených"),
    "ins_final_p50": ("Median to final", "Medián do konce"),
    "ins_final_p90": ("p90 to final", "p90 do konce"),
    "country_unknown": ("Not recognised", "Nerozpoznáno"),
    "country_none": ("Not derived", "Neurčeno"),
}
LABELS.update(ACCESS_LABELS)


# Short names for axes and legends ("2 · delivered"); the full meaning is on hover.
CODE_NAMES: dict[str, dict[int, tuple[str, str]]] = {
    "request_state": {
        0: ("waiting", "čeká"),
        1: ("sending", "odesílá se"),
        2: ("sent", "odesláno"),
        3: ("partly sent", "částečně odesláno"),
        4: ("invalid", "neplatný"),
        5: ("retrying", "opakuje se"),
        6: ("cancelled", "zrušeno"),
        7: ("rejected", "odmítnuto"),
        9: ("processing", "zpracovává se"),
    },
    "receipt": {
        0: ("no receipt", "bez doručenky"),
        1: ("delivering", "doručuje se"),
        2: ("delivered", "doručeno"),
        3: ("not delivered", "nedoručeno"),
        4: ("uncertain", "nejisté"),
        5: ("waiting", "čeká na doručení"),
        6: ("expired", "vypršela platnost"),
        7: ("invalid number", "neplatné číslo"),
        8: ("not delivered (support)", "nedoručeno (podpora)"),
    },
}
# SmsManager's own text for receipt 8 says "contact us"; on our page that is their support.
MEANING_OVERRIDES: dict[tuple[str, int], tuple[str, str]] = {
    ("receipt", 8): (
        "not delivered; contact SmsManager support for details",
        "Zpráva nebyla doručena; podrobnosti sdělí podpora SmsManageru",
    ),
    ("receipt", 1): ("message is being delivered", "Zpráva se doručuje"),
}
# CLDR plural forms (Babel says which applies): Czech has one / few / many / other.
PLURALS: dict[str, tuple[dict[str, str], dict[str, str]]] = {
    "messages": (
        {"one": "{n} message", "other": "{n} messages"},
        {"one": "{n} zpráva", "few": "{n} zprávy", "many": "{n} zprávy", "other": "{n} zpráv"},
    ),
    "calls": (
        {"one": "{n} call", "other": "{n} calls"},
        {"one": "{n} volání", "few": "{n} volání", "many": "{n} volání", "other": "{n} volání"},
    ),
}


def t(key: str, lang: Lang, **values: object) -> str:
    en, cs = LABELS[key]
    text = cs if lang == "cs" else en
    return text.format(**values) if values else text
