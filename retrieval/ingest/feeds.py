"""RSS and Atom feeds: fetch a feed, ingest the pages of its new entries, remember what was seen.

Guarantees: the feed and each entry's page are fetched through :mod:`retrieval.ingest.fetch` (same
limits, User-Agent and one-line failures); an entry is *seen* once its page was added, was
already in the corpus, or failed for a reason that retrying will not fix (no date, not HTML,
404, robots.txt disallows, private address...); an entry that failed for a passing reason
(timeout, refused, DNS, a 5xx answer, a failing robots.txt) is tried again next time. What
was seen is kept per feed in ``.feeds.json`` in the corpus folder (not in the index folder, a
cache anyone may delete: :func:`moved_state` moves one kept there before, once, saying so in the
log), written atomically (temp file + rename) and merged with what the file holds then, so two runs at once (the bot's poll, a
command) keep each other's. Marks are saved in batches (every :data:`SAVE_EVERY_ENTRIES` entries
or :data:`SAVE_EVERY_SECONDS`, whichever comes first) and always when a feed's run ends, however
it ends (done, an error, Ctrl-C, the caller stopping): a run writes the file a few times, not once
per entry. A crash (killed, power cut) loses at most the last batch: those entries are fetched
again next run and skipped as already in the corpus, never added twice. When the file cannot be
written, ``FeedState.problem`` says so, with how to fix it (the entries are fetched again next
run and skipped as known); the caller reports it, once per run. The entry's own date and title, and the feed's name as the outlet, fill a page that shows
none (and say so).
"""

from __future__ import annotations

import calendar
import datetime as dt
import json
import logging
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from retrieval.store.atomic import write_text_atomically
from retrieval.store.places import Places
from retrieval.ingest.fetch import REASON_ROBOTS_FAILING, FetchError, FetchLimits, Outages, fetch
from retrieval.ingest.pages import IngestOutcome, Overrides, RawPage, ingest_pages
from retrieval.ingest.outlet_names import outlet_name

log = logging.getLogger(__name__)

# Feeds list their latest entries: past this many links per feed, those the feed no longer
# lists are dropped, oldest first; a link it still lists is always kept (else it is fetched again).
MAX_SEEN_PER_FEED = 5000
# Rewriting the whole file after every entry made a run quadratic (3000 entries: 6 s of saves);
# a batch bounds what a crash can lose, and its pages are skipped as known when fetched again.
SAVE_EVERY_ENTRIES = 100
SAVE_EVERY_SECONDS = 5.0
# Failures that may pass (and 5xx or 429 answers): the entry is tried again on the next run.
RETRY_REASONS = frozenset({"timeout", "refused", "DNS", "cannot connect", "download failed", REASON_ROBOTS_FAILING})


class FeedError(FetchError):
    """A feed that could not be read as RSS or Atom."""


@dataclass(frozen=True)
class FeedEntry:
    link: str
    title: str = ""
    published: dt.date | None = None
    source: str = ""  # the feed's own name, as an outlet


# Between a feed's name and what part of the site it covers: "BBC News - World", "NYT > Europe".
_NAME_PARTS = re.compile(r"\s+[-|–—>:»]\s+|:\s+")


def feed_outlet(title: str) -> str:
    """The outlet a feed's title names: its first part that is a name, not a web address."""
    for part in [*_NAME_PARTS.split(title), title]:
        if name := outlet_name(part):
            return name
    return ""


def state_file(corpus_dir: Path, index_path: Path | None = None) -> Path:
    """``.feeds.json`` in the corpus folder (its feed state was once in the index folder)."""
    return Places(Path(corpus_dir), Path(index_path) if index_path else None).feed_state


def moved_state(old: Path, new: Path) -> Path:
    """The feed state file to use: ``new``, after moving ``old`` (the index folder's, from before)
    there when only ``old`` exists, with one log line; ``old`` itself when it cannot be moved."""
    if new.exists() or not old.is_file():
        return new
    try:
        new.parent.mkdir(parents=True, exist_ok=True)
        write_text_atomically(new, old.read_text(encoding="utf-8"))  # the index may be on another disk
        old.unlink()
    except OSError as exc:
        log.warning("feed state %s could not be moved to %s (%s); it is kept where it is for now", old, new, exc)
        return old
    log.warning("feed state moved from %s to %s: it belongs with the corpus, the index folder is a cache", old, new)
    return new


@dataclass(frozen=True)
class FeedStateNotSaved:
    """The feed entries seen could not be recorded: they are fetched again next time (and skipped as known)."""

    path: Path
    message: str

    def __str__(self) -> str:
        return self.message


class FeedState:
    """Entry links seen, per feed URL; marked in memory, saved atomically as JSON in batches.

    Call :meth:`flush` when done marking (:func:`ingest_feed` does at the end of each feed).
    """

    def __init__(self, path: Path, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.path = Path(path)
        self.listed: dict[str, set[str]] = {}  # the links each feed lists now, never dropped from ``seen``
        self.problem: FeedStateNotSaved | None = None  # why what was seen could not be saved, for the user
        self.saved = False  # True once a save succeeded (the file is writable)
        self._clock = clock
        self._saved_at = clock()
        self._unsaved: set[str] = set()  # feeds with marks not saved yet
        self._marks = 0  # marks not saved yet
        self.seen: dict[str, list[str]] = self._read(warn=True)
        self._known = {feed: set(links) for feed, links in self.seen.items()}  # ``seen`` as sets, to look up

    def _read(self, *, warn: bool = False) -> dict[str, list[str]]:
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
            return {str(k): [str(x) for x in v] for k, v in raw.get("seen", {}).items()}
        except FileNotFoundError:
            return {}
        except (OSError, ValueError, AttributeError, TypeError) as exc:
            if warn:
                log.warning("feed state %s unreadable (%s); starting afresh, entries may be fetched again", self.path, exc)
            return {}

    def is_seen(self, feed_url: str, link: str) -> bool:
        return link in self._known.get(feed_url, ())

    def mark(self, feed_url: str, link: str) -> None:
        """Remember ``link`` as seen; saved with the next batch (at the latest by :meth:`flush`)."""
        known = self._known.setdefault(feed_url, set())
        if link in known:
            return
        known.add(link)
        self.seen.setdefault(feed_url, []).append(link)
        self._unsaved.add(feed_url)
        self._marks += 1
        if self._marks >= SAVE_EVERY_ENTRIES or self._clock() - self._saved_at >= SAVE_EVERY_SECONDS:
            self.flush()

    def refresh(self) -> None:
        """Take in what another run (the bot's poll, another command) saved since: not fetched twice."""
        self._merge(self._read())

    def flush(self) -> None:
        """Save the marks not saved yet, merged with what the file holds now; a failure is ``problem``."""
        if not self._marks:
            return
        self._merge(self._read())  # another run may have saved since: keep what it saw
        for feed in self._unsaved:
            self.seen[feed] = _trimmed(self.seen[feed], self.listed.get(feed, set()))
            self._known[feed] = set(self.seen[feed])
        self._unsaved, self._marks, self._saved_at = set(), 0, self._clock()
        try:
            self.save()
        except OSError as exc:  # the pages are in the corpus all the same: next run skips them as duplicates
            # The caller reports ``problem`` once per run (the CLI prints it, the bot warns and
            # shows it in /archive recent); a warning per batch here would repeat it.
            log.debug("cannot save feed state %s: %s", self.path, exc)
            self.problem = FeedStateNotSaved(
                self.path,
                f"cannot record the feed entries seen in {self.path} ({exc.strerror or exc}); they will be "
                "fetched again next run: make the corpus folder writable",
            )

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        write_text_atomically(self.path, json.dumps({"seen": self.seen}, indent=1, ensure_ascii=False))
        self.saved = True

    def _merge(self, saved: dict[str, list[str]]) -> None:
        self.seen = _union(saved, self.seen)
        for feed, links in saved.items():
            self._known.setdefault(feed, set()).update(links)


def _union(saved: dict[str, list[str]], mine: dict[str, list[str]]) -> dict[str, list[str]]:
    """Per feed, the links ``saved`` (in the file now) then those only ``mine`` has, in order."""
    merged = {feed: list(links) for feed, links in saved.items()}
    for feed, links in mine.items():
        known = set(merged.setdefault(feed, []))
        merged[feed].extend(link for link in links if link not in known)
    return merged


def _trimmed(links: list[str], listed: set[str]) -> list[str]:
    """``links`` within :data:`MAX_SEEN_PER_FEED`, or all the ``listed`` ones: unlisted ones go first, oldest first."""
    unlisted = [link for link in links if link not in listed]
    excess = len(links) - max(MAX_SEEN_PER_FEED, len(links) - len(unlisted))
    if excess <= 0:
        return links
    dropped = set(unlisted[:excess])
    return [link for link in links if link not in dropped]


def _passing(reason: str) -> bool:
    return reason in RETRY_REASONS or reason.startswith("HTTP 5") or reason == "HTTP 429"


def _entry_date(entry: dict) -> dt.date | None:
    # Asked only when present: feedparser warns when a missing one is looked up.
    parsed = (entry.get("published_parsed") if "published" in entry else None) or (
        entry.get("updated_parsed") if "updated" in entry else None
    )
    if not parsed:
        return None
    return dt.datetime.fromtimestamp(calendar.timegm(parsed), dt.timezone.utc).date()


def read_feed(feed_url: str, *, contact: str = "", limits: FetchLimits = FetchLimits()) -> list[FeedEntry]:
    """The feed's entries that have a link, in feed order."""
    import feedparser  # only feeds need it

    page = fetch(feed_url, contact=contact, limits=limits, feed=True)
    parsed = feedparser.parse(page.data, response_headers=_headers(page, feed_url))
    entries: dict[str, FeedEntry] = {}  # by link: an entry listed twice is one page
    source = feed_outlet(parsed.feed.get("title") or "")
    for entry in parsed.entries:
        link = (entry.get("link") or "").strip()
        if link and link not in entries:
            entries[link] = FeedEntry(link, " ".join((entry.get("title") or "").split()), _entry_date(entry), source)
    if not entries and (parsed.bozo or not parsed.get("version")):
        why = getattr(parsed, "bozo_exception", None) or "no RSS or Atom entries"
        raise FeedError(feed_url, f"{feed_url} is not an RSS or Atom feed ({why})", reason="not a feed")
    if not entries and parsed.entries:
        message = (
            f"{feed_url} lists {len(parsed.entries)} entries but none links to a page; "
            "newsdesk ingests the pages a feed links to"
        )
        raise FeedError(feed_url, message, reason="no links in the feed")
    return list(entries.values())


def _headers(page: RawPage, feed_url: str) -> dict[str, str]:
    """What feedparser needs to know of the response: the address resolves entries' relative
    links. fetch() accepted only XML types; feedparser is told ``application/xml`` (without a
    type it flags every feed as broken, and ``text/xml`` would mean US-ASCII to it, RFC 3023)."""
    content_type = "application/xml" + (f"; charset={page.charset}" if page.charset else "")
    return {"content-location": page.url or feed_url, "content-type": content_type}


def ingest_feed(
    feed_url: str,
    corpus_dir: Path,
    state: FeedState,
    options: Overrides,
    *,
    contact: str = "",
    limits: FetchLimits = FetchLimits(),
) -> Iterator[IngestOutcome]:
    """Ingest the pages of the feed's unseen entries, yielding each outcome (the feed's own failure too)."""
    try:
        listed = read_feed(feed_url, contact=contact, limits=limits)
    except FetchError as exc:
        yield IngestOutcome(feed_url, error=exc)
        return
    state.listed[feed_url] = {e.link for e in listed}
    state.refresh()
    entries = [e for e in listed if not state.is_seen(feed_url, e.link)]
    log.info("feed %s: %d new entries", feed_url, len(entries))
    outages = Outages()  # a site down for one entry is not waited for again for the next
    getters: list[Callable[[], RawPage]] = [
        lambda e=entry: replace(
            outages.fetch(e.link, contact=contact, limits=limits), title=e.title, published=e.published, source=e.source
        )
        for entry in entries
    ]
    try:
        for entry, outcome in zip(entries, ingest_pages(getters, corpus_dir, options)):
            if outcome.error is None or not _passing(outcome.error.reason):
                state.mark(feed_url, entry.link)
            yield outcome
    finally:  # done, an error, Ctrl-C or the caller stopping: what was marked is saved
        state.flush()
