"""One ``Filters`` value: which articles a question may be answered from.

Guarantees:
- :meth:`Filters.parse` is the only parser of user-typed filter values (CLI options, slash
  command options, saved JSON); a bad value raises :class:`FilterError` whose one-line
  message names the option and shows the expected form.
- A reversed range (``since`` after ``until``) is an error, never an empty answer.
- ``Filters.from_json(f.to_json()) == f`` for every value.
- :func:`parse_moment` is the one parser for the query log's time bounds (a UTC day, an ISO
  time, or a duration back from now such as ``7d``).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from retrieval.errors import NewsdeskError

log = logging.getLogger(__name__)

_DURATION_RE = re.compile(r"^\s*(\d+)\s*([hdw])\s*$", re.IGNORECASE)
_UNITS = {"h": dt.timedelta(hours=1), "d": dt.timedelta(days=1), "w": dt.timedelta(weeks=1)}
_DATE_FORM_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_SHOWN_CHARS = 40  # how much of a bad value an error message echoes


class FilterError(NewsdeskError, ValueError):
    """A filter value that cannot be used; the message names the option and the fix."""


def _shown(value: object) -> str:
    text = str(value)
    return text if len(text) <= _SHOWN_CHARS else text[: _SHOWN_CHARS - 1] + "…"


def parse_date(value: str | dt.date | None, name: str) -> dt.date | None:
    """``YYYY-MM-DD`` -> date; ``None``/empty -> None; anything else -> FilterError."""
    if value is None or isinstance(value, dt.date):
        return value
    text = value.strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        # 2014-02-30 has the right form but is no day: say so, or the hint reads as nonsense.
        why = f" (no such day: {exc})" if _DATE_FORM_RE.match(text) else ""
        raise FilterError(f"{name} must be a date like 2014-08-20, not {_shown(text)!r}{why}") from None


def parse_duration(text: str) -> dt.timedelta:
    """``"12h"``, ``"90d"``, ``"2w"`` -> timedelta. Raises FilterError for anything else."""
    match = _DURATION_RE.match(text or "")
    if not match:
        raise FilterError(f"{_shown(text)!r} is not a duration: use a number and h, d or w (e.g. 12h, 90d, 2w)")
    amount = int(match.group(1))
    if amount <= 0:
        raise FilterError(f"{_shown(text)!r}: a duration must be more than zero")
    return amount * _UNITS[match.group(2).lower()]


def parse_moment(value: str | None, name: str, *, now: dt.datetime | None = None) -> dt.date | dt.datetime | None:
    """A time bound for the query log: YYYY-MM-DD (a UTC day), an ISO time, or a duration ago."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        pass
    if _DURATION_RE.match(text):
        return (now or dt.datetime.now(dt.timezone.utc)) - parse_duration(text)
    try:
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise FilterError(
            f"{name}: {_shown(text)!r} is not YYYY-MM-DD, an ISO time or a duration such as 7d, 12h, 2w"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)


def check_order(low: dt.date | None, high: dt.date | None, names: tuple[str, str] = ("since", "until")) -> None:
    """Raise FilterError when ``low`` is after ``high`` (a reversed range matches nothing)."""
    if low is None or high is None:
        return
    a = low if isinstance(low, dt.datetime) else dt.datetime.combine(low, dt.time.min, dt.timezone.utc)
    b = high if isinstance(high, dt.datetime) else dt.datetime.combine(high, dt.time.max, dt.timezone.utc)
    if a.tzinfo is None:
        a = a.replace(tzinfo=dt.timezone.utc)
    if b.tzinfo is None:
        b = b.replace(tzinfo=dt.timezone.utc)
    if a > b:
        raise FilterError(f"{names[0]} ({low.isoformat()}) is after {names[1]} ({high.isoformat()}): swap them")


@dataclass(frozen=True)
class Filters:
    """Outlet (case-insensitive substring of the outlet's name) and publication dates (inclusive)."""

    outlet: str | None = None
    since: dt.date | None = None
    until: dt.date | None = None

    def __post_init__(self) -> None:
        check_order(self.since, self.until)

    def __bool__(self) -> bool:
        return bool(self.outlet or self.since or self.until)

    @classmethod
    def parse(
        cls,
        outlet: str | None = None,
        since: str | dt.date | None = None,
        until: str | dt.date | None = None,
        *,
        names: Sequence[str] = ("--outlet", "--since", "--until"),
    ) -> Filters:
        """From typed values; ``names`` are how the options are called where they were typed."""
        low, high = parse_date(since, names[1]), parse_date(until, names[2])
        check_order(low, high, (names[1], names[2]))
        text = (outlet or "").strip()
        return cls(text or None, low, high)

    def to_json(self) -> dict[str, str]:
        """Only the filters that are set, dates as YYYY-MM-DD."""
        data = {"outlet": self.outlet, "since": self.since, "until": self.until}
        return {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in data.items() if v}

    @classmethod
    def from_json(cls, data: dict[str, Any] | str | None) -> Filters:
        """The inverse of :meth:`to_json`; also takes the JSON text or None (no filters)."""
        if not data:
            return cls()
        if isinstance(data, str):
            try:
                data = json.loads(data)
            except json.JSONDecodeError as exc:
                raise FilterError(f"saved filters are not JSON: {exc}") from None
        if not isinstance(data, dict):
            raise FilterError("saved filters must be a JSON object")
        for name in ("outlet", "since", "until"):
            if not isinstance(data.get(name), (str, type(None))):
                raise FilterError(f"saved filter {name} must be text, not {_shown(data[name])!r}")
        return cls.parse(data.get("outlet"), data.get("since"), data.get("until"), names=("outlet", "since", "until"))

    def describe(self) -> str:
        """For people: ``"from DW, since 2014-06-01"``; ``""`` when nothing is filtered."""
        parts = []
        if self.outlet:
            parts.append(f"from {self.outlet}")
        if self.since and self.until:
            parts.append(f"published {self.since.isoformat()} to {self.until.isoformat()}")
        elif self.since:
            parts.append(f"published since {self.since.isoformat()}")
        elif self.until:
            parts.append(f"published until {self.until.isoformat()}")
        return ", ".join(parts)

    def matching_outlets(self, outlet_names: Sequence[str]) -> list[int]:
        """Positions in ``outlet_names`` that the outlet filter admits."""
        if not self.outlet:
            return list(range(len(outlet_names)))
        wanted = self.outlet.casefold()
        return [i for i, name in enumerate(outlet_names) if wanted in name.casefold()]

    def mask(self, outlet_codes: np.ndarray, outlet_names: Sequence[str], published: np.ndarray) -> np.ndarray | None:
        """Boolean mask over passages, or None when nothing is filtered.

        ``outlet_codes[i]`` indexes ``outlet_names``; ``published[i]`` is a date ordinal
        (0 = unknown, which no date filter admits).
        """
        if not self:
            return None
        allowed = np.ones(len(outlet_codes), dtype=bool)
        if self.outlet:
            allowed &= np.isin(outlet_codes, self.matching_outlets(outlet_names))
        if self.since:
            allowed &= published >= self.since.toordinal()
        if self.until:
            allowed &= (published <= self.until.toordinal()) & (published > 0)
        return allowed
