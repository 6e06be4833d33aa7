"""Watches through the desk: saved questions (``newsdesk watch``, ``/watch``), each reported as the
articles that answer it arrive, once per article; kept in the query log, scoped to their place.

A watch made in Discord posts (in its channel or by DM: ``delivery``) what :mod:`bot.watch_firing`
finds when articles arrive; the command line's are reported by ``newsdesk watch check``. Limits
(:class:`WatchLimits`): per member and per server for Discord's (paused ones count, stopped ones do
not), :data:`MAX_WATCHES` for the command line. A member reaches only their own watches of the
server (``user_id``); without it (a moderator, the command line) every watch of the place.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from typing import Unpack

from bot.desk.base import Asker, DeskBase, LogNotOpen
from bot.querylog import QueryLog, WatchRecord
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
class WatchLimits:
    """NEWSDESK_WATCHES_PER_MEMBER, NEWSDESK_WATCHES_PER_SERVER, NEWSDESK_WATCH_POSTS_PER_DAY."""

    per_member: int = 5
    per_server: int = 50
    posts_per_day: int = 10


@dataclass(frozen=True)
class Watch:
    """A saved question (``newsdesk watch``) and its filters."""

    id: int
    question: str
    filters: Filters
    created_at: str
    stopped_at: str | None = None
    guild_id: str | None = None
    channel_id: str | None = None
    delivery: str | None = None  # "channel", "dm"; None: the command line's
    deliver_to: str | None = None  # the member a DM goes to
    owner: str | None = None  # as the log stores who made it
    paused_at: str | None = None
    paused_reason: str | None = None

    @classmethod
    def from_row(cls, row: dict) -> Watch:
        try:
            filters = Filters.from_json(row.get("filters"))
        except FilterError:  # written by hand or by another version: watch everything
            filters = Filters()
        return cls(
            row["id"], row["question"], filters, row["created_at"], row.get("stopped_at"), row.get("guild_id"),
            row.get("channel_id"), row.get("delivery"), row.get("deliver_to"), row.get("user_id"),
            row.get("paused_at"), row.get("paused_reason"),
        )

    @property
    def state(self) -> str:
        """``running``, ``paused`` or ``stopped``."""
        return "stopped" if self.stopped_at else "paused" if self.paused_at else "running"

    def to_json(self) -> dict[str, object]:
        return {"id": self.id, "question": self.question, "filters": self.filters.to_json(),
                "created_at": self.created_at, "stopped_at": self.stopped_at, "state": self.state,
                "delivery": self.delivery, "paused_at": self.paused_at, "paused_reason": self.paused_reason}


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
        delivery: str | None = None,
        limits: WatchLimits | None = None,
        **who: Unpack[Asker],
    ) -> tuple[Watch, int]:
        """Save ``question`` as a watch; with it, how many articles answer it already. Those and
        every other article on the archive about it now (:func:`candidate_articles`) are never
        reported: a check reports only the articles that arrive later and answer it.

        A question the archive cannot answer yet is the point of a watch: it is saved all the
        same. Raises QuestionError for a question that cannot be searched, FilterError for an
        outlet that matches none, WatchError past the limits (``limits``; without them
        :data:`MAX_WATCHES` in the place), LogNotOpen without a log. ``delivery`` ("channel",
        "dm") makes a watch that posts (Discord's).
        """
        querylog = self._watch_log()
        if not isinstance(question, Question):
            question = validate_question(question)
        self.check_outlet(filters)
        self._check_room(querylog, who, limits)
        archive = self.archive
        answering = self._watch_timeline(question, filters).entries if archive.passages else ()
        about = candidate_articles(archive, question, filters=filters, depth=WATCH_DEPTH) if archive.passages else []
        record = WatchRecord(
            question=question, filters=filters.to_json() if filters else {}, **who, delivery=delivery,
            already=[e.article_id for e in answering] + about,
        )
        return Watch.from_row(querylog.add_watch(record)), len(answering)

    def _watch_log(self) -> QueryLog:
        if self.querylog is None:
            raise LogNotOpen(f"watches are kept in the query log, which is not open ({self.log_problem})")
        return self.querylog

    @staticmethod
    def _check_room(querylog: QueryLog, who: Asker, limits: WatchLimits | None) -> None:
        """WatchError when the place (or the member) has as many watches as the limits allow."""
        guild_id = who.get("guild_id")
        most = MAX_WATCHES if limits is None else limits.per_server
        if len(querylog.watches(guild_id=guild_id)) >= most:
            raise WatchError(f"there are {most} watches here already, the most there can be: stop one first")
        if limits is not None and who.get("user_id") is not None:
            mine = querylog.watches(guild_id=guild_id, owner=querylog.owner_key(who.get("user_id")))
            if len(mine) >= limits.per_member:
                raise WatchError(f"you have {limits.per_member} watches in this server, the most a member may keep: "
                                 "stop one with `/watch stop` first")

    def watch_again(
        self, question: str, *, filters: Filters | None = None, delivery: str | None = None, **who: Unpack[Asker]
    ) -> Watch | None:
        """Resume the member's paused watch of the same question (same filters and delivery) in the
        place, if there is one (adding a paused watch again resumes it); None when there is none."""
        querylog = self._watch_log()
        wanted = (" ".join(str(question).split()).casefold(), (filters or Filters()).to_json(), delivery)
        owner = querylog.owner_key(who.get("user_id"))
        for row in querylog.watches(guild_id=who.get("guild_id"), owner=owner):
            watch = Watch.from_row(row)
            if watch.paused_at and (" ".join(watch.question.split()).casefold(), watch.filters.to_json(), watch.delivery) == wanted:
                querylog.resume_watch(watch.id, guild_id=who.get("guild_id"), owner=owner)
                return replace(watch, paused_at=None, paused_reason=None)
        return None

    def watches(
        self, *, guild_id: int | str | None = None, stopped: bool = False, user_id: int | str | None = None
    ) -> list[Watch]:
        """The place's watches not stopped, running or paused (with ``stopped``, the stopped ones
        too), oldest first; only ``user_id``'s when given."""
        querylog = self._watch_log()
        owner = None if user_id is None else querylog.owner_key(user_id)
        return [Watch.from_row(row) for row in querylog.watches(guild_id=guild_id, active=not stopped, owner=owner)]

    def stop_watch(self, watch_id: int, *, guild_id: int | str | None = None, user_id: int | str | None = None) -> None:
        """Stop a watch of the place (``user_id``'s when given); WatchError when there is no such watch."""
        querylog = self._watch_log()
        owner = None if user_id is None else querylog.owner_key(user_id)
        if not querylog.stop_watch(watch_id, guild_id=guild_id, owner=owner):
            raise WatchError(f"there is no active watch {watch_id} here: `newsdesk watch list` shows them")

    def resume_watch(self, watch_id: int, *, guild_id: int | str | None = None, user_id: int | str | None = None) -> Watch:
        """Resume a paused watch of the place (``user_id``'s when given); WatchError when there is no such paused watch."""
        querylog = self._watch_log()
        owner = None if user_id is None else querylog.owner_key(user_id)
        if not querylog.resume_watch(watch_id, guild_id=guild_id, owner=owner):
            raise WatchError(f"there is no paused watch {watch_id} here: `newsdesk watch list` shows them")
        return next(w for w in self.watches(guild_id=guild_id) if w.id == watch_id)

    def pause_watch(self, watch_id: int, reason: str) -> bool:
        """Pause a running watch, saying why (a post Discord refused); False when it was not running."""
        return self._watch_log().pause_watch(watch_id, reason)

    def check_watches(self, *, guild_id: int | str | None = None) -> list[Watched]:
        """Each active watch of the place with the articles that answer it now and had not been
        met: each article is reported once (recorded before this returns)."""
        found: list[Watched] = []
        for watch in self.watches(guild_id=guild_id):
            if watch.paused_at:
                continue
            charted = self._watch_timeline(Question(watch.question), watch.filters or None)
            assert self.querylog is not None
            new = set(self.querylog.report_watch(watch.id, [e.article_id for e in charted.entries]))
            found.append(Watched(watch, charted, tuple(e for e in charted.entries if e.article_id in new)))
        return found

    def _watch_timeline(self, question: Question, filters: Filters | None) -> Timeline:
        return timeline(self.archive, question, filters=filters, limit=WATCH_ARTICLES, depth=WATCH_DEPTH)

