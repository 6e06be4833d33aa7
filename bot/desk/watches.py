"""Watches through the desk: saved questions (``newsdesk watch``), each reported as the articles
that answer it arrive, once per article; kept in the query log, scoped to their place."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Unpack

from bot.desk.base import Asker, DeskBase, LogNotOpen
from bot.querylog import WatchRecord
from retrieval.answer.answerer import Excerpt, Question, validate_question
from retrieval.answer.filters import FilterError, Filters
from retrieval.answer.timeline import Timeline, candidate_articles, timeline
from retrieval.errors import NewsdeskError

log = logging.getLogger(__name__)

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


class WatchDesk(DeskBase):
    def watch(
        self,
        question: str,
        *,
        filters: Filters | None = None,
        **who: Unpack[Asker],
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
        if len(self.querylog.watches(guild_id=who.get("guild_id"))) >= MAX_WATCHES:
            raise WatchError(f"there are {MAX_WATCHES} watches here already, the most there can be: stop one first")
        archive = self.archive
        answering = self._watch_timeline(question, filters).entries if archive.passages else ()
        about = candidate_articles(archive, question, filters=filters, depth=WATCH_DEPTH) if archive.passages else []
        record = WatchRecord(
            question=question, filters=filters.to_json() if filters else {}, **who, already=[e.article_id for e in answering] + about,
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

