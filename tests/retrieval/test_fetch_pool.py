"""FetchPool: fetches in a few threads of their own, a bounded queue, refused at once when full."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from retrieval.ingest.fetch_pool import FetchBusy, FetchPool


async def _until(condition, what: str) -> None:
    for _ in range(2000):
        if condition():
            return
        await asyncio.sleep(0.005)
    raise AssertionError(f"timed out waiting for {what}")


async def test_a_full_pool_refuses_at_once_and_leaves_the_default_executor_free() -> None:
    loop = asyncio.get_running_loop()
    loop.set_default_executor(ThreadPoolExecutor(max_workers=1))  # what other work shares
    release = threading.Event()
    running: list[str] = []

    def slow_fetch(n: int) -> int:
        running.append(threading.current_thread().name)
        release.wait(30)
        return n

    pool = FetchPool(workers=2, waiting=1)
    try:
        calls = [asyncio.ensure_future(pool.run(f"https://example.org/{n}", slow_fetch, n)) for n in range(3)]
        await _until(lambda: len(running) == 2, "two fetches running")
        assert pool.accepted == 3  # two running, one waiting for a thread
        with pytest.raises(FetchBusy) as info:
            await pool.run("https://example.org/late", slow_fetch, 9)
        assert str(info.value) == (
            "https://example.org/late: not fetched now: 3 pages are being fetched already; try again in a minute"
        )
        assert info.value.reason == "busy"
        # Other work in the default executor is not held up by the slow fetches.
        assert await asyncio.to_thread(lambda: "free") == "free"
        release.set()
        assert await asyncio.gather(*calls) == [0, 1, 2]
        assert all(name.startswith("newsdesk-fetch") for name in running) and len(running) == 3
        assert await pool.run("https://example.org/again", slow_fetch, 4) == 4  # slots given back
    finally:
        release.set()
        pool.shutdown()


async def test_a_cancelled_caller_keeps_its_slot_until_its_thread_is_done() -> None:
    release = threading.Event()
    started = threading.Event()

    def slow_fetch() -> str:
        started.set()
        release.wait(30)
        return "done"

    pool = FetchPool(workers=1, waiting=0)
    try:
        waiting = asyncio.ensure_future(pool.run("https://example.org/a", slow_fetch))
        await _until(started.is_set, "the fetch started")
        waiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiting
        with pytest.raises(FetchBusy):  # its thread still runs: no second thread is started
            await pool.run("https://example.org/b", slow_fetch)
        release.set()
        await _until(lambda: pool.accepted == 0, "the slot given back")
        assert await pool.run("https://example.org/c", slow_fetch) == "done"
    finally:
        release.set()
        pool.shutdown()


def test_a_pool_needs_a_worker() -> None:
    with pytest.raises(ValueError, match="at least one worker"):
        FetchPool(workers=0)
