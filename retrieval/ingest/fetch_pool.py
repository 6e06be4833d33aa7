"""Fetching off the event loop, in threads of its own: slow sites never starve other work.

``asyncio.to_thread`` shares the loop's default executor with everything else the bot does
in threads (votes, ``/querylog``, archive reloads); a few ``/archive add`` fetches of sites
that answer slowly would hold all of its threads. A :class:`FetchPool` has its own few
threads and a bounded queue: past it, a fetch is refused at once with :class:`FetchBusy`
(one line saying to try again) instead of waiting without end. Each fetch is itself bounded
by its deadline (:class:`retrieval.ingest.fetch.FetchLimits`), so a slot is always given back.

Guarantees: at most ``workers`` threads run pool work; at most ``workers + waiting`` calls are
accepted and not finished (a call whose caller was cancelled keeps its slot until its thread
is done with it); threads are daemons named ``newsdesk-fetch-*``, started on first use.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

from retrieval.ingest.raw_page import IngestError  # not fetch's FetchError: this module needs no httpx

log = logging.getLogger(__name__)

FETCH_WORKERS = 4
FETCH_WAITING = 8

P = ParamSpec("P")
T = TypeVar("T")


class FetchBusy(IngestError):
    """Every fetch slot is taken; the message says to try again shortly."""


class FetchPool:
    """A small thread pool with a bounded queue, for blocking fetches called from async code."""

    def __init__(self, workers: int = FETCH_WORKERS, waiting: int = FETCH_WAITING, *, name: str = "newsdesk-fetch") -> None:
        if workers < 1 or waiting < 0:
            raise ValueError(f"a fetch pool needs at least one worker and no negative queue, not {workers}, {waiting}")
        self.workers = workers
        self.capacity = workers + waiting
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=name)
        self._slots = threading.BoundedSemaphore(self.capacity)
        self._lock = threading.Lock()
        self._accepted = 0

    @property
    def accepted(self) -> int:
        """Calls accepted and not finished (running or waiting for a thread)."""
        return self._accepted

    def _give_back(self) -> None:
        with self._lock:
            self._accepted -= 1
        self._slots.release()

    async def run(self, what: str, func: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """``func(*args, **kwargs)`` in a pool thread; :class:`FetchBusy` (naming ``what``) when full."""
        if not self._slots.acquire(blocking=False):
            log.warning("fetch pool full (%d accepted); refused %s", self.capacity, what)
            message = (
                f"{what}: not fetched now: {self.capacity} pages are being fetched already; "
                "try again in a minute"
            )
            raise FetchBusy(what, message, reason="busy")
        with self._lock:
            self._accepted += 1
        try:
            future = self._executor.submit(functools.partial(func, *args, **kwargs))
        except RuntimeError:  # shut down
            self._give_back()
            raise
        # The slot is given back when the thread is done, not when the caller stops waiting.
        future.add_done_callback(lambda _: self._give_back())
        return await asyncio.wrap_future(future)

    def shutdown(self) -> None:
        """Accept no more work; running fetches end by their deadlines (not waited for)."""
        self._executor.shutdown(wait=False, cancel_futures=True)
