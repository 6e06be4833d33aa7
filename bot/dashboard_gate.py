"""Who may try to log in to the dashboard, and when: the throttles, the password check and the
one-time link, free of Datasette (:mod:`bot.dashboard_auth` serves them).

Guarantees:
- A password is checked (PBKDF2, a fraction of a second) in a small pool of worker threads
  (:data:`HASH_THREADS`), never on the event loop, at a lower CPU priority (on Linux) than
  the threads serving pages.
- An attempt is counted before its password is checked, so the (FAILURES_PER_CLIENT + 1)th
  failed attempt from one address (an IPv6 address by its /64) within WINDOW_SECONDS, or the
  (FAILURES_PER_USER + 1)th for one user name from all addresses, is refused before any
  hashing, however many arrive at once. A successful login clears its address's count.
- A right ``Basic`` header is remembered as a keyed digest (never the password) for
  BASIC_CACHE_SECONDS.
- The one-time link (a dashboard without a password): its token is random (256 bits),
  compared in constant time, and opens the dashboard once; a wrong token counts as a failed
  login of its address.
"""

from __future__ import annotations

import asyncio
import base64
import collections
import concurrent.futures
import dataclasses
import hashlib
import hmac
import ipaddress
import logging
import math
import os
import secrets
import threading
import time
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

WINDOW_SECONDS = 60.0
FAILURES_PER_CLIENT = 5
FAILURES_PER_USER = 20  # from all addresses together
MAX_TRACKED = 4096  # addresses remembered by a throttle; the oldest go first
BASIC_CACHE_SECONDS = 300.0
BASIC_CACHE_ENTRIES = 64
HASH_THREADS = 1  # one core at most, whatever arrives: the pages keep the rest
MAX_PASSWORD_CHARS = 1024
ALGORITHM = "pbkdf2_sha256"
TOKEN_BYTES = 32

Scope = dict[str, Any]

HASH_NICENESS = 10  # added to the password thread's; the pages' threads keep theirs


def _lower_priority() -> None:
    """Run this (password) thread at a lower CPU priority, so on a busy machine the pages'
    threads go first (Linux: a thread is a task, and setpriority takes its id)."""
    try:
        tid = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, tid, min(os.getpriority(os.PRIO_PROCESS, tid) + HASH_NICENESS, 19))
    except (AttributeError, OSError) as exc:  # not Linux, or not allowed: hashing still runs
        log.debug("the password thread keeps its priority: %s", exc)


_HASH_POOL = concurrent.futures.ThreadPoolExecutor(
    max_workers=HASH_THREADS, thread_name_prefix="newsdesk-password", initializer=_lower_priority
)
_DIGEST_KEY = secrets.token_bytes(32)  # per process: the Basic cache's digests mean nothing elsewhere


def new_token() -> str:
    """A token for the one-time link: 256 random bits, URL-safe."""
    return secrets.token_urlsafe(TOKEN_BYTES)


@dataclasses.dataclass(frozen=True)
class Refusal:
    """A throttled login: what to tell the client, and in how many seconds to try again."""

    message: str
    seconds: int


def verify_password(password: str, encoded: str) -> bool:
    """Whether ``password`` matches ``encoded`` (pbkdf2_sha256$iterations$salt$base64): slow by design."""
    try:
        algorithm, iterations, salt, expected = encoded.strip().split("$", 3)
        rounds = int(iterations)
    except ValueError:
        return False
    if algorithm != ALGORITHM or rounds < 1:
        return False
    digest = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt.encode("utf-8"), rounds)
    return hmac.compare_digest(base64.b64encode(digest).decode("ascii").strip(), expected)


def client_key(scope: Scope) -> str:
    """Who a request counts against: its address, an IPv6 one by its /64 (one host holds many)."""
    client = scope.get("client")
    host = str(client[0]) if client else "unknown"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


class Throttle:
    """Counts attempts per key within a sliding window; thread-safe, bounded in memory."""

    def __init__(self, limit: int, window: float = WINDOW_SECONDS, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.window = window
        self.clock = clock
        self._seen: collections.OrderedDict[str, collections.deque[float]] = collections.OrderedDict()
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> collections.deque[float]:
        stamps = self._seen.get(key)
        if stamps is None:
            return collections.deque()
        while stamps and stamps[0] <= now - self.window:
            stamps.popleft()
        if not stamps:
            del self._seen[key]
        return stamps

    def wait(self, key: str) -> float:
        """Seconds until ``key`` may try again (0: it may now)."""
        with self._lock:
            now = self.clock()
            stamps = self._recent(key, now)
            return 0.0 if len(stamps) < self.limit else max(stamps[0] + self.window - now, 0.001)

    def count(self, key: str) -> None:
        """Record an attempt by ``key``."""
        with self._lock:
            now = self.clock()
            stamps = self._recent(key, now)
            if key not in self._seen:
                self._seen[key] = stamps
                while len(self._seen) > MAX_TRACKED:
                    self._seen.popitem(last=False)
            stamps.append(now)

    def forgive(self, key: str, everything: bool = False) -> None:
        """Take back the latest attempt of ``key`` (all of them with ``everything``)."""
        with self._lock:
            stamps = self._seen.get(key)
            if stamps:
                if everything:
                    stamps.clear()
                else:
                    stamps.pop()
                if not stamps:
                    del self._seen[key]


class Gate:
    """One dashboard's login state: the throttles, the Basic header's cache, the one-time token."""

    def __init__(self, clock: Callable[[], float] = time.monotonic, token: str | None = None) -> None:
        self.clock = clock
        self._token = token
        self.clients = Throttle(FAILURES_PER_CLIENT, clock=clock)
        self.users = Throttle(FAILURES_PER_USER, clock=clock)
        self._good: collections.OrderedDict[bytes, float] = collections.OrderedDict()
        self._lock = threading.Lock()

    def refusal(self, client: str, user: str | None) -> Refusal | None:
        """Why an attempt must wait, or None; counts the attempt when it may go on.

        ``user`` is None for a user name that has no account (only its address is counted)."""
        checks = [(self.clients, client, "from your address")]
        if user is not None:
            checks.append((self.users, user, f"for {user}"))
        for throttle, key, whose in checks:
            seconds = throttle.wait(key)
            if seconds:
                log.warning("refused a login for %r from %s: too many failures %s", user, client, whose)
                wait = math.ceil(seconds)
                return Refusal(f"Too many failed logins {whose} in the last minute: try again in {wait} s.", wait)
        for throttle, key, _ in checks:
            throttle.count(key)
        return None

    def succeeded(self, client: str, user: str) -> None:
        self.clients.forgive(client, everything=True)
        self.users.forgive(user)

    def _digest(self, user: str, password: str, encoded: str) -> bytes:
        return hmac.new(_DIGEST_KEY, "\0".join((user, password, encoded)).encode("utf-8"), "sha256").digest()

    def remembered(self, user: str, password: str, encoded: str) -> bool:
        key = self._digest(user, password, encoded)
        with self._lock:
            until = self._good.get(key)
            if until is None:
                return False
            if until <= self.clock():
                del self._good[key]
                return False
            return True

    def remember(self, user: str, password: str, encoded: str) -> None:
        with self._lock:
            self._good[self._digest(user, password, encoded)] = self.clock() + BASIC_CACHE_SECONDS
            while len(self._good) > BASIC_CACHE_ENTRIES:
                self._good.popitem(last=False)

    async def check(self, client: str, user: str, password: str, accounts: dict[str, str]) -> tuple[bool, Refusal | None]:
        """(valid, refusal): a throttled attempt is refused before any hashing; a valid one
        clears its address's count. The hash runs in the password threads."""
        encoded = accounts.get(user)
        refusal = self.refusal(client, user if encoded else None)
        if refusal:
            return False, refusal
        if encoded is None or len(password) > MAX_PASSWORD_CHARS:
            return False, None
        loop = asyncio.get_running_loop()
        valid = await loop.run_in_executor(_HASH_POOL, verify_password, password, encoded)
        if valid:
            self.succeeded(client, user)
        else:
            log.info("a wrong password for %r from %s", user, client)
        return valid, None

    def redeem(self, client: str, token: str) -> tuple[bool, Refusal | None]:
        """(valid, refusal) for the one-time link's ``token``: valid once (the token is then
        spent); a wrong one counts as a failed login of ``client``."""
        refusal = self.refusal(client, None)
        if refusal:
            return False, refusal
        with self._lock:
            expected, valid = self._token, False
            if expected is not None and hmac.compare_digest(token.encode("utf-8"), expected.encode("utf-8")):
                self._token, valid = None, True
        if valid:
            self.clients.forgive(client, everything=True)
        else:
            log.warning("a wrong or spent one-time link from %s", client)
        return valid, None

    @property
    def token_spent(self) -> bool:
        with self._lock:
            return self._token is None
