"""Pages of a batch read into articles ahead of their turn, in a small pool of worker processes.

Reading a page (trafilatura's extraction, then cleaning) is most of what a folder ingest costs,
and each page's reading is independent of every other page and of the corpus. With many pages,
:func:`read_in_order` has worker processes read the next pages while the batch checks and
writes the current one (:func:`retrieval.ingest.pages.ingest_pages`).

Guarantees:

- The same outcome as reading one by one: each page's result (or the error reading it raised)
  is what the reading function gives in this process, and they come back in the pages' order;
  the caller checks and writes them in that order, so a batch writes the same files.
- Bounded: at most :data:`AHEAD` pages are read ahead (a page is at most 5 MB).
- Only where forking is safe and pays: a process with no other thread running (the command
  line; never the bot, whose threads a fork would copy mid-step), on at least two cores, for
  at least :data:`MIN_PAGES` pages. Otherwise every page is read here, in turn.
- Ctrl-C stops the batch, not the workers mid-page: they ignore it, and the pool is shut down
  (pages not started are dropped) when the batch ends, however it ends.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import TypeVar

from retrieval.ingest.raw_page import IngestError

log = logging.getLogger(__name__)

WORKERS = 2  # the machine this was measured on has two cores
MIN_PAGES = 8  # below this, starting the workers costs about what they save
AHEAD = 2 * WORKERS + 2  # pages read ahead of the one being written

Page = TypeVar("Page")
Read = TypeVar("Read")


def workers_for(pages: int) -> int:
    """How many worker processes read a batch of ``pages`` pages (1: none, read here)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    forkable = "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1
    return WORKERS if pages >= MIN_PAGES and cores >= 2 and forkable else 1


def read_in_order(
    getters: Iterable[Callable[[], Page]], read: Callable[[Page], Read], workers: int = 1
) -> Iterator[Callable[[], tuple[Page, Read]]]:
    """For each getter, in order: a call that returns its page and ``read(page)``, or raises
    what getting or reading it raised. With ``workers`` > 1, ``read`` runs in that many forked
    processes, up to :data:`AHEAD` pages ahead (``read`` and the pages must pickle: a function
    of a module, and data)."""
    if workers <= 1:
        for get in getters:
            yield lambda get=get: _here(get, read)
        return
    executor = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"), initializer=_ignore_ctrl_c)
    pending: deque[tuple[Callable[[], Page] | BaseException, Future[Read] | None]] = deque()
    try:
        for get in getters:
            pending.append(_submitted(executor, get, read))
            if len(pending) > AHEAD:
                yield _taken(pending.popleft())
        while pending:
            yield _taken(pending.popleft())
    finally:
        executor.shutdown(wait=True, cancel_futures=True)


def _here(get: Callable[[], Page], read: Callable[[Page], Read]) -> tuple[Page, Read]:
    page = get()
    return page, read(page)


def _submitted(
    executor: ProcessPoolExecutor, get: Callable[[], Page], read: Callable[[Page], Read]
) -> tuple[Callable[[], Page] | BaseException, Future[Read] | None]:
    """The page got here (files, downloads), and its reading sent to a worker; or the error
    getting it raised, kept for its turn."""
    try:
        page = get()
    except IngestError as exc:  # raised in its turn, as reading one by one would
        return exc, None
    return (lambda: page), executor.submit(read, page)


def _taken(item: tuple[Callable[[], Page] | BaseException, Future[Read] | None]) -> Callable[[], tuple[Page, Read]]:
    got, future = item
    if isinstance(got, BaseException):
        error = got

        def fail() -> tuple[Page, Read]:
            raise error

        return fail
    assert future is not None
    return lambda: (got(), future.result())


def _ignore_ctrl_c() -> None:
    # Ctrl-C reaches the whole process group: the batch (this process's parent) stops and
    # shuts the pool down; a worker only finishes the page it is reading.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
