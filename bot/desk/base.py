"""What every part of the desk shares: the archive (loaded on first use), the query log, and
how a searched question is checked and logged.

Guarantees: the archive given as a loader is loaded once, whichever thread asks first; a
question is checked the same way before any search (validated, an empty archive and an
unknown outlet refused) and logged the same way after it, whether answered as excerpts or as
a timeline (:meth:`DeskBase._log_search`); a log failure never loses the answer: it is reported
in the application log and returned.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from typing import Self, TypedDict, Unpack

from bot.archive_setup import library_for
from bot.querylog import QueryLog, QueryLogError, QueryRecord
from bot.settings import Settings
from retrieval.answer.answerer import Answer, Excerpt, Question, QuestionError, validate_question
from retrieval.answer.filters import FilterError, Filters
from retrieval.answer.outlets import OutletSummary, outlet_summary, unknown_outlet_error
from retrieval.archive import Archive
from retrieval.corpus import CorpusError
from retrieval.library import Library

log = logging.getLogger(__name__)

# Discord offers at most 25 autocomplete choices.
MAX_CHOICES = 25


class EmptyArchive(QuestionError):
    """The archive has no passages, so no question can be answered (not "no answer")."""


EMPTY_MESSAGE = (
    "The archive is empty: there are no articles to answer from yet. "
    "Add articles with `newsdesk ingest PATH` (or files in the corpus folder) and ask again."
)


class UnknownOutlet(FilterError):
    """The outlet filter matches no outlet in the archive; the message lists the known ones."""


class LogNotOpen(QueryLogError):
    """The query log could not be opened at start-up, so nothing can be recorded in it."""


# Why a question or an archive change was not logged, when no reason is known.
NO_LOG = "the query log is not open"


class Asker(TypedDict, total=False):
    """Who asked and where, as the log records it (none given: the command line, nobody, nowhere)."""

    interface: str
    user_id: int | str | None
    guild_id: int | str | None
    channel_id: int | str | None


class DeskBase:
    def __init__(
        self,
        archive: Archive | Callable[[], Archive],
        querylog: QueryLog | None,
        *,
        results: int = 3,
        library: Library | None = None,
    ) -> None:
        """``archive`` is the archive, or a function that loads it on first use; ``library`` is the
        door for changes to it (:func:`library_for` the settings when not given)."""
        self.library = library
        self._archive = archive if isinstance(archive, Archive) else None
        self._load = None if isinstance(archive, Archive) else archive
        self._loading = threading.Lock()
        self.querylog = querylog
        self.results = results
        # Why the query log is not open (from_settings), for the callers that report it.
        self.log_problem: QueryLogError = LogNotOpen(NO_LOG)
        self._outlet_names: tuple[Archive | None, list[str]] = (None, [])
        # What runs when articles arrive (bot.desk.arrivals): late answers, watches.
        self.arrival_checks: list = []

    @property
    def archive(self) -> Archive:
        if self._archive is None:
            with self._loading:  # the first questions may arrive together, from several threads
                if self._archive is None:
                    assert self._load is not None
                    self._archive = self._load()
        return self._archive

    @property
    def loaded_archive(self) -> Archive | None:
        """The archive if it is loaded; None while a lazy desk has not needed it (never loads it)."""
        return self._archive

    def use_archive(self, archive: Archive) -> None:
        """Answer from ``archive`` from now on (the live archive's reload); a question under way keeps the old one."""
        self._archive = archive

    @classmethod
    def from_settings(cls, settings: Settings, *, open_log: bool = True, lazy: bool = False) -> Self:
        """The desk the settings describe; ``lazy`` loads the archive only when first needed."""
        library = library_for(settings)
        archive: Archive | Callable[[], Archive] = library.load
        if not lazy:
            archive = archive()
        querylog: QueryLog | None = None
        problem: QueryLogError | None = None
        if open_log:
            try:
                querylog = QueryLog.open(
                    settings.db_path, user_ids=settings.log_user_ids, secret=settings.hash_secret
                )
            except QueryLogError as exc:
                # Answers still work without the log; the failure is visible in the app log,
                # and each answer carries it (Asked.log_failure).
                log.error("%s; questions will not be logged", exc)
                problem = LogNotOpen(str(exc))
        desk = cls(archive, querylog, results=settings.results, library=library)
        desk.log_problem = problem or desk.log_problem
        return desk

    def summary(self) -> str:
        """What the desk answers from, for the application log."""
        return f"{len(self.archive.articles)} articles, {self.archive.passage_count} passages"

    def outlets(self) -> list[OutletSummary]:
        """Each outlet in the archive with its article count and publication dates."""
        return outlet_summary(self.archive.articles)

    def outlet_names(self, typed: str = "", limit: int = MAX_CHOICES) -> list[str]:
        """Outlets whose name contains ``typed`` (any case), those starting with it first.

        Empty until the archive is loaded: autocomplete runs on the event loop and must not load it.
        """
        archive = self._archive
        if archive is None:
            return []
        if self._outlet_names[0] is not archive:  # once per archive (a live reload makes a new one)
            self._outlet_names = (archive, [row.name for row in outlet_summary(archive.articles)])
        wanted = typed.strip().casefold()
        names = sorted((name for name in self._outlet_names[1] if wanted in name.casefold()), key=str.casefold)
        names.sort(key=lambda name: not name.casefold().startswith(wanted))
        return names[:limit]

    @property
    def corpus_errors(self) -> list[CorpusError]:
        """The corpus files that could not be loaded (each names the file and the problem)."""
        return list(self.archive.errors)

    def check_outlet(self, filters: Filters | None) -> None:
        """Raise FilterError when the outlet filter matches no outlet of the loaded archive.

        Cheap (outlet names only), so it can run before the cooldown; does nothing while the
        archive is not loaded yet (``ask`` checks again).
        """
        archive = self._archive
        if archive is None or not filters or not filters.outlet or filters.matching_outlets(archive.outlet_names):
            return
        known = [row.name for row in outlet_summary(archive.articles)]
        raise UnknownOutlet(str(unknown_outlet_error(filters.outlet, known)))

    def wait_for_late(self, query_id: int | None, answer: Answer, **who: object) -> bool:
        """Let a question the archive did not cover wait for a late answer (bot.desk.late); here: never."""
        return False

    def _searchable(self, question: str, filters: Filters | None) -> tuple[Archive, Question]:
        """The archive to search and the question validated; raises what a search refuses before
        it starts (QuestionError, EmptyArchive, UnknownOutlet), which is not logged here."""
        archive = self.archive
        if not isinstance(question, Question):
            question = validate_question(question)
        if not archive.passages:
            raise EmptyArchive(EMPTY_MESSAGE)
        self.check_outlet(filters)
        return archive, question

    def _log_search(
        self,
        question: str,
        shown: Sequence[Excerpt],
        *,
        answered: bool,
        reason: str | None,
        started: float,
        filters: Filters | None,
        **who: Unpack[Asker],
    ) -> tuple[int | None, QueryLogError | None]:
        """Log a searched question and the excerpts shown for it: its id, or None and why not."""
        record = QueryRecord(
            question=question,
            answered=answered,
            article_ids=[r.article_id for r in shown],
            passage_ids=[r.passage_id for r in shown],
            scores=[r.score for r in shown],
            latency_ms=(time.perf_counter() - started) * 1000,
            reason=reason or None,
            filters=filters.to_json() if filters else {},
            **who,
        )
        if self.querylog is None:
            return None, self.log_problem
        try:
            return self.querylog.record(record), None
        except QueryLogError as exc:
            log.error("%s (question: %r)", exc, record.question[:200])
            return None, QueryLogError(str(exc))  # its message; not the traceback's frames
