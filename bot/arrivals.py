"""The bot's side of the hook "new articles arrived": the desk's checks run in a worker thread,
then each check's findings go to the poster registered for it (late answers, watches).

Guarantees: :meth:`ArrivalHook.fire` never raises (a failed check or poster is logged and the
others still run) and never blocks the event loop; a check without a poster has its findings
logged, not lost silently; fired with no article, it does nothing at all; arrivals are checked
one at a time, in the order they came (:meth:`ArrivalHook.fire_soon` runs one in a task of its
own, so the change that fired it does not wait for the posts).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable
from bot.desk.arrivals import FROM_CORPUS, ArrivalsDesk

log = logging.getLogger(__name__)

Poster = Callable[[list], Awaitable[None]]


class ArrivalHook:
    """Runs ``desk``'s arrival checks on new articles and hands their findings to the posters."""

    def __init__(self, desk: ArrivalsDesk) -> None:
        self.desk = desk
        self.posters: dict[str, Poster] = {}
        self.fired = 0  # arrivals with articles (tests wait on it)
        self._tasks: set[asyncio.Task[None]] = set()
        self._one_at_a_time = asyncio.Lock()  # arrivals are checked in the order they came

    def fire_soon(self, article_ids: Iterable[str], *, source: str = FROM_CORPUS) -> None:
        """:meth:`fire` in a task of its own: the change that fired it does not wait for the posts."""
        task = asyncio.create_task(self.fire(article_ids, source=source), name="newsdesk-arrivals")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def stop(self) -> None:
        """Cancel the arrivals under way (the bot is closing); what was claimed stays answered once."""
        for task in self._tasks:
            task.cancel()

    def deliver(self, name: str, poster: Poster) -> None:
        """Send what check ``name`` finds to ``poster`` (a coroutine function taking the list)."""
        self.posters[name] = poster

    async def fire(self, article_ids: Iterable[str], *, source: str = FROM_CORPUS) -> None:
        ids = tuple(article_ids)
        if not ids:
            return
        async with self._one_at_a_time:
            await self._fire(ids, source)

    async def _fire(self, ids: tuple[str, ...], source: str) -> None:
        try:
            found = await asyncio.to_thread(self.desk.articles_arrived, ids, source=source)
        except Exception:  # noqa: BLE001 - the archive is updated all the same; the checks wait for the next arrival
            log.exception("the checks on %d new article(s) failed", len(ids))
            found = {}
        for name, items in found.items():
            poster = self.posters.get(name)
            if not items:
                continue
            if poster is None:
                log.warning("%d finding(s) of the %s check have nowhere to go", len(items), name)
                continue
            try:
                await poster(items)
            except Exception:  # noqa: BLE001 - one poster's failure must not keep the others from posting
                log.exception("posting the %s check's %d finding(s) failed", name, len(items))
        self.fired += 1
