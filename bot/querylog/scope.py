"""Which questions a review reads: a period, a server, and the channels one member may read.

Guarantees: :class:`Scope` builds every WHERE clause of :mod:`bot.querylog.queries`, so no
review can forget the server or the channels. Every value reaches SQL as a bound parameter
(a set of channel ids as one JSON parameter, so a server's channel count is never a limit).
Times in the log are UTC ISO strings: a ``date`` means that whole UTC day, a ``datetime`` an
instant (``since`` inclusive, ``until`` exclusive).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import dataclass
from typing import Any

from bot.querylog.schema import utc_text
from retrieval.errors import NewsdeskError

log = logging.getLogger(__name__)

Bound = dt.date | dt.datetime | None


class ReviewError(NewsdeskError, ValueError):
    """A bad argument to a review query (a count, a period); the message says what is wrong."""


# -- periods ----------------------------------------------------------------------------


def bound_text(bound: Bound) -> str | None:
    """A period bound as the user gave it: a date is that whole UTC day (inclusive at either
    end: ``until`` 2024-05-01 is "2024-05-01"), a time is that instant in the log's format."""
    if bound is None:
        return None
    if isinstance(bound, dt.datetime):
        return utc_text(bound)
    return bound.isoformat()


def lower_bound(since: Bound) -> str | None:
    return bound_text(since)  # "2024-05-01" sorts before every time on that day


def upper_bound(until: Bound) -> str | None:
    """The exclusive end the SQL compares with; internal: show people :func:`bound_text`."""
    if until is None:
        return None
    if isinstance(until, dt.datetime):
        return utc_text(until)
    return (until + dt.timedelta(days=1)).isoformat()  # the whole day is included


def since_days(days: float | None, now: dt.datetime | None = None) -> dt.datetime | None:
    """The instant ``days`` ago (None for no limit)."""
    if days is None:
        return None
    if days <= 0:
        raise ReviewError(f"days must be more than zero, not {days}")
    return (now or dt.datetime.now(dt.timezone.utc)) - dt.timedelta(days=days)


@dataclass(frozen=True)
class Viewer:
    """One member's view of one server's log: the channels they may read there.

    ``readable``: ids of the channels (and threads) whose questions they may see. ``known``:
    ids of every channel the bot knows in the server; a question from any other channel (one
    deleted since, an archived thread) is shown only when ``sees_gone`` (the caller decides:
    /querylog gives it to members with Administrator or Manage Server).
    """

    guild: int | str
    readable: frozenset[str]
    known: frozenset[str]
    sees_gone: bool = False

    def clause(self) -> tuple[str, list[Any]]:
        """The SQL clause over ``q`` for the questions this viewer may see, and its parameters
        (each id set as one JSON parameter: no limit on how many channels a server has)."""
        visible = "q.channel_id IN (SELECT value FROM json_each(?))"
        params: list[Any] = [json.dumps(sorted(self.readable))]
        if self.sees_gone:
            visible += " OR q.channel_id IS NULL OR q.channel_id NOT IN (SELECT value FROM json_each(?))"
            params.append(json.dumps(sorted(self.known)))
        return f"({visible})", params


Guild = int | str | Viewer | None


@dataclass(frozen=True)
class Scope:
    """Which questions a review reads: a period and, when ``guild`` is set, one server only
    (a :class:`Viewer`: only the channels one member may read there)."""

    since: Bound = None
    until: Bound = None
    guild: Guild = None

    def where(self, *extra: str) -> tuple[str, list[Any]]:
        """`` WHERE ...`` over ``q`` for this scope and ``extra`` clauses ('' when none), and its parameters."""
        clauses, params = list(extra), []
        server = self.guild.guild if isinstance(self.guild, Viewer) else self.guild
        if server is not None:
            clauses.append("q.guild_id = ?")
            params.append(str(server))
        if isinstance(self.guild, Viewer):
            clause, channel_params = self.guild.clause()
            clauses.append(clause)
            params += channel_params
        if (low := lower_bound(self.since)) is not None:
            clauses.append("q.asked_at >= ?")
            params.append(low)
        if (high := upper_bound(self.until)) is not None:
            clauses.append("q.asked_at < ?")
            params.append(high)
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


def where(since: Bound, until: Bound, *extra: str, guild: Guild = None) -> tuple[str, list[Any]]:
    """`` WHERE ...`` over ``q`` for the period, the server and ``extra`` clauses, and its parameters."""
    return Scope(since, until, guild).where(*extra)
