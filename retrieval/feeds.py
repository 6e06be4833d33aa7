"""RSS and Atom feeds: fetch a feed, ingest the pages of its new entries, remember what was seen.

Guarantees: the feed and each entry's page are fetched through :mod:`retrieval.fetch` (same
limits, User-Agent and one-line failures); an entry is *seen* once its page was added, was
already in the corpus, or failed for a reason that retrying will not fix (no date, not HTML,
404, robots.txt disallows, private address...); an entry that failed for a passing reason
(timeout, refused, DNS, a 5xx answer, a failing robots.txt) is tried again next time. What
was seen is kept per feed in ``feeds.json`` in the index folder, written atomically (temp
file + rename) after every entry, so an interrupted run loses nothing, merged with what the
file holds then, so two runs at once (the bot's poll, a command) keep each other's; when it cannot be
written, ``FeedState.problem`` says so (the entries are fetched again next run). The entry's own date
and title, and the feed's name as the outlet, fill a page that shows none (and say so).
"""

from __future__ import annotations

import calendar
import datetime as dt
import json
import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from retrieval.atomic import write_text_atomically
from retrieval.fetch import REASON_ROBOTS_FAILING, FetchError, FetchLimits, Outages, fetch
from retrieval.ingest import IngestOutcome, Overrides, RawPage, ingest_pages
from retrieval.outlet_names import outlet_name

log = logging.getLogger(__name__)

STATE_FILENAME = "feeds.json"
# Feeds list their latest entries: past this many links per feed, those the feed no longer
# lists are dropped, oldest first; a link it still lists is always kept (else it is fetched again).
MAX_SEEN_PER_FEED = 5000
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
    """``feeds.json`` in the index folder (``<corpus>/.index`` unless NEWSDESK_INDEX says)."""
    from retrieval.store import default_index_path

    folder = Path(index_path) if index_path else default_index_path(corpus_dir)
    return (folder.parent if folder.suffix == ".npz" else folder) / STATE_FILENAME


class FeedState:
    """Entry links seen, per feed URL; saved atomically as JSON."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.seen: dict[str, list[str]] = {}
        self.listed: dict[str, set[str]] = {}  # the links each feed lists now, never dropped from ``seen``
        self.problem: str | None = None  # why what was seen could not be saved, for the user
        self.seen = self._read(warn=True)

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
        return link in self.seen.get(feed_url, ())

    def mark(self, feed_url: str, link: str) -> None:
        # Another run (the bot's poll, another command) may have saved since: keep what it saw.
        self.seen = _union(self._read(), self.seen)
        links = self.seen.setdefault(feed_url, [])
        if link not in links:
            links.append(link)
            self.seen[feed_url] = _trimmed(links, self.listed.get(feed_url, set()))
        try:
            self.save()
        except OSError as exc:  # the page is in the corpus all the same: next run skips it as a duplicate
            if self.problem is None:
                log.warning("cannot save feed state %s: %s", self.path, exc)
            self.problem = (
                f"cannot record the feed entries seen in {self.path} ({exc.strerror or exc}); they will be "
                "fetched again next run: make that folder writable or set NEWSDESK_INDEX to one that is"
            )

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        write_text_atomically(self.path, json.dumps({"seen": self.seen}, indent=1, ensure_ascii=False))


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
    entries = [e for e in listed if not state.is_seen(feed_url, e.link)]
    log.info("feed %s: %d new entries", feed_url, len(entries))
    outages = Outages()  # a site down for one entry is not waited for again for the next
    getters: list[Callable[[], RawPage]] = [
        lambda e=entry: replace(
            outages.fetch(e.link, contact=contact, limits=limits), title=e.title, published=e.published, source=e.source
        )
        for entry in entries
    ]
    for entry, outcome in zip(entries, ingest_pages(getters, corpus_dir, options)):
        if outcome.error is None or not _passing(outcome.error.reason):
            state.mark(feed_url, entry.link)
        yield outcome
