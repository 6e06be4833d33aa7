"""The desk: the only door between an interface and the archive or the query log.

Every action goes through :class:`Desk`: :meth:`~Desk.validate` what was typed (once: the
:class:`Checked` question is not checked again on its way to the archive), :meth:`~Desk.ask`
(answer and log; a question refused before any search is raised, and the interface that
shows the refusal logs it with :meth:`~Desk.reject`, once), :meth:`~Desk.more` (the next excerpts of a logged
question, with its saved filters), :meth:`~Desk.vote` (👍/👎) and :meth:`~Desk.read_log`
(moderators' review queries). So a question is logged the same way wherever it was asked,
and the cogs and the CLI never reach into the archive or the log themselves.

A log failure never loses the answer: it is reported in the application log and on the
returned :class:`Asked`. The archive may be given as a loader, run on first use, so that
``newsdesk sync`` can publish the commands without loading it.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from sqlite_utils import Database

from bot.archive_setup import archive_options, library_for, load_archive
from bot.place import Place
from bot.querylog import QueryLog, QueryLogError, QueryRecord, ReviewError, UnknownQuery, WatchRecord, open_reader
from bot.querylog.schema import problem_message
from bot.settings import Settings
from bot.typed import FIX, not_utf8
from retrieval.answer.answerer import Answer, Excerpt, Question, QuestionError, ask, validate_question
from retrieval.archive import Archive
from retrieval.corpus import Article, CorpusError
from retrieval.errors import NewsdeskError
from retrieval.answer.filters import FilterError, Filters
from retrieval.answer.outlets import OutletSummary, outlet_summary, unknown_outlet_error
from retrieval.answer.timeline import TIMELINE_LIMIT, Timeline, candidate_articles, timeline
from retrieval.index.reader import ReaderUnavailable  # re-exported: the bot says it in one line at start
# The door for changes to the archive: the cogs reach it, and what it raises and returns, only through here.
from retrieval.library import ArchiveAdminError, FetchPool, IngestError, Library, Overrides, Preview, Removed

log = logging.getLogger(__name__)
T = TypeVar("T")

# The most excerpts the More button pages through for one question.
MAX_RESULTS = 12
OPTION_NAMES = ("outlet", "since", "until")
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


@dataclass(frozen=True)
class Checked:
    """What :meth:`Desk.validate` let through: the question (validated, whitespace normalised)
    and the filters to ask with. :meth:`Desk.ask` takes the question as it is."""

    question: Question
    filters: Filters


@dataclass(frozen=True)
class Asked:
    answer: Answer
    query_id: int | None
    log_failure: QueryLogError | None = None  # why the question was not logged

    @property
    def log_error(self) -> str | None:
        """``log_failure``'s message: what the CLI's warning quotes."""
        return None if self.log_failure is None else str(self.log_failure)


@dataclass(frozen=True)
class Charted:
    """A timeline (:meth:`Desk.timeline`) and where it was logged, as :class:`Asked` for an answer."""

    timeline: Timeline
    query_id: int | None
    log_error: str | None = None


# The most active watches in one place (a server; the command line is one place).
MAX_WATCHES = 50
# A watch's articles are read this deep (every article the answer decision would show among
# these passages), when it begins and at each check: what answers it already is not news.
WATCH_DEPTH = 1000
WATCH_ARTICLES = 10_000


class WatchError(NewsdeskError, ValueError):
    """A watch that cannot be saved or stopped; the message says why and what to do."""


@dataclass(frozen=True)
class Watch:
    """A saved question (``newsdesk watch``) and its filters."""

    id: int
    question: str
    filters: Filters
    created_at: str
    stopped_at: str | None = None

    @classmethod
    def from_row(cls, row: dict) -> Watch:
        try:
            filters = Filters.from_json(row.get("filters"))
        except FilterError:  # written by hand or by another version: watch everything
            filters = Filters()
        return cls(row["id"], row["question"], filters, row["created_at"], row.get("stopped_at"))

    def to_json(self) -> dict[str, object]:
        return {"id": self.id, "question": self.question, "filters": self.filters.to_json(),
                "created_at": self.created_at, "stopped_at": self.stopped_at}


@dataclass(frozen=True)
class Watched:
    """What a check found for a watch: the articles that answer it and it had not met, oldest first."""

    watch: Watch
    found: Timeline
    new: tuple[Excerpt, ...]


@dataclass(frozen=True)
class Page:
    """Excerpts ``start + 1`` onwards of a logged question, for the More button."""

    answer: Answer
    excerpts: tuple[Excerpt, ...]
    start: int
    next_start: int | None  # where the page after this one starts; None when there is none


class Desk:
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

    def open_library(self, settings: Settings) -> Library:
        """The door for changes to the archive: the desk's own, else (a desk made without one) one for
        ``settings``' folders, kept from then on, so /archive and the live archive share it."""
        if self.library is None:
            self.library = library_for(settings)
        return self.library

    def record_archive_action(
        self, user_id: int | str | None, action: str, article_id: str, title: str = "", url: str = ""
    ) -> QueryLogError | None:
        """Log a moderator's change to the archive; the error when it could not be logged."""
        if self.querylog is None:
            return LogNotOpen(NO_LOG)
        try:
            self.querylog.record_archive_action(user_id, action, article_id, title, url)
        except QueryLogError as exc:
            log.error("archive change not logged: %s", exc)
            return QueryLogError(str(exc))  # its message; not the traceback's frames
        return None

    @classmethod
    def from_settings(cls, settings: Settings, *, open_log: bool = True, lazy: bool = False) -> Desk:
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

    @staticmethod
    def validate(
        question: str,
        outlet: str | None = None,
        since: str | None = None,
        until: str | None = None,
        *,
        names: Sequence[str] = OPTION_NAMES,
    ) -> Checked:
        """Check what was typed before any work starts; the question and filters to ask with.

        Raises QuestionError (empty, over-long or not UTF-8 text) or FilterError (a bad
        filter, named as in ``names``), each with a one-line message for the person who typed it.
        Nothing is logged: the caller shows the refusal, then logs it with :meth:`reject`.
        """
        for value in (question, outlet, since, until):
            _check_text(value)
        checked = validate_question(question)
        return Checked(checked, Filters.parse(outlet, since, until, names=names))

    def ask(
        self,
        question: str,
        *,
        interface: str = "cli",
        user_id: int | str | None = None,
        guild_id: int | str | None = None,
        channel_id: int | str | None = None,
        limit: int | None = None,
        more: int = 0,
        filters: Filters | None = None,
    ) -> Asked:
        """Answer and log.

        ``question`` is validated unless it is a :class:`Question` already (from :meth:`validate`).
        Raises QuestionError for a question that cannot be searched (EmptyArchive when
        there is nothing to search), FilterError for an outlet that matches no outlet; such a
        refusal is not logged here: the caller shows it, then logs it with :meth:`reject`
        (an empty archive is not the question's fault and is not logged).
        """
        started = time.perf_counter()
        archive = self.archive
        if not isinstance(question, Question):
            question = validate_question(question)
        if not archive.passages:
            raise EmptyArchive(EMPTY_MESSAGE)
        self.check_outlet(filters)
        answer = ask(archive, question, limit or self.results, more=more, filters=filters)
        latency_ms = (time.perf_counter() - started) * 1000
        shown = answer.results
        record = QueryRecord(
            question=answer.question,
            answered=answer.answered,
            interface=interface,
            user_id=user_id,
            guild_id=guild_id,
            channel_id=channel_id,
            article_ids=[r.article_id for r in shown],
            passage_ids=[r.passage_id for r in shown],
            scores=[r.score for r in shown],
            latency_ms=latency_ms,
            reason=answer.reason_code or None,
            filters=filters.to_json() if filters else {},
        )
        if self.querylog is None:
            return Asked(answer, None, self.log_problem)
        try:
            query_id = self.querylog.record(record)
        except QueryLogError as exc:
            log.error("%s (question: %r)", exc, answer.question[:200])
            return Asked(answer, None, QueryLogError(str(exc)))  # its message; not the traceback's frames
        return Asked(answer, query_id)

    def not_posted(self, query_id: int | None) -> None:
        """The answer to logged question ``query_id`` could not be posted (Discord refused it):
        the question leaves the log, which records only answers someone was shown."""
        if self.querylog is None or query_id is None:
            return
        try:
            self.querylog.withdraw(query_id)
        except QueryLogError as exc:
            log.error("question %s stays in the log as answered although its answer was not posted: %s", query_id, exc)

    def timeline(
        self,
        question: str,
        *,
        interface: str = "cli",
        user_id: int | str | None = None,
        guild_id: int | str | None = None,
        channel_id: int | str | None = None,
        limit: int = TIMELINE_LIMIT,
        filters: Filters | None = None,
    ) -> Charted:
        """The timeline of ``question`` (:mod:`retrieval.answer.timeline`), logged as a question is.

        Refused and raised as :meth:`ask` refuses and raises; the log row holds the listed
        articles in date order (an unanswered one, the reason), like an answer's.
        """
        started = time.perf_counter()
        archive = self.archive
        if not isinstance(question, Question):
            question = validate_question(question)
        if not archive.passages:
            raise EmptyArchive(EMPTY_MESSAGE)
        self.check_outlet(filters)
        found = timeline(archive, question, filters=filters, limit=limit)
        shown = found.entries
        record = QueryRecord(
            question=found.question,
            answered=found.answered,
            interface=interface,
            user_id=user_id,
            guild_id=guild_id,
            channel_id=channel_id,
            article_ids=[r.article_id for r in shown],
            passage_ids=[r.passage_id for r in shown],
            scores=[r.score for r in shown],
            latency_ms=(time.perf_counter() - started) * 1000,
            reason=found.answer.reason_code or None,
            filters=filters.to_json() if filters else {},
        )
        query_id, problem = self._write(record)
        return Charted(found, query_id, problem)

    def _write(self, record: QueryRecord) -> tuple[int | None, str | None]:
        """Log ``record``: its id, or None and why it was not logged."""
        if self.querylog is None:
            return None, str(self.log_problem)
        try:
            return self.querylog.record(record), None
        except QueryLogError as exc:
            log.error("%s (question: %r)", exc, record.question[:200])
            return None, str(exc)

    # -- watches: saved questions, reported as the articles that answer them arrive ----------

    def watch(
        self,
        question: str,
        *,
        interface: str = "cli",
        user_id: int | str | None = None,
        guild_id: int | str | None = None,
        channel_id: int | str | None = None,
        filters: Filters | None = None,
    ) -> tuple[Watch, int]:
        """Save ``question`` as a watch; with it, how many articles answer it already. Those and
        every other article on the archive about it now (:func:`candidate_articles`) are never
        reported: a check reports only the articles that arrive later and answer it.

        A question the archive cannot answer yet is the point of a watch: it is saved all the
        same. Raises QuestionError for a question that cannot be searched, FilterError for an
        outlet that matches none, WatchError past :data:`MAX_WATCHES` in the place, LogNotOpen
        without a log.
        """
        if self.querylog is None:
            raise LogNotOpen(f"watches are kept in the query log, which is not open ({self.log_problem})")
        if not isinstance(question, Question):
            question = validate_question(question)
        self.check_outlet(filters)
        if len(self.querylog.watches(guild_id=guild_id)) >= MAX_WATCHES:
            raise WatchError(f"there are {MAX_WATCHES} watches here already, the most there can be: stop one first")
        archive = self.archive
        answering = self._watch_timeline(question, filters).entries if archive.passages else ()
        about = candidate_articles(archive, question, filters=filters, depth=WATCH_DEPTH) if archive.passages else []
        record = WatchRecord(
            question=question, interface=interface, user_id=user_id, guild_id=guild_id, channel_id=channel_id,
            filters=filters.to_json() if filters else {}, already=[e.article_id for e in answering] + about,
        )
        return Watch.from_row(self.querylog.add_watch(record)), len(answering)

    def watches(self, *, guild_id: int | str | None = None, stopped: bool = False) -> list[Watch]:
        """The place's active watches (with ``stopped``, the stopped ones too), oldest first."""
        if self.querylog is None:
            raise LogNotOpen(f"watches are kept in the query log, which is not open ({self.log_problem})")
        return [Watch.from_row(row) for row in self.querylog.watches(guild_id=guild_id, active=not stopped)]

    def stop_watch(self, watch_id: int, *, guild_id: int | str | None = None) -> None:
        """Stop a watch of the place; WatchError when it has no such active watch."""
        if self.querylog is None:
            raise LogNotOpen(f"watches are kept in the query log, which is not open ({self.log_problem})")
        if not self.querylog.stop_watch(watch_id, guild_id=guild_id):
            raise WatchError(f"there is no active watch {watch_id} here: `newsdesk watch list` shows them")

    def check_watches(self, *, guild_id: int | str | None = None) -> list[Watched]:
        """Each active watch of the place with the articles that answer it now and had not been
        met: each article is reported once (recorded before this returns)."""
        found: list[Watched] = []
        for watch in self.watches(guild_id=guild_id):
            charted = self._watch_timeline(Question(watch.question), watch.filters or None)
            assert self.querylog is not None
            new = set(self.querylog.report_watch(watch.id, [e.article_id for e in charted.entries]))
            found.append(Watched(watch, charted, tuple(e for e in charted.entries if e.article_id in new)))
        return found

    def _watch_timeline(self, question: Question, filters: Filters | None) -> Timeline:
        return timeline(self.archive, question, filters=filters, limit=WATCH_ARTICLES, depth=WATCH_DEPTH)

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

    def reject(
        self,
        question: str,
        error: QuestionError | FilterError,
        *,
        interface: str = "cli",
        user_id: int | str | None = None,
        guild_id: int | str | None = None,
        channel_id: int | str | None = None,
        filters: Filters | None = None,
    ) -> int | None:
        """Log a question that was refused before any search, with the reason shown for it.

        Returns its id, or None when it was not logged: the log is not open, the write failed
        (the failure goes to the app log), or ``error`` is :class:`EmptyArchive` (the question
        was not at fault: nothing is logged for it).
        """
        if self.querylog is None or isinstance(error, EmptyArchive):
            return None
        record = QueryRecord(
            question=question, answered=False, interface=interface, user_id=user_id, guild_id=guild_id,
            channel_id=channel_id, reason=rejection_code(error), rejected=str(error),
            filters=filters.to_json() if filters else {},
        )
        try:
            return self.querylog.record(record)
        except QueryLogError as exc:
            log.error("rejected question not logged: %s", exc)
            return None

    def _logged(self, query_id: int, place: Place | None) -> dict | None:
        """Logged question ``query_id`` if it was asked at ``place`` (anywhere without one)."""
        row = self.querylog.get(query_id) if self.querylog is not None else None
        if row is None or place is None or place.asked_here(row):
            return row
        log.info("question %s was asked elsewhere than %s; treated as not in the log", query_id, place)
        return None

    def more(self, query_id: int, start: int, count: int, place: Place | None = None) -> Page | None:
        """The next ``count`` excerpts of logged question ``query_id``, from excerpt ``start``.

        The question is asked again with the filters saved with it, so the pages continue the
        same search. None when the question is not in the log (purged, or the log is closed),
        or was not asked at ``place``.
        """
        row = self._logged(query_id, place)
        if row is None:
            return None
        end = min(start + count, MAX_RESULTS)
        answer = ask(self.archive, row["question"], end, more=1, filters=Filters.from_json(row.get("filters")))
        excerpts = tuple(answer.results[start:])
        shown = start + len(excerpts)
        has_more = bool(excerpts) and bool(answer.more) and shown < MAX_RESULTS
        return Page(answer, excerpts, start, shown if has_more else None)

    def vote(self, query_id: int, user_id: int | str, value: int, place: Place | None = None) -> None:
        """Record 👍 (+1) or 👎 (-1) from a user on a logged answer; a later vote replaces theirs.

        Raises LogNotOpen when there is no log, UnknownQuery when the question is no longer
        in it (or was not asked at ``place``), QueryLogError when the write fails.
        """
        if self.querylog is None:
            raise LogNotOpen("the query log is not open (check NEWSDESK_DB)")
        if place is not None and self._logged(query_id, place) is None:
            raise UnknownQuery(f"question {query_id} is not in the query log for this channel; the vote was not recorded")
        self.querylog.record_feedback(query_id, user_id, value)

    def read_log(self, function: Callable[[Database], T]) -> T:
        """Run a review query (see bot.querylog.queries) on a read-only connection of its own,
        in one snapshot of the log.

        Blocks: call it from a worker thread in the bot. Raises QueryLogError (its message
        says what to check) when the log cannot be opened or read (locked, damaged, newer).
        """
        if self.querylog is None:
            raise ReviewError("the query log is not open (check NEWSDESK_DB)")
        path = self.querylog.path
        if not path:  # an in-memory log (tests): read through the writer's connection
            return function(self.querylog.db)
        db = open_reader(path)
        try:
            # One read transaction: every query of the review sees the log as it was at the
            # first, so figures read apart (the stats and their chart) add up.
            db.conn.execute("BEGIN")
            return function(db)
        except sqlite3.Error as exc:  # e.g. a damaged page met half-way through a listing
            raise QueryLogError(problem_message(exc, path, "read")) from exc
        finally:
            db.close()


def _check_text(typed: str | None) -> None:
    """Raise QuestionError for text holding a byte that was not UTF-8 (see bot.typed)."""
    what = not_utf8(typed) if typed is not None else None
    if what:
        raise QuestionError(f"What you typed is not UTF-8 text ({what}): {FIX} and type it again")


def rejection_code(error: QuestionError | FilterError) -> str:
    """The log's reason code for a question refused before any search."""
    if isinstance(error, UnknownOutlet):
        return "unknown_outlet"
    return "invalid_filter" if isinstance(error, FilterError) else "invalid_question"


__all__ = [
    "ArchiveAdminError", "Article", "Asked", "Charted", "Checked", "Desk", "EmptyArchive", "FetchPool", "FilterError", "Filters",
    "IngestError", "Library", "LogNotOpen", "Overrides", "Page", "Place", "Preview", "QuestionError", "Removed",
    "UnknownOutlet", "UnknownQuery", "Watch", "WatchError", "Watched", "archive_options", "library_for", "load_archive", "rejection_code",
]
