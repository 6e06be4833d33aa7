"""Feed state benchmark: how long marking a feed run's entries as seen takes, saved in batches
(now) beside saved after every entry (the previous behaviour, reimplemented here as the baseline).

Usage (from the repository root)::

    .venv/bin/python benchmarks/bench_feed_state.py            # 3000 and 5000 entries
    .venv/bin/python benchmarks/bench_feed_state.py --entries 1000 --runs 5

One run is what :func:`retrieval.ingest.feeds.ingest_feed` does to ``feeds.json`` for a feed that lists
``--entries`` new entries (the page fetches left out): the feed's links are listed, each entry is
marked seen, and the run ends with a flush. The file starts with another feed's 500 entries (a
second feed the bot polls). Both ways write through :mod:`retrieval.store.atomic` (fsync, rename), in a
temporary folder (``--dir``: on the disk of your index folder), and merge with what the file holds before each write. Each figure is the median
of ``--runs`` runs (the baseline is run once at 3000 entries and above: it takes seconds).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from retrieval.ingest import feeds  # noqa: E402 (after the path is set)
from retrieval.store.atomic import write_text_atomically  # noqa: E402

FEED = "https://ledger.example.org/rss"
OTHER = "https://other.example.org/rss"


class PerEntryState(feeds.FeedState):
    """The previous behaviour: every mark re-reads the file, merges, trims and rewrites it."""

    def is_seen(self, feed_url: str, link: str) -> bool:
        return link in self.seen.get(feed_url, ())

    def mark(self, feed_url: str, link: str) -> None:
        self.seen = feeds._union(self._read(), self.seen)
        links = self.seen.setdefault(feed_url, [])
        if link not in links:
            links.append(link)
            self.seen[feed_url] = feeds._trimmed(links, self.listed.get(feed_url, set()))
        self.save()


def one_run(kind: type[feeds.FeedState], folder: Path, entries: int) -> tuple[float, int]:
    """Seconds to mark ``entries`` links and end the run, and how many times the file was written."""
    path = folder / "feeds.json"
    write_text_atomically(path, json.dumps({"seen": {OTHER: [f"{OTHER}/{n}" for n in range(500)]}}))
    writes: list[int] = []
    real = feeds.write_text_atomically
    feeds.write_text_atomically = lambda *args, **kwargs: (writes.append(1), real(*args, **kwargs))[1]
    try:
        links = [f"https://ledger.example.org/news/{n}" for n in range(entries)]
        start = time.perf_counter()
        state = kind(path)
        state.listed[FEED] = set(links)
        for link in [link for link in links if not state.is_seen(FEED, link)]:  # as ingest_feed does
            state.mark(FEED, link)
        state.flush()
        seconds = time.perf_counter() - start
    finally:
        feeds.write_text_atomically = real
    saved = json.loads(path.read_text(encoding="utf-8"))["seen"]
    assert len(saved[FEED]) == entries and len(saved[OTHER]) == 500, "a run lost entries"
    return seconds, len(writes)


def median_run(kind: type[feeds.FeedState], entries: int, runs: int, where: str | None) -> tuple[float, int]:
    results = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory(dir=where) as folder:
            results.append(one_run(kind, Path(folder), entries))
    return statistics.median(s for s, _ in results), results[0][1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, nargs="+", default=[3000, 5000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--dir", help="where to write the file (a temporary folder in it; default: the system's)")
    args = parser.parse_args()
    print(f"Machine: {os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}; "
          f"load average {os.getloadavg()[0]:.1f}.")
    print(f"Batches: every {feeds.SAVE_EVERY_ENTRIES} entries or {feeds.SAVE_EVERY_SECONDS:g} s, and at the end of the run.\n")
    print("| entries marked in one run | now: seconds | now: file writes | baseline (save per entry): seconds | baseline: file writes |")
    print("|---|---|---|---|---|")
    for entries in args.entries:
        now, now_writes = median_run(feeds.FeedState, entries, args.runs, args.dir)
        before, before_writes = median_run(PerEntryState, entries, 1 if entries >= 3000 else args.runs, args.dir)
        print(f"| {entries} | {now:.3f} | {now_writes} | {before:.2f} | {before_writes} |", flush=True)


if __name__ == "__main__":
    main()
