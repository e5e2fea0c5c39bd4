"""The simulated gateway's behaviour: validation, sending, listing, status, ground truth."""

from __future__ import annotations

import hashlib
import hmac
import random
import threading
import uuid
from datetime import timedelta

from collector.phone import count_parts, normalize_number, split_numbers
from collector.simulator import scripts
from collector.simulator.model import (
    GATEWAY_PRICES,
    MAX_PARTS,
    PRAGUE,
    Account,
    CallLogEntry,
    Clock,
    Faults,
    ManualClock,
    SendResult,
    SimError,
    SimNumber,
    SimRequest,
    derived_request_state,
    parse_time,
    prague_text,
)
from db.codes import REQUEST_STATE_FINAL, is_message_final

__all__ = [
    "PRAGUE",
    "Account",
    "CallLogEntry",
    "Faults",
    "Gateway",
    "ManualClock",
    "SimError",
    "derived_request_state",
    "prague_text",
]


class Gateway:
    """Thread-safe model behind the HTTP server; also the tests' ground truth."""

    def __init__(
        self,
        accounts: list[Account] | None = None,
        *,
        scale: float = 1.0,
        seed: int | None = None,
        faults: Faults | None = None,
        list_window: float = 86_400.0,
        uuid_ids: bool = False,
        strict: bool = False,
        clock: Clock | None = None,
    ) -> None:
        self.accounts = {a.api_key: a for a in (accounts or [Account("test-key")])}
        self.clock = clock or Clock(scale)
        self.deterministic = seed is None
        self.rng = random.Random(seed)
        self.fault_rng = random.Random(0 if seed is None else seed + 1)
        self.faults = faults or Faults()
        self.list_window = timedelta(seconds=list_window)
        self.requests: dict[str, SimRequest] = {}
        self.calls: list[CallLogEntry] = []
        self.uuid_ids = uuid_ids
        self.strict = strict  # the server's default: names and verbs only as the spec has them
        self._next_id = 10_000_000
        self._seq = 0
        self._lock = threading.Lock()

    # -- the API ---------------------------------------------------------------------------
    def account(self, api_key: str | None) -> Account:
        account = self.accounts.get(api_key or "")
        if account is None:
            raise SimError(103)
        return account

    def faults_for(self, api_key: str | None) -> Faults:
        """The faults a call with this key meets: its account's own, else the gateway's."""
        account = self.accounts.get(api_key or "")
        return account.faults if account is not None and account.faults else self.faults

    def login(self, username: str | None, password_sha1: str | None) -> str | None:
        """The key of the account that ``username`` + SHA-1 hex of the password opens, if any."""
        if not username or not password_sha1:
            return None
        for account in self.accounts.values():
            if account.username != username or account.password is None:
                continue
            expected = hashlib.sha1(account.password.encode()).hexdigest()
            if hmac.compare_digest(expected, password_sha1.strip().lower()):
                return account.api_key
        return None

    def price(
        self,
        api_key: str | None,
        number: str | None,
        message: str | None,
        gateway: str | None,
        sender: str | None,
        utf: bool = False,
    ) -> tuple[list[str], int, int, float]:
        """Validate in the documented order; return (numbers, parts, characters, unit price)."""
        account = self.account(api_key)
        gw = (gateway or account.default_gateway).lower()
        if gw not in GATEWAY_PRICES:
            raise SimError(104)
        if number is None or message is None:
            raise SimError(109)
        numbers = [n for n in map(normalize_number, split_numbers(number)) if n]
        if not numbers:
            raise SimError(201)
        parts = count_parts(message, keep_unicode=utf)
        if not message.strip() or parts.parts > MAX_PARTS:
            raise SimError(202)
        if sender is not None and sender not in account.senders:
            raise SimError(203)
        return list(dict.fromkeys(numbers)), parts.parts, parts.characters, GATEWAY_PRICES[gw]

    def send(
        self,
        api_key: str | None,
        number: str | None,
        message: str | None,
        *,
        gateway: str | None = None,
        sender: str | None = None,
        custom_id: str | None = None,
        send_time: str | None = None,
        expiration: str | None = None,
        utf: bool = False,
    ) -> SendResult:
        """One request for all the numbers (the legacy and XML APIs)."""
        (result,) = self._send(
            api_key, number, message, gateway, sender, custom_id, send_time, expiration, utf, False
        )
        return result

    def send_each(
        self,
        api_key: str | None,
        number: str | None,
        message: str | None,
        *,
        gateway: str | None = None,
        sender: str | None = None,
        send_time: str | None = None,
        utf: bool = False,
    ) -> list[SendResult]:
        """One request per number, validated and charged as one call (the LTS API's ``Send``)."""
        return self._send(
            api_key, number, message, gateway, sender, None, send_time, None, utf, True
        )

    def _send(
        self,
        api_key: str | None,
        number: str | None,
        message: str | None,
        gateway: str | None,
        sender: str | None,
        custom_id: str | None,
        send_time: str | None,
        expiration: str | None,
        utf: bool,
        each: bool,
    ) -> list[SendResult]:
        numbers, parts, _chars, unit = self.price(api_key, number, message, gateway, sender, utf)
        account = self.account(api_key)
        if custom_id is not None and not (custom_id.isdigit() and 1 <= len(custom_id) <= 10):
            raise SimError(102)
        now = self.clock.now()
        starts = parse_time(send_time) or now
        expires = parse_time(expiration)
        expires_after = (expires - starts).total_seconds() if expires else None
        total = round(unit * parts * len(numbers), 2)
        groups = [[n] for n in numbers] if each else [numbers]
        results = []
        with self._lock:
            if account.prepaid and account.credit < total:
                raise SimError(105)
            account.credit = round(account.credit - total, 2)
            for group in groups:
                rid = self._new_id()
                request = SimRequest(
                    rid,
                    account.api_key,
                    (gateway or account.default_gateway).lower(),
                    sender or account.default_sender,
                    now,
                    max(starts, now),
                    expires,
                    parts,
                    custom_id=custom_id,
                    seq=self._seq,
                )
                for n in group:
                    path = (
                        scripts.deterministic(n)
                        if self.deterministic
                        else scripts.randomized(self.rng)
                    )
                    request.numbers.append(
                        SimNumber(n, scripts.with_expiration(path, expires_after))
                    )
                self.requests[rid] = request
                cost = round(unit * parts * len(group), 2)
                results.append(SendResult(rid, group, custom_id, parts, cost))
        return results

    def _new_id(self) -> str:
        """A request id: a growing integer as the legacy API shows, or a UUID as the LTS docs do."""
        self._seq += 1
        if self.uuid_ids:
            return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))
        self._next_id += self.rng.randint(1, 7)
        return str(self._next_id)

    def cancel(self, api_key: str | None, request_id: str | None) -> int:
        """Cancel what is not sent yet (state 6); returns how many numbers it stopped."""
        request = self._own_request(api_key, request_id)
        elapsed = self.elapsed(request)
        stopped = 0
        with self._lock:
            for num in request.numbers:
                path = scripts.cancelled_at(num.steps, elapsed)
                if path is not None:
                    num.steps = path
                    stopped += 1
        return stopped

    def request_list(self, api_key: str | None) -> list[tuple[SimRequest, int, int]]:
        """(request, remaining recipients, request state) for recent requests, newest first.

        The rule: every request of the account created within ``list_window`` of gateway time.
        """
        self.account(api_key)
        now = self.clock.now()
        with self._lock:
            recent = [
                r
                for r in self.requests.values()
                if r.api_key == api_key and now - r.created_at <= self.list_window
            ]
        rows = []
        for r in sorted(recent, key=lambda r: r.seq, reverse=True):
            states = [n.at(self.elapsed(r)) for n in r.numbers]
            remaining = sum(1 for s in states if s[1] not in REQUEST_STATE_FINAL)
            rows.append((r, remaining, derived_request_state([s[1] for s in states])))
        return rows

    def request_status(
        self, api_key: str | None, request_id: str | None
    ) -> list[tuple[str, int, int, int]]:
        """(number, request state, expected receipts, receipt) per number."""
        request = self._own_request(api_key, request_id)
        elapsed = self.elapsed(request)
        rows = []
        for num in request.numbers:
            _t, state, receipt = num.at(elapsed)
            expected = 0 if is_message_final(state, receipt) else request.parts
            rows.append((num.number, state, expected, receipt))
        return rows

    # -- ground truth for tests --------------------------------------------------------------
    def elapsed(self, request: SimRequest) -> float:
        return (self.clock.now() - request.starts_at).total_seconds()

    def truth(self) -> dict[tuple[str, str], scripts.Step]:
        """(request id, number) -> the current (offset, request state, receipt)."""
        return {
            (r.request_id, n.number): n.at(self.elapsed(r))
            for r in list(self.requests.values())
            for n in r.numbers
        }

    def history(self, request_id: str, number: str) -> list[scripts.Step]:
        request = self.requests[request_id]
        num = next(n for n in request.numbers if n.number == number)
        return num.history(self.elapsed(request))

    def histories(self, api_key: str | None) -> dict[str, dict[str, list[tuple[str, int, int]]]]:
        """request id -> number -> the steps taken so far as (gateway time, state, receipt)."""
        self.account(api_key)
        found: dict[str, dict[str, list[tuple[str, int, int]]]] = {}
        for r in list(self.requests.values()):
            if r.api_key != api_key:
                continue
            elapsed = self.elapsed(r)
            found[r.request_id] = {
                n.number: [
                    ((r.starts_at + timedelta(seconds=t)).isoformat(), state, receipt)
                    for t, state, receipt in n.history(elapsed)
                ]
                for n in r.numbers
            }
        return found

    def quiescent(self) -> bool:
        """True when no number will change any more."""
        return all(
            self.elapsed(r) >= n.steps[-1][0]
            for r in list(self.requests.values())
            for n in r.numbers
        )

    def log_call(self, entry: CallLogEntry) -> None:
        with self._lock:
            self.calls.append(entry)

    def _own_request(self, api_key: str | None, request_id: str | None) -> SimRequest:
        self.account(api_key)
        if request_id is None:
            raise SimError(109)
        request = self.requests.get(request_id.strip())
        if request is None or request.api_key != api_key:
            raise SimError(102)
        return request
