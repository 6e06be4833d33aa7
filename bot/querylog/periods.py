"""Per-day figures grouped into weeks, months or years, and which of them are partial.

Guarantees: grouping never drops or double-counts a question (each group's figures are the
sum of its days'); weeks start on Monday; every date and time is UTC, as in the log. A group is
partial when the period starts or ends inside it: a period given as "the last N days" starts
at this time of day N days ago, and the group holding now is not over yet. Free of discord.py.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from bot.querylog.queries import Bound
from bot.querylog.records import DayCount

log = logging.getLogger(__name__)

UNITS = ("day", "week", "month", "year")


@dataclass(frozen=True)
class Group:
    """The questions asked in one UTC day, week, month or year of a period."""

    unit: str
    start: dt.date
    questions: int
    answered: int
    partial: str = ""  # why only part of it is in the period ("from 14:27", "so far"), or ""

    @property
    def label(self) -> str:
        if self.unit == "week":
            return f"week of {self.start.isoformat()}"
        return self.start.isoformat()[: {"day": 10, "month": 7, "year": 4}[self.unit]]


def _start(day: dt.date, unit: str) -> dt.date:
    if unit == "week":
        return day - dt.timedelta(days=day.weekday())
    if unit == "month":
        return day.replace(day=1)
    return day.replace(month=1, day=1) if unit == "year" else day


def _end(start: dt.date, unit: str) -> dt.date:
    """The first day after the group starting on ``start``."""
    if unit == "month":
        return (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    if unit == "year":
        return start.replace(year=start.year + 1)
    return start + dt.timedelta(days=7 if unit == "week" else 1)


def _naive_utc(moment: dt.datetime) -> dt.datetime:
    """``moment`` as the log keeps times: UTC, without a zone (naive values are taken as UTC)."""
    return moment.astimezone(dt.timezone.utc).replace(tzinfo=None) if moment.tzinfo else moment


def _shown(bound: Bound) -> str:
    return _naive_utc(bound).strftime("%Y-%m-%d %H:%M") if isinstance(bound, dt.datetime) else bound.isoformat()


def describe_period(since: Bound, until: Bound) -> str:
    """The period as ``logs stats`` and its chart title both say it: days inclusive at both ends
    ("2024-05-01 to 2024-05-02", "until 2024-05-01"), a time to the minute, UTC."""
    low, high = (None if b is None else _shown(b) for b in (since, until))
    if low and high:
        return low if low == high else f"{low} to {high}"
    if low:
        return f"since {low}"
    if high:
        return f"until {high}"
    return "all time"


def _instant(bound: Bound, *, end: bool = False) -> dt.datetime | None:
    """A period bound as a naive UTC time; a date bound is its day's start (``end``: the next day's)."""
    if bound is None:
        return None
    if isinstance(bound, dt.datetime):
        return _naive_utc(bound)
    return dt.datetime.combine(bound + dt.timedelta(days=1) if end else bound, dt.time())


def _partial(unit: str, start: dt.date, since: dt.datetime | None, until: dt.datetime, ongoing: bool) -> str:
    first, after = dt.datetime.combine(start, dt.time()), dt.datetime.combine(_end(start, unit), dt.time())
    shown = "%H:%M" if unit == "day" else "%Y-%m-%d %H:%M"
    notes = []
    if since is not None and first < since < after:
        notes.append(f"from {since:{shown}}")
    if first < until < after:
        notes.append("so far" if ongoing else f"until {until:{shown}}")
    return f"partial: {', '.join(notes)}" if notes else ""


def group(
    days: Sequence[DayCount], unit: str, since: Bound = None, until: Bound = None, now: dt.datetime | None = None
) -> list[Group]:
    """``days`` (oldest first) summed per ``unit``, oldest first, each marked when partial.

    ``since``/``until`` are the period the figures were read for (None: open); a period with no
    end, or ending after ``now``, ends now.
    """
    if unit not in UNITS:
        raise ValueError(f"unit must be one of {', '.join(UNITS)}, not {unit!r}")
    current = _naive_utc(now or dt.datetime.now(dt.timezone.utc))
    until_at = _instant(until, end=True)
    ongoing = until_at is None or until_at >= current
    end = current if ongoing or until_at is None else until_at
    sums: dict[dt.date, list[int]] = {}
    for day in days:
        figures = sums.setdefault(_start(dt.date.fromisoformat(day.day), unit), [0, 0])
        figures[0] += day.questions
        figures[1] += day.answered
    low = _instant(since)
    return [Group(unit, start, q, a, _partial(unit, start, low, end, ongoing)) for start, (q, a) in sums.items()]
