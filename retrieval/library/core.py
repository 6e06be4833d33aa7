"""The Library: the one door for changes to an archive (its corpus folder and its index folder).

Guarantees:

- where the index folder, the saved archive and the feed state (in the corpus folder) are is :attr:`Library.places`
  (:class:`~retrieval.store.places.Places`), the one source every caller asks;
- :meth:`~Library.add`, :meth:`~Library.poll`, :meth:`~Library.remove` and
  :meth:`~Library.refresh` change the archive and return what they did as frozen values
  (:mod:`retrieval.library.results`): pages added, skipped, failed, each with its reason; whether
  the saved index now serves the corpus, or why not. Callers never look at files or at log
  records to learn it;
- a page that fails does not stop a batch; Ctrl-C between two pages ends the batch with what
  was written (whole files) and ``interrupted`` set, and Ctrl-C while the index is rebuilt
  leaves the corpus as it is (the next load indexes it);
- nothing is deleted: a removed article's file is kept in ``<corpus>/.removed/``;
- the running bot's archive in memory follows the corpus through :meth:`~Library.snapshot`,
  :meth:`~Library.with_changes` and :meth:`~Library.merge_due`, as deltas, without a rebuild.

Every method blocks on the disk or the network: the bot calls them in worker threads.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from retrieval.archive import Archive
from retrieval.corpus import CORPUS_SUFFIX, Article, load_corpus
from retrieval.index.changes import delta_size, with_new_vectors
from retrieval.index.meaning import FusedScorer
from retrieval.index.scoring import Progress
from retrieval.ingest import admin, feeds
from retrieval.ingest.fetch import FetchLimits, fetch
from retrieval.ingest.pages import IngestResult, Overrides, commit, ingest_pages, open_index, prepare_page
from retrieval.ingest.writer_lock import corpus_lock
from retrieval.library.results import (
    Batch, FeedRun, IndexNotSaved, IndexState, PageOutcome, Polled, Preview, Refreshed, Removed,
)
from retrieval.library.sources import PageGetter, page_getters
from retrieval.store import delta as _delta
from retrieval.store import saved as _saved
from retrieval.store.places import Places
from retrieval.text.analyzer import Analyzer

log = logging.getLogger(__name__)

_EPOCH = dt.date(1, 1, 1)  # stands in for an undated article's date when sorting (it goes last anyway)
# The corpus files as the live archive last looked at them: (name, size, modification time).
Snapshot = frozenset[tuple[str, int, int]]


@dataclass(frozen=True)
class Library:
    """An archive's folders, and how it is indexed and fetched; stateless, so cheap to make anywhere.

    ``index_path`` is the NEWSDESK_INDEX setting (None: ``<corpus>/.index``); ``semantic`` and
    ``analyzer`` must be those the archive is loaded with, or each load rebuilds it.
    """

    corpus_dir: Path
    index_path: Path | None = None
    semantic: bool = True
    analyzer: Analyzer | None = None
    contact: str = ""  # for the User-Agent of the pages fetched
    limits: FetchLimits = field(default_factory=FetchLimits)

    @property
    def places(self) -> Places:
        """Where the corpus, the saved archive and the feed state are."""
        return Places(Path(self.corpus_dir), self.index_path)

    # -- reading ----------------------------------------------------------------------

    def load(self, *, merge: bool = False) -> Archive:
        """The searchable archive: the saved index when it matches the corpus, else rebuilt and saved.

        ``merge`` rebuilds a saved archive the corpus changed since, rather than applying the
        changed files as a delta. Malformed corpus files are skipped, each with a warning.
        """
        archive = _saved.load_or_build(
            self.corpus_dir, self.index_path, semantic=self.semantic, analyzer=self.analyzer, merge=merge
        )
        for error in archive.errors:
            log.warning("corpus file skipped: %s", error)
        return archive

    def articles(self) -> list[Article]:
        """Every readable article of the corpus, newest first (undated last, then by id); a
        malformed file is passed over with a warning. Raises CorpusFolderError without a corpus."""
        loaded = load_corpus(self.corpus_dir)
        for error in loaded.errors:
            log.warning("corpus file skipped: %s", error)
        return sorted(loaded.articles, key=lambda a: (a.published is None, -(a.published or _EPOCH).toordinal(), a.id))

    def recent(self, count: int) -> list[Article]:
        """The ``count`` articles whose files changed last, newest first."""
        return admin.recent_articles(self.corpus_dir, count)

    def pages(self, names: Iterable[str]) -> list[PageGetter]:
        """What to :meth:`add` for these names (web addresses, files, folders); raises NoSuchPage."""
        return page_getters(names, contact=self.contact, limits=self.limits)

    # -- changes ----------------------------------------------------------------------

    def add(
        self, pages: Sequence[PageGetter], options: Overrides = Overrides(), *, progress: Progress | None = None
    ) -> Batch:
        """Read (or fetch) each page and write it into the corpus; ``progress(done, total)`` after each."""
        outcomes: list[PageOutcome] = []
        produce = ingest_pages(pages, self.corpus_dir, options)
        interrupted = _gather(outcomes, produce, lambda: progress(len(outcomes), len(pages)) if progress else None)
        return Batch(tuple(outcomes), interrupted)

    def preview(self, url: str, options: Overrides = Overrides()) -> Preview:
        """Fetch ``url`` and check it against the corpus, writing nothing; raises IngestError."""
        page = fetch(url, contact=self.contact, limits=self.limits)
        return Preview(page, options, prepare_page(page, self.corpus_dir, open_index(self.corpus_dir), options))

    def add_previewed(self, preview: Preview) -> IngestResult:
        """Write a previewed page, checked again (the corpus may have changed since); raises IngestError."""
        with corpus_lock(self.corpus_dir):  # no other writer between the check and the write
            index = open_index(self.corpus_dir)
            return commit(prepare_page(preview.page, self.corpus_dir, index, preview.options), self.corpus_dir, index)

    def remove(self, article_id: str) -> Removed:
        """Move the article's file into ``<corpus>/.removed/``; raises ArchiveAdminError (nothing moved)."""
        with corpus_lock(self.corpus_dir):
            article, kept = admin.remove_article(self.corpus_dir, article_id)
        return Removed(article, kept)

    def poll(self, feed_urls: Iterable[str], options: Overrides = Overrides()) -> Polled:
        """Add the pages of each feed's entries not seen before, and record what was seen."""
        state = feeds.FeedState(feeds.moved_state(self.places.old_feed_state, self.places.feed_state))
        runs: list[FeedRun] = []
        interrupted = False
        for url in feed_urls:
            outcomes: list[PageOutcome] = []
            run = feeds.ingest_feed(url, self.corpus_dir, state, options, contact=self.contact, limits=self.limits)
            interrupted = _gather(outcomes, run)  # ingest_feed saved what was seen, or failed to, even so
            runs.append(FeedRun(tuple(outcomes), interrupted, url))
            if interrupted:
                break
        every = tuple(outcome for run in runs for outcome in run.outcomes)
        return Polled(every, interrupted, tuple(runs), state.problem, state.saved)

    def refresh(self, *, progress: Progress | None = None, words_first: bool = False) -> Refreshed:
        """Bring the saved index up to date with the corpus.

        When the saved archive takes the changed files as a delta, nothing is rebuilt: they are
        indexed by whoever loads the archive next (a running bot within seconds). Otherwise the
        index is rebuilt and saved, ``progress(done, total)`` following the analysis.
        ``words_first``: a rebuild saves the index by its words only (searchable at once) and
        says ``vectors_pending``; :meth:`make_vectors` then adds the reader's vectors.
        """
        pending = _saved.pending_delta(self.corpus_dir, self.index_path, semantic=self.semantic)
        if pending is not None:
            return Refreshed(IndexState.PENDING, pending_files=len(pending.changed) + len(pending.removed))
        try:
            opened = _saved.open_saved(
                self.corpus_dir, self.index_path, analyzer=self.analyzer, semantic=self.semantic, progress=progress,
                words_first=words_first,
            )
        except KeyboardInterrupt:  # the corpus files are whole: the next load indexes them
            return Refreshed(IndexState.INTERRUPTED)
        return self._refreshed(opened)

    def make_vectors(self, *, progress: Progress | None = None) -> Refreshed:
        """Make and save the reader's vectors the saved index still lacks (after
        ``refresh(words_first=True)``), ``progress(done, total)`` following the reading.

        Ctrl-C leaves the index saved by its words (INTERRUPTED): the pages stay searchable,
        and the next load or ingest makes the vectors. ``vectors_pending`` stays set when
        another process is making them.
        """
        try:
            opened = _saved.open_saved(
                self.corpus_dir, self.index_path, analyzer=self.analyzer, semantic=self.semantic,
                vector_progress=progress,
            )
        except KeyboardInterrupt:
            return Refreshed(IndexState.INTERRUPTED, vectors_pending=True)
        return self._refreshed(opened)

    def vectors_pending(self) -> bool:
        """Whether the saved index is by words only, its reader vectors still to be made."""
        return self.semantic and _saved.vectors_pending(self.corpus_dir, self.index_path)

    def _refreshed(self, opened: _saved.Opened) -> Refreshed:
        index = opened.archive.index
        unread = index.unread_passages() if isinstance(index, FusedScorer) else 0
        counts = {"articles": len(opened.archive.articles), "passages": opened.archive.passage_count, "unread": unread}
        if not opened.saved:
            return Refreshed(IndexState.NOT_SAVED, problem=IndexNotSaved(self.places.index_dir), **counts)
        return Refreshed(IndexState.UPDATED, vectors_pending=opened.vectors_pending, **counts)

    # -- the running bot's archive in memory ----------------------------------------------

    def snapshot(self) -> Snapshot:
        """Name, size and modification time of each corpus file (what a change would alter)."""
        try:
            with os.scandir(self.corpus_dir) as entries:
                return frozenset(
                    (e.name, s.st_size, s.st_mtime_ns)
                    for e in entries
                    if e.name.endswith(CORPUS_SUFFIX) and e.is_file()  # the files load_corpus reads
                    for s in (e.stat(),)
                )
        except FileNotFoundError:
            return frozenset()

    def with_changes(
        self, archive: Archive, before: Snapshot, now: Snapshot, *, words_first: bool = False
    ) -> Archive | None:
        """``archive`` with the files that differ between two snapshots applied as a delta;
        None when it cannot take one (a custom scorer): :meth:`load` it again instead.
        ``words_first``: the new passages are not read for meaning, so the archive returned
        answers by its words (at once); :meth:`with_meaning` then adds the reader's vectors."""
        changed = tuple(sorted({n for n, *_ in now - before}))
        removed = tuple(sorted({n for n, *_ in before} - {n for n, *_ in now}))
        try:
            diff = _delta.CorpusDiff(changed, removed, False)
            return _delta.apply_diff(archive, Path(self.corpus_dir), diff, words_only=words_first)
        except TypeError as exc:  # a scorer that cannot grow by segments
            log.info("archive cannot take the changes as a delta (%s)", exc)
            return None

    @staticmethod
    def meaning_of(archive: Archive) -> FusedScorer | None:
        """The reader's side of ``archive``'s index (None when it answers by words only):
        what :meth:`with_meaning` needs of an earlier state of an archive."""
        return archive.index if isinstance(archive.index, FusedScorer) else None

    @staticmethod
    def with_meaning(archive: Archive, read: FusedScorer) -> Archive:
        """``archive`` (changed ``words_first``) with the reader's vectors: ``read``'s, from an
        earlier state of it (:meth:`meaning_of`), and those of its newer passages, read now."""
        return with_new_vectors(archive, read)

    def merge_due(self, archive: Archive, *, max_segments: int) -> bool:
        """Whether ``archive``'s deltas should be merged into one saved base (:meth:`load` with ``merge``):
        ``max_segments`` rounds of changes, or more than ``DELTA_MAX_SHARE`` of its passages."""
        segments, passages = delta_size(archive)
        return segments >= max_segments or passages > _delta.DELTA_MAX_SHARE * max(archive.passage_count, 1)


def _gather(
    outcomes: list[PageOutcome], produce: Iterable[PageOutcome], after_each: Callable[[], object] | None = None
) -> bool:
    """Collect ``produce``'s outcomes into ``outcomes``; True when Ctrl-C stopped it.

    Every page written before the interrupt is a whole file (atomic writes), so it is kept and
    reported like the others; the rest is skipped as known when run again.
    """
    try:
        for outcome in produce:
            outcomes.append(outcome)
            if after_each is not None:
                after_each()
    except KeyboardInterrupt:
        return True
    return False
