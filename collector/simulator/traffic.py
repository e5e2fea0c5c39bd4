"""A traffic generator: keeps calling ``Send`` over HTTP with a realistic mix of messages."""

from __future__ import annotations

import logging
import random
import threading

import requests

log = logging.getLogger(__name__)

TEXTS = [
    "Vaše objednávka č. {n} byla odeslána. Děkujeme za nákup!",
    "Ověřovací kód: {n}. Platí 5 minut.",
    "Připomínáme Vám zítřejší termín u lékaře v 9:30. Změny hlaste na recepci.",
    "Your order {n} is ready for pickup.",
    "Zásilka {n} je připravena k vyzvednutí na výdejním místě. Uložní doba končí za 7 dní. "
    "Pokud si zásilku nevyzvednete, bude vrácena odesílateli. Sledujte stav zásilky v "
    "aplikaci nebo na webu. Děkujeme, že využíváte naše služby. Přejeme příjemný den!",
]
SENDERS = ["MyShop", "Doctor", "Bank", "SMSMANAGER"]
GATEWAYS = ["high", "economy", "lowcost", "direct"]


class TrafficGenerator:
    """Sends ``rate`` requests per real second to a simulator (or any SmsManager) URL."""

    def __init__(
        self,
        session: requests.Session,
        base_url: str,
        api_key: str,
        *,
        rate: float = 1.0,
        seed: int | None = None,
    ) -> None:
        self.session = session
        self.base_url = base_url.rstrip("/") + "/"
        self.api_key = api_key
        self.rate = rate
        self.rng = random.Random(seed)
        self.sent = 0
        self.rejected = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="traffic", daemon=True)

    def params(self) -> dict[str, str]:
        rng = self.rng
        count = 1 if rng.random() < 0.8 else rng.randint(2, 5)
        numbers = [
            f"420{rng.choice('67')}{rng.randint(10_000_000, 99_999_999)}" for _ in range(count)
        ]
        if rng.random() < 0.02:
            numbers.append("12345")  # an invalid number among valid ones is dropped
        params = {
            "apikey": self.api_key,
            "number": ";".join(numbers),
            "message": rng.choice(TEXTS).format(n=rng.randint(1000, 99999)),
            "gateway": rng.choice(GATEWAYS),
            "sender": rng.choice(SENDERS),
        }
        if rng.random() < 0.5:
            params["type"] = "utf"
        roll = rng.random()
        if roll < 0.01:
            params["sender"] = "Unregistered"  # 203
        elif roll < 0.02:
            params["number"] = "12345"  # 201
        elif roll < 0.025:
            params["message"] = ""  # 202
        return params

    def send_one(self) -> bool:
        try:
            answer = self.session.post(self.base_url + "Send", data=self.params(), timeout=10)
        except requests.RequestException as exc:
            log.warning("traffic: Send failed: %s", type(exc).__name__)
            return False
        ok = answer.status_code == 200
        self.sent += ok
        self.rejected += not ok
        return ok

    def _run(self) -> None:
        while not self._stop.wait(self.rng.expovariate(self.rate)):
            self.send_one()

    def start(self) -> TrafficGenerator:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=15)
