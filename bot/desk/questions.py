"""The questions' desk: what a member or the command line asks, answered from the archive and logged.

:meth:`~QuestionDesk.validate` checks what was typed (once: the :class:`Checked` question is
not checked again on its way to the archive), :meth:`~QuestionDesk.ask` answers and logs (a
question refused before any search is raised, and the interface that shows the refusal logs it
with :meth:`~QuestionDesk.reject`, once), :meth:`~QuestionDesk.more` pages a logged question's
next excerpts with its saved filters, :meth:`~QuestionDesk.vote` records 👍/👎 and
:meth:`~QuestionDesk.read_log` runs moderators' review queries. So a question is logged the same
way wherever it was asked. A log failure never loses the answer: it is on the returned :class:`Asked`.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar, Unpack

from sqlite_utils import Database

from bot.desk.base import NO_LOG, Asker, DeskBase, EmptyArchive, LogNotOpen, UnknownOutlet
from bot.place import Place
from bot.querylog import QueryLogError, QueryRecord, ReviewError, UnknownQuery, open_database, open_reader
from bot.querylog.records import Removed as LogRemoved
from bot.querylog.retention import forget_user
from bot.querylog.schema import problem_message
from bot.typed import FIX, not_utf8
from retrieval.answer.answerer import Answer, Excerpt, Question, QuestionError, ask, validate_question
from retrieval.answer.filters import FilterError, Filters

log = logging.getLogger(__name__)
T = TypeVar("T")

# The most excerpts the More button pages through for one question.
MAX_RESULTS = 12
OPTION_NAMES = ("outlet", "since", "until")


@dataclass(frozen=True)
class Checked:
    """What :meth:`QuestionDesk.validate` let through: the question (validated, whitespace
    normalised) and the filters to ask with. :meth:`QuestionDesk.ask` takes the question as it is."""

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
class Page:
    """Excerpts ``start + 1`` onwards of a logged question, for the More button."""

    answer: Answer
    excerpts: tuple[Excerpt, ...]
    start: int
    next_start: int | None  # where the page after this one starts; None when there is none


class QuestionDesk(DeskBase):
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
        limit: int | None = None,
        more: int = 0,
        filters: Filters | None = None,
        **who: Unpack[Asker],
    ) -> Asked:
        """Answer and log.

        ``question`` is validated unless it is a :class:`Question` already (from :meth:`validate`).
        Raises QuestionError for a question that cannot be searched (EmptyArchive when
        there is nothing to search), FilterError for an outlet that matches no outlet; such a
        refusal is not logged here: the caller shows it, then logs it with :meth:`reject`
        (an empty archive is not the question's fault and is not logged).
        """
        started = time.perf_counter()
        archive, question = self._searchable(question, filters)
        answer = ask(archive, question, limit or self.results, more=more, filters=filters)
        query_id, problem = self._log_search(
            answer.question, answer.results, answered=answer.answered, reason=answer.reason_code, started=started,
            filters=filters, **who,
        )
        self.wait_for_late(query_id, answer, user_id=who.get("user_id"), guild_id=who.get("guild_id"))
        return Asked(answer, query_id, problem)

    def not_posted(self, query_id: int | None) -> None:
        """The answer to logged question ``query_id`` could not be posted (Discord refused it):
        the question leaves the log, which records only answers someone was shown."""
        if self.querylog is None or query_id is None:
            return
        try:
            self.querylog.withdraw(query_id)
        except QueryLogError as exc:
            log.error("question %s stays in the log as answered although its answer was not posted: %s", query_id, exc)

    def reject(
        self,
        question: str,
        error: QuestionError | FilterError,
        *,
        filters: Filters | None = None,
        **who: Unpack[Asker],
    ) -> int | None:
        """Log a question that was refused before any search, with the reason shown for it.

        Returns its id, or None when it was not logged: the log is not open, the write failed
        (the failure goes to the app log), or ``error`` is :class:`EmptyArchive` (the question
        was not at fault: nothing is logged for it).
        """
        if self.querylog is None or isinstance(error, EmptyArchive):
            return None
        record = QueryRecord(
            question=question, answered=False, reason=rejection_code(error), rejected=str(error),
            filters=filters.to_json() if filters else {}, **who,
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


    def forget_member(self, user_id: int | str, guild_id: int | str, *, dry_run: bool) -> LogRemoved:
        """Remove what the log keeps about member ``user_id`` in server ``guild_id`` (their
        questions there with the votes on them, their votes on its questions, their watches
        there); with ``dry_run`` only count it. Never another server's rows.

        Blocks: call it from a worker thread in the bot. Raises QueryLogError when the log
        cannot be opened or is busy (nothing is removed then)."""
        if self.querylog is None:
            raise LogNotOpen(NO_LOG)
        path = self.querylog.path
        # A connection of its own (an in-memory log, in tests, has only the writer's).
        db = open_database(path) if path else self.querylog.db
        try:
            return forget_user(db, self.querylog, user_id, guild=guild_id, dry_run=dry_run)
        except sqlite3.Error as exc:
            raise QueryLogError(problem_message(exc, path or ":memory:", "write to")) from exc
        finally:
            if path:
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

