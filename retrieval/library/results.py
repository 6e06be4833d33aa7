"""What a change to the archive did, as values: the Library's answers to its callers.

Guarantees: every result is a frozen dataclass that says what happened in full (pages added,
replaced, skipped and failed, each with its reason; whether the saved index now serves the
corpus; a problem that left something unrecorded, as a typed value with its own one-line
message), so no caller has to look at files or log records to learn it. A problem here is
not an exception: the change it accompanies did happen (the pages are in the corpus).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from pathlib import Path

from retrieval.corpus import Article
from retrieval.ingest.feeds import FeedStateNotSaved  # made by the feed state; a result of poll
from retrieval.ingest.pages import IngestOutcome, IngestResult, Overrides, Prepared, RawPage, summarise

PageOutcome = IngestOutcome  # one page of a batch: its result (added, replaced) or its error


@dataclass(frozen=True)
class Batch:
    """The pages of one run, in order; ``interrupted`` when Ctrl-C stopped it between two pages.

    Every page written before an interrupt is a whole file (atomic writes), so it counts as added.
    """

    outcomes: tuple[PageOutcome, ...] = ()
    interrupted: bool = False

    @property
    def added(self) -> tuple[IngestResult, ...]:
        """The articles written (new ones and replaced ones)."""
        return tuple(o.result for o in self.outcomes if o.result is not None)

    @property
    def skipped(self) -> tuple[PageOutcome, ...]:
        """Pages the corpus already has (not a failure)."""
        return tuple(o for o in self.outcomes if o.skipped)

    @property
    def failed(self) -> tuple[PageOutcome, ...]:
        return tuple(o for o in self.outcomes if not o.ok and not o.skipped)

    @property
    def changed(self) -> bool:
        """Whether the corpus changed (a page was added or replaced)."""
        return bool(self.added)

    def summary(self) -> str:
        """``N added, N skipped (why), N failed (why)``: the last line of every batch."""
        return summarise(self.outcomes)

    def __add__(self, other: Batch) -> Batch:
        """Both runs as one batch (``newsdesk ingest`` with pages and feeds reports them together)."""
        return Batch(self.outcomes + other.outcomes, self.interrupted or other.interrupted)


@dataclass(frozen=True)
class FeedRun(Batch):
    """One feed's new entries; a feed that could not be read is one failed outcome."""

    feed: str = ""


@dataclass(frozen=True)
class Polled(Batch):
    """A poll of feeds: each feed's run, and whether what was seen is recorded in the feed state."""

    runs: tuple[FeedRun, ...] = ()
    problem: FeedStateNotSaved | None = None
    recorded: bool = False  # the feed state was written (so a problem from an earlier poll is over)


class IndexState(enum.Enum):
    """Where the saved index stands after :meth:`~retrieval.library.Library.refresh`."""

    UPDATED = "updated"  # rebuilt and saved (or already current): the next load reads it
    PENDING = "pending"  # the changed files wait on the saved index as a delta, applied at the next load
    NOT_SAVED = "not saved"  # rebuilt, but the index folder cannot be written: every load rebuilds it
    INTERRUPTED = "interrupted"  # Ctrl-C stopped the update: the next load indexes the files


@dataclass(frozen=True)
class IndexNotSaved:
    """The index folder cannot be written."""

    folder: Path

    def __str__(self) -> str:
        return f"{self.folder} cannot be written"


@dataclass(frozen=True)
class Refreshed:
    """What :meth:`~retrieval.library.Library.refresh` did to the saved index."""

    state: IndexState
    articles: int = 0  # in the rebuilt archive (UPDATED, NOT_SAVED)
    passages: int = 0
    pending_files: int = 0  # files changed or removed, waiting as a delta (PENDING)
    problem: IndexNotSaved | None = None  # NOT_SAVED: why
    # The saved index answers by words; the reader's vectors are still to be made
    # (Library.make_vectors, or the next load), or are being made by another process.
    vectors_pending: bool = False
    # Passages without the reader's vectors: those past their article's first
    # MAX_READ_PASSAGES (retrieval.text.passages), found by their words only.
    unread: int = 0

    @property
    def saved(self) -> bool:
        """Whether the saved index serves the corpus as it is now (whole, or with a delta)."""
        return self.state in (IndexState.UPDATED, IndexState.PENDING)


@dataclass(frozen=True)
class Preview:
    """A page read and checked against the corpus, not written yet: what adding it would add."""

    page: RawPage
    options: Overrides
    prepared: Prepared

    @property
    def article(self) -> Article:
        return self.prepared.article

    @property
    def notes(self) -> list[str]:
        """What was guessed or filled in, and whether it replaces an article (for the moderator)."""
        if self.prepared.redated:
            replacing = ["gives the article already in the corpus this date (nothing else changes)"]
        else:
            replacing = ["replaces the article already in the corpus"] if self.prepared.replacing else []
        return list(self.prepared.warnings) + replacing


@dataclass(frozen=True)
class Removed:
    """An article taken out of the archive; its file is kept at ``kept`` (never deleted)."""

    article: Article
    kept: Path

    @property
    def kept_name(self) -> str:
        """Where the file is kept, named within the corpus folder (``.removed/<id>.md``)."""
        return f"{self.kept.parent.name}/{self.kept.name}"
