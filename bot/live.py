"""The live archive: the running bot follows the corpus folder, and polls feeds, in the background.

Guarantees:

- every ``watch_seconds`` the corpus folder's files (name, size, modification time) are
  compared with the last look, in a worker thread; the files added, changed or removed
  (by ``newsdesk ingest`` in another process, a feed, or a file copied in) are applied to
  the archive in memory as a delta (:func:`~retrieval.index.changes.apply_changes`: only those
  files are read and indexed, in a worker thread), and the desk answers from the new
  archive from then on. A question under way finishes on the archive it started with. The
  event loop never waits for the disk or the index;
- once the deltas grow past :data:`MERGE_SEGMENTS` segments or
  :data:`~retrieval.store.delta.DELTA_MAX_SHARE` of the passages, the archive is rebuilt
  and saved in a worker thread (the merge) and swapped in if the corpus did not change
  meanwhile (else the next round merges again); an archive that cannot grow (a custom
  loader's) is loaded again instead;
- every ``feed_minutes`` each feed in NEWSDESK_FEEDS is read and its new entries ingested
  (:mod:`retrieval.ingest.feeds`), in a worker thread; what was added, skipped or failed is logged,
  and the archive is updated at once; when ``feeds.json`` cannot be written, one warning per
  poll says so and :attr:`LiveArchive.feed_problem` keeps it (``/archive recent`` shows it)
  until a poll records its entries again;
- each archive swapped in (a change, a merge) is then warmed up in a worker thread
  (:func:`warm_up_soon`) once it has stayed in use for :data:`SWAP_WARM_UP_DELAY_S`, so
  the first question on it does not pay for its speller, and a bulk ingest that swaps
  every round pays only for the last; the swap does not wait for it, and a question
  meanwhile waits only for the piece it needs;
- with the reader on, a change is applied by its words first: the desk answers from the new
  files at once, by words (the whole archive, as an archive saved by its words does), and the
  reader's vectors of the new passages are made afterwards, in a thread of their own (never the
  event loop nor its default executor), then the archive with them is swapped in. Questions
  meanwhile are answered, never held; changes meanwhile are applied by words too and read in
  the next round, and what was read already is kept;
- after each change that added or changed articles (a feed poll, ``/archive add``, a file
  another process wrote), once the desk answers from them (with the reader on: once they are
  read for meaning, so watches and late answers decide as before), the hook "new articles
  arrived" (:class:`~bot.arrivals.ArrivalHook`) is fired once with their ids (not for the first
  look, which has nothing to compare with);
- with the reader on, an archive loaded by its words only (``newsdesk ingest`` was still
  reading it for meaning) answers by words, and at each look is loaded again in a worker
  thread until it has its vectors (saved by the other process, or made by that load), then
  swapped in (:mod:`retrieval.store.vectors`);
- a failure (unreadable folder, a feed that is down) is logged and tried again next round,
  a failed warm-up is logged; none stops the bot.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from bot.arrivals import ArrivalHook
from bot.desk import FROM_CORPUS, Desk
from bot.settings import Settings
from retrieval.answer.warm_up import warm_up
from retrieval.archive import Archive
from retrieval.corpus import CORPUS_SUFFIX
from retrieval.index.scoring import MeaningAware
from retrieval.library import FeedStateNotSaved, FetchPool, Library, Snapshot

if TYPE_CHECKING:
    from retrieval.index.meaning import FusedScorer

log = logging.getLogger(__name__)

# Delta segments (rounds of changes) after which the archive is merged into one again.
MERGE_SEGMENTS = 8


# A swapped-in archive is warmed up once it has answered this long without being replaced:
# during a bulk ingest, which swaps the archive every round, only the last one pays for it.
SWAP_WARM_UP_DELAY_S = 10.0


def warm_up_soon(archive: Archive, after: str, delay: float = 0.0) -> asyncio.Task[None]:
    """Warm ``archive`` up (:func:`~retrieval.answer.warm_up.warm_up`) in a worker thread,
    after ``delay`` seconds, as a task that never raises: a failure is logged, and the first
    question then loads what it needs itself. Cancelled during the delay, it does nothing.
    ``after`` says what made the archive, for the log."""
    return asyncio.create_task(_warm_up(archive, after, delay), name="newsdesk-warm-up")


async def _warm_up(archive: Archive, after: str, delay: float = 0.0) -> None:
    if delay > 0:
        await asyncio.sleep(delay)
    started = time.perf_counter()
    try:
        ready = await asyncio.to_thread(warm_up, archive)
    except Exception:  # noqa: BLE001 - a warm-up is an optimisation: the bot answers without it
        log.exception("could not warm up the archive after %s; the first question loads what it needs", after)
        return
    log.info("archive warmed up after %s in %.2f s: %s", after, time.perf_counter() - started, ", ".join(ready) or "nothing")


class LiveArchive:
    """Keeps ``desk`` answering from the corpus folder as it is now, and polls the feeds."""

    def __init__(
        self, desk: Desk, settings: Settings, *, load: Callable[[], Archive] | None = None, library: Library | None = None,
        arrivals: ArrivalHook | None = None,
    ) -> None:
        self.desk = desk
        # Fired after each change that added or changed articles, once the desk answers from them.
        self.arrivals = arrivals
        self.settings = settings
        # Every change to the archive (a look at the folder, a feed poll, /archive) goes through it.
        self.library = library or desk.open_library(settings)
        self._load = load or (lambda: self.library.load(merge=False))
        self._merge = (lambda: self.library.load(merge=True)) if load is None else load
        self._seen: Snapshot | None = None
        self._seen_before = False  # the change being applied had an earlier look to compare with
        self._checking = asyncio.Lock()  # the watch loop and /archive may ask at once
        self._merging: asyncio.Task[None] | None = None
        self._own_load = load is None  # the library's: it can read a saved archive for meaning
        # Loading again an archive that answers by words while the reader is on (see _read_if_unread).
        self.reading: asyncio.Task[None] | None = None
        self.warming: asyncio.Task[None] | None = None  # the warm-up of the archive swapped in last
        self.warm_up_delay = SWAP_WARM_UP_DELAY_S
        # The reader's side of the archive before the changes applied by their words first (None
        # when none waits for its vectors), the task reading them, and the arrivals it will fire.
        self._read_before: FusedScorer | None = None
        self.reading_new: asyncio.Task[None] | None = None
        self._arrivals_waiting: list[str] = []
        # Reading new passages for meaning takes seconds to minutes: a thread of its own, not the
        # default executor that votes, /querylog and the other reloads share.
        self._reading_pool = FetchPool(workers=1, waiting=0, name="newsdesk-reading")
        self.reloads = 0
        self.merges = 0
        # Why the feed polls cannot record the entries they saw (shown in /archive recent);
        # None once a poll records them again.
        self.feed_state_problem: FeedStateNotSaved | None = None
        # Feed polls run in a thread of their own, never the loop's default executor: a poll
        # may take as long as its slowest entries' fetch deadlines.
        self._feed_pool = FetchPool(workers=1, waiting=0, name="newsdesk-feeds")

    async def start_watching(self) -> None:
        """Remember the corpus as the desk's archive was loaded from it."""
        self._seen = await asyncio.to_thread(self.library.snapshot)

    async def check(self) -> bool:
        """Update the archive if the corpus folder changed since the last look; True if it did."""
        async with self._checking:
            return await self._check()

    async def _check(self) -> bool:
        now = await asyncio.to_thread(self.library.snapshot)
        if now == self._seen:
            self._read_if_unread()
            return False
        before = self._seen or frozenset()
        self._seen_before = self._seen is not None
        read: FusedScorer | None = None
        if self._seen is None:  # no earlier look to compare with: load it whole
            archive = await asyncio.to_thread(self._load)
        else:
            current = self.desk.archive
            read = self.library.meaning_of(current)
            read = self._read_before if read is None else read
            archive, grown = await asyncio.to_thread(self._updated, current, before, now)
            read = read if grown else None  # a prefix of the new archive's passages only when it grew
        self._use(archive, "a change in the corpus")
        if read is not None and not isinstance(archive.index, MeaningAware):
            self._read_before = read  # answering by words now; the vectors follow
            self._read_new_soon()
        self._seen = now
        self.reloads += 1
        names_before, names_now = {n for n, *_ in before}, {n for n, *_ in now}
        if self._seen_before:
            self._arrived(sorted(name.removesuffix(CORPUS_SUFFIX) for name, *_ in now - before))  # added or changed
        log.info(
            "archive updated: %d files added, %d removed, %d changed; now %d articles, %d passages",
            len(names_now - names_before),
            len(names_before - names_now),
            len({n for n, *_ in now - before} & names_before),
            len(archive.articles),
            archive.passage_count,
        )
        self._merge_if_due(archive)
        return True

    def _use(self, archive: Archive, after: str) -> None:
        """Answer from ``archive`` now, and warm it up in the background."""
        self.desk.use_archive(archive)
        if isinstance(archive.index, MeaningAware):  # read for meaning whole (a merge, a load)
            self._read_before = None
        if self.warming is not None:
            self.warming.cancel()  # that archive is replaced: its outcome no longer matters
        self.warming = warm_up_soon(archive, after, self.warm_up_delay)

    def _read_if_unread(self) -> None:
        """With the reader on, an archive loaded by its words only (its saved vectors were still
        being made by another process, e.g. ``newsdesk ingest``'s second step) is loaded again in
        the background: that load reads the vectors once saved, or makes them if nobody is, and
        the archive with them is swapped in; meanwhile the words answer."""
        if not self._own_load or not self.library.semantic or isinstance(self.desk.archive.index, MeaningAware):
            return
        if self._read_before is not None:  # its new passages are being read (_read_new_passages)
            return
        if self.reading is None or self.reading.done():
            self.reading = asyncio.create_task(self._read_for_meaning(), name="newsdesk-read-for-meaning")

    async def _read_for_meaning(self) -> None:
        seen = self._seen
        try:
            archive = await asyncio.to_thread(self._load)
        except Exception:  # noqa: BLE001 - the archive by words keeps answering; the next look tries again
            log.exception("could not read the archive for meaning; it answers by words meanwhile")
            return
        async with self._checking:
            if self._seen == seen and isinstance(archive.index, MeaningAware):
                self._use(archive, "reading for meaning")
                log.info("archive read for meaning: %d passages", archive.passage_count)

    def _read_new_soon(self) -> None:
        if self.reading_new is None or self.reading_new.done():
            self.reading_new = asyncio.create_task(self._read_new_passages(), name="newsdesk-read-new-passages")

    async def _read_new_passages(self) -> None:
        """Make the reader's vectors of the passages applied by their words first, in the reading
        thread, and swap in the archive with them; an archive changed meanwhile takes another
        round (what was read is kept). Then fire the arrivals that waited for it."""
        while self._read_before is not None:
            archive, read = self.desk.archive, self._read_before
            started = time.perf_counter()
            try:
                whole = await self._reading_pool.run("reading new passages", self.library.with_meaning, archive, read)
            except Exception:  # noqa: BLE001 - the words keep answering; the next look loads it again
                log.exception("could not read the new passages for meaning; the archive answers by words meanwhile")
                self._read_before = None
                break
            async with self._checking:
                if self.desk.archive is archive:
                    self._use(whole, "reading new passages for meaning")
                    log.info("new passages read for meaning in %.2f s; %d passages", time.perf_counter() - started, whole.passage_count)
                elif self._read_before is read:  # changed again meanwhile: read only what came since
                    self._read_before = self.library.meaning_of(whole)
        self._fire_arrivals(self._arrivals_waiting)
        self._arrivals_waiting = []

    def _arrived(self, article_ids: Iterable[str]) -> None:
        """Fire the arrivals hook for these articles once the desk answers from them as it will
        (after their reading for meaning when it is under way)."""
        if self._read_before is not None:
            self._arrivals_waiting.extend(article_ids)
        else:
            self._fire_arrivals(article_ids)

    def _fire_arrivals(self, article_ids: Iterable[str]) -> None:
        ids = list(dict.fromkeys(article_ids))  # once each, in order
        if self.arrivals is not None and ids:
            self.arrivals.fire_soon(ids, source=FROM_CORPUS)

    def stop(self) -> None:
        """Cancel the warm-up, the reading and the arrivals' checks under way (the bot is closing)."""
        if self.warming is not None:
            self.warming.cancel()
        if self.reading_new is not None:
            self.reading_new.cancel()
        if self.arrivals is not None:
            self.arrivals.stop()
        self._feed_pool.shutdown()
        self._reading_pool.shutdown()

    def _updated(self, archive: Archive, before: Snapshot, now: Snapshot) -> tuple[Archive, bool]:
        """``archive`` with the files that differ between the two looks applied by their words
        (blocking), and True; or loaded again, and False."""
        changed = self.library.with_changes(archive, before, now, words_first=True)
        if changed is None:  # an archive that cannot grow (a custom loader's)
            log.info("archive loaded again")
            return self._load(), False
        return changed, True

    def _merge_if_due(self, archive: Archive) -> None:
        due = self.library.merge_due(archive, max_segments=MERGE_SEGMENTS)
        if due and (self._merging is None or self._merging.done()):
            self._merging = asyncio.create_task(self.merge(), name="newsdesk-archive-merge")

    async def merge(self) -> None:
        """Rebuild and save the archive in a worker thread; use it if the corpus did not change meanwhile."""
        seen = self._seen
        try:
            merged = await asyncio.to_thread(self._merge)
        except Exception:  # noqa: BLE001 - a failed merge leaves the deltas answering; the next one retries
            log.exception("could not merge the archive's deltas; it keeps answering from them")
            return
        async with self._checking:
            if self._seen == seen:
                self._use(merged, "a merge")
                self.merges += 1
                log.info("archive merged: %d passages in one segment", merged.passage_count)

    async def watch(self) -> None:
        """Check every ``watch_seconds``, until cancelled (a feed poll checks at once itself)."""
        if self._seen is None:
            await self.start_watching()
        while True:
            await asyncio.sleep(self.settings.watch_seconds)
            try:
                await self.check()
            except Exception:  # noqa: BLE001 - a bad round is logged; the bot keeps answering
                log.exception("could not reload the archive; trying again in %s s", self.settings.watch_seconds)

    def poll_feeds_once(self) -> int:
        """Ingest the new entries of every feed (blocking: run it in a worker thread); how many were added."""
        polled = self.library.poll(self.settings.feeds)
        for run in polled.runs:
            for outcome in run.outcomes:
                if outcome.result is not None:
                    log.info("feed %s: added %s (%s)", run.feed, outcome.result.path.name, outcome.result.article.title)
                elif not outcome.skipped:
                    log.warning("feed %s: %s", run.feed, outcome.error)
            log.info("feed %s: %s", run.feed, run.summary())
        self._note_feed_state(polled.problem, polled.recorded)
        return len(polled.added)

    def _note_feed_state(self, problem: FeedStateNotSaved | None, recorded: bool) -> None:
        """Warn once per poll that what it saw is not recorded, and keep it for /archive recent;
        a poll that saved nothing (no new entries) leaves the last word as it was."""
        if problem:
            log.warning("feeds: %s", problem)
            self.feed_state_problem = problem
        elif recorded and self.feed_state_problem:
            log.info("feeds: the entries seen are recorded again")
            self.feed_state_problem = None

    @property
    def feed_problem(self) -> str | None:
        """``feed_state_problem``'s message, as ``/archive recent`` shows it."""
        return None if self.feed_state_problem is None else str(self.feed_state_problem)

    async def poll_once(self) -> int:
        """Read the feeds once; their new pages are searchable (by their words, with the reader on)
        when it returns, and the arrivals hook fires once they are read for meaning.
        How many pages were added."""
        if self._seen is None:  # the corpus before the poll, so that its pages are told apart as new
            await self.start_watching()
        added = await self._feed_pool.run("feed poll", self.poll_feeds_once)
        if added:
            await self.check()  # searchable now, not at the next look (there may be none: watch 0)
        return added

    async def poll_feeds(self) -> None:
        """Read the feeds now and every ``feed_minutes``, until cancelled."""
        while True:
            try:
                await self.poll_once()
            except Exception:  # noqa: BLE001 - a feed round that fails is logged and tried again
                log.exception("feed polling failed; trying again in %s min", self.settings.feed_minutes)
            await asyncio.sleep(self.settings.feed_minutes * 60)
