"""robots.txt: may newsdesk fetch this address? Read per site, kept for a few minutes.

newsdesk fetches single pages and polls feeds on a team's behalf; it still honours robots.txt
for both (feeds are polled by a robot, and a feed's entries are pages), as ``newsdesk`` (the
product token of its User-Agent). The rules follow RFC 9309:

- 2xx: the file is parsed with :mod:`urllib.robotparser`; its rules decide.
- 4xx (404 and the rest, 429 excepted): no rules, everything may be fetched.
- 5xx and 429: the site is in trouble, so nothing is fetched from it for now (RFC 9309 2.3.1.4:
  assume complete disallow); the answer is kept only for ``RETRY_SECONDS`` so it is asked
  again soon.
- unreachable (no DNS, refused, timeout): the page is not fetched either; the caller reports
  the network failure itself (it would fail the same way) and nothing is cached.

An answer is cached in-process per origin (scheme, host, port) for ``CACHE_SECONDS``, shared
by the threads of one process, for at most ``MAX_SITES`` sites. Only the first ``MAX_ROBOTS_BYTES`` of a file are read.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit
from urllib.robotparser import RobotFileParser

log = logging.getLogger(__name__)

AGENT_TOKEN = "newsdesk"
CACHE_SECONDS = 600.0
RETRY_SECONDS = 60.0
MAX_ROBOTS_BYTES = 512_000
MAX_SITES = 1000  # answers kept at once; a long-running bot meets many sites

# Loads ``robots_url``: its HTTP status and (up to MAX_ROBOTS_BYTES of) its body.
Loader = Callable[[str], tuple[int, bytes]]


@dataclass(frozen=True)
class Refusal:
    """Why robots.txt keeps newsdesk from an address; ``temporary``: the site's robots.txt is failing."""

    why: str
    temporary: bool = False


@dataclass(frozen=True)
class _Answer:
    status: int
    rules: RobotFileParser | None  # None: no rules (everything allowed, or nothing on 5xx)
    expires: float


def robots_url(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}/robots.txt"


def _answer(status: int, body: bytes, now: float) -> _Answer:
    if 200 <= status < 300:
        rules = RobotFileParser()
        rules.parse(body[:MAX_ROBOTS_BYTES].decode("utf-8", errors="replace").splitlines())
        return _Answer(status, rules, now + CACHE_SECONDS)
    if status >= 500 or status == 429:
        return _Answer(status, None, now + RETRY_SECONDS)
    return _Answer(status, None, now + CACHE_SECONDS)


class RobotsCache:
    """Per-origin robots.txt answers, each kept until it expires."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._answers: dict[str, _Answer] = {}
        self._lock = threading.Lock()

    def refusal(self, url: str, load: Loader) -> Refusal | None:
        """Why robots.txt forbids fetching ``url``, or None when it may be fetched.

        ``load`` is called when the site's answer is not cached; what it raises (a network
        failure) propagates and nothing is cached.
        """
        where = robots_url(url)
        answer = self._cached(where)
        if answer is None:
            answer = _answer(*load(where), self._clock())
            with self._lock:
                self._keep(where, answer)
            log.debug("%s: HTTP %d", where, answer.status)
        if answer.rules is not None:
            allowed = answer.rules.can_fetch(AGENT_TOKEN, url)
            return None if allowed else Refusal(f"{where} asks robots not to fetch it")
        if answer.status >= 500 or answer.status == 429:
            why = f"{where} answered HTTP {answer.status}, so the site is not fetched from for now; try again in a few minutes"
            return Refusal(why, temporary=True)
        return None

    def _cached(self, where: str) -> _Answer | None:
        with self._lock:
            answer = self._answers.get(where)
            if answer is not None and answer.expires <= self._clock():
                del self._answers[where]
                return None
            return answer

    def _keep(self, where: str, answer: _Answer) -> None:
        """Remember ``answer``; past MAX_SITES, expired answers go, then the soonest to expire."""
        if len(self._answers) >= MAX_SITES:
            now = self._clock()
            for site in [s for s, a in self._answers.items() if a.expires <= now]:
                del self._answers[site]
        if len(self._answers) >= MAX_SITES:
            del self._answers[min(self._answers, key=lambda s: self._answers[s].expires)]
        self._answers[where] = answer

    def clear(self) -> None:
        with self._lock:
            self._answers.clear()
