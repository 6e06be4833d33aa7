"""What the review queries return: typed rows and figures, and their JSON/CSV forms.

CSV output is made safe for spreadsheets: a cell that would start a formula gets a leading '.
"""

from __future__ import annotations

import csv
import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, TextIO

from retrieval.answer.filters import FilterError, Filters

log = logging.getLogger(__name__)

EXPORT_COLUMNS: tuple[str, ...] = (
    "id",
    "asked_at",
    "interface",
    "user_id",
    "guild_id",
    "channel_id",
    "question",
    "answered",
    "result_count",
    "article_ids",
    "filters",
    "top_score",
    "latency_ms",
    "thumbs_up",
    "thumbs_down",
    "refused",  # 1: refused before any search (a bad filter, too long), never searched
    "reason",  # why it went unanswered or was refused (a code: REASONS); None when answered
    "late_at",  # when it was answered late (an article that answers it arrived); None otherwise
    "late_article",  # the article of that late answer
)

# Why a question got no answer, as the log stores it (Answer.reason_code, bot.desk.rejection_code),
# in the words the listings show.
REASONS: dict[str, str] = {
    "not_covered": "not covered",
    "not_english": "not English",
    "no_terms": "no search words",
    "unknown_outlet": "unknown outlet",
    "invalid_filter": "bad filter",
    "invalid_question": "bad question",
}
# A question not covered under filters may be covered without them: not a gap in the archive.
UNDER_FILTER = "none under its filter"


def reason_text(reason: str | None, filtered: bool, answered: bool = False) -> str:
    """Why a question got no answer, for people ("" when answered; "-" when the log does not say)."""
    if answered:
        return ""
    if reason == "not_covered" and filtered:
        return UNDER_FILTER
    return REASONS.get(reason or "", reason or "-")


def one_line(text: str | None) -> str:
    """``text`` on one line: every whitespace run becomes one space, ends trimmed.

    The one flattening for what the listings show (``/querylog``, ``newsdesk logs``, the
    charts): a run holding ``\\n``, ``\\r``, ``\\u2028``, ``\\u2029``, ``\\x85``, tabs or any other
    Unicode whitespace counts, since a question asked on the CLI (or an outlet typed there)
    may hold line breaks, and a break would split a listing line (and in Discord start a
    heading or a quote on the next line). Not escaped: each caller escapes for where it prints.
    """
    return " ".join(text.split()) if text else ""


def _json(text: str | None, kind: type) -> Any:
    """A JSON column, or an empty ``kind`` when it is missing or not what it should be."""
    try:
        value = json.loads(text) if text else kind()
    except ValueError:
        return kind()
    return value if isinstance(value, kind) else kind()


def describe_filters(filters: dict[str, str]) -> str:
    """Logged filters for people on one line ("from DW, published since 2014-06-01"; "" for none),
    or their JSON when they are not valid filters (written by hand or by another version)."""
    if not filters:
        return ""
    try:
        text = Filters.from_json(filters).describe()
    except FilterError:
        text = json.dumps(filters, ensure_ascii=False)
    return one_line(text)  # an outlet typed on the CLI may hold a newline


@dataclass(frozen=True)
class LoggedQuery:
    """One logged question, as a moderator sees it."""

    id: int
    asked_at: str
    interface: str
    user_id: str | None
    guild_id: str | None
    channel_id: str | None
    question: str
    answered: bool
    result_count: int
    article_ids: list[str]
    filters: dict[str, str]
    top_score: float | None
    latency_ms: float | None
    thumbs_up: int
    thumbs_down: int
    # Refused before any search (a bad filter, too long): not answered, yet not unanswered.
    refused: bool = False
    # Why nothing was answered: a code of REASONS (None when answered, or in an older log).
    reason: str | None = None
    # Answered late (bot.desk.late): when, and by which article.
    late_at: str | None = None
    late_article: str | None = None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> LoggedQuery:
        return cls(
            id=row["id"],
            asked_at=row["asked_at"],
            interface=row["interface"],
            user_id=row["user_id"],
            guild_id=row["guild_id"],
            channel_id=row["channel_id"],
            question=row["question"],
            answered=bool(row["answered"]),
            result_count=row["result_count"] or 0,
            article_ids=_json(row["article_ids"], list),
            filters=_json(row.get("filters"), dict),
            top_score=row["top_score"],
            latency_ms=row["latency_ms"],
            thumbs_up=row["thumbs_up"],
            thumbs_down=row["thumbs_down"],
            refused=bool(row.get("refused")),
            reason=None if row.get("answered") else row.get("reason"),
            late_at=row.get("late_at"),
            late_article=row.get("late_article"),
        )

    def reason_text(self) -> str:
        """Why it got no answer, for people: "not covered", "none under its filter" ... ("" when
        answered); and when it was answered late, by which article."""
        why = reason_text(self.reason, bool(self.filters), self.answered)
        if self.late_at and not self.answered:
            why += f"; answered late {self.late_at[:10]} ({self.late_article})"
        return why

    def answered_text(self) -> str:
        """``yes``, ``no`` (searched, nothing found), ``late`` (answered later, when an article
        that answers it arrived) or ``refused`` (never searched)."""
        return "yes" if self.answered else "refused" if self.refused else "late" if self.late_at else "no"

    def to_json(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in EXPORT_COLUMNS}

    def filters_text(self) -> str:
        """The filters it was asked with, for people, on one line (``""`` when none).

        The one formatter the CLI tables and ``/querylog`` share: ``Filters.describe``
        (``from DW, published 2014-06-01 to 2014-12-31``), or the stored JSON when it is not
        valid filters (written by hand or by another version). Not escaped: each caller
        escapes for where it prints.
        """
        return describe_filters(self.filters)

    def to_row(self) -> dict[str, Any]:
        """The export's flat form (as ``iter_export_rows`` yields): JSON text, answered 0/1."""
        return {
            **self.to_json(),
            "answered": int(self.answered),
            "refused": int(self.refused),
            "article_ids": json.dumps(self.article_ids),
            "filters": json.dumps(self.filters) if self.filters else None,
        }


@dataclass(frozen=True)
class DayCount:
    day: str
    questions: int
    answered: int


@dataclass(frozen=True)
class DayVotes:
    """Votes on the answers to the questions asked on a UTC day."""

    day: str
    thumbs_up: int
    thumbs_down: int


@dataclass(frozen=True)
class TopQuestion:
    """Questions with the same key (see ``newsdesk_question_key``); ``question`` is the latest wording."""

    terms: tuple[str, ...]
    question: str
    count: int
    answered: int
    last_asked: str
    # Only when grouped by filters (top unanswered): the filters asked under ({} for none), the latest reason.
    filters: dict[str, str] = field(default_factory=dict)
    reason: str | None = None

    def filters_text(self) -> str:
        """The filters for people ("from DW"), "" when none."""
        return describe_filters(self.filters)

    def reason_text(self) -> str:
        return reason_text(self.reason, bool(self.filters), self.answered >= self.count)


@dataclass(frozen=True)
class Headline:
    """A period's figures at a glance (the dashboard's home page)."""

    questions: int
    answered: int
    people: int | None  # distinct askers; None when no question of the period stored who asked
    thumbs_up: int
    thumbs_down: int

    def items(self) -> list[tuple[str, str]]:
        """(figure, what it counts) for people: ("124", "questions"), ("78%", "answered") ..."""
        votes = self.thumbs_up + self.thumbs_down
        return [
            (str(self.questions), "questions"),
            (f"{self.answered / self.questions:.0%}" if self.questions else "-", "answered"),
            (f"{self.thumbs_up / votes:.0%}" if votes else "-", f"👍 of {votes} vote{'' if votes == 1 else 's'}"),
            ("not recorded" if self.people is None else str(self.people), "people asking"),
        ]


@dataclass(frozen=True)
class ChannelCount:
    guild_id: str | None
    channel_id: str
    questions: int
    guild_name: str | None = None  # as of the channel's latest question; None when not known
    channel_name: str | None = None

    def label(self) -> str:
        """``Newsroom › #ask-the-archive``: names where known, else ids."""
        server = f"{self.guild_name} \u203a " if self.guild_name else ""
        return f"{server}#{self.channel_name or self.channel_id}"


@dataclass(frozen=True)
class Stats:
    since: str | None
    until: str | None
    questions: int
    answered: int
    distinct_users: int | None  # None: the log did not record who asked
    thumbs_up: int
    thumbs_down: int
    refused: int = 0  # refused before any search: neither answered nor unanswered
    per_day: list[DayCount] = field(default_factory=list)
    top_questions: list[TopQuestion] = field(default_factory=list)
    busiest_channels: list[ChannelCount] = field(default_factory=list)

    @property
    def answered_share(self) -> float | None:
        return self.answered / self.questions if self.questions else None

    def users_text(self) -> str:
        """Distinct users for people: "not recorded" when the log does not say who asked."""
        return "not recorded" if self.distinct_users is None else str(self.distinct_users)

    def to_json(self) -> dict[str, Any]:
        return {
            "since": self.since,
            "until": self.until,
            "questions": self.questions,
            "answered": self.answered,
            "answered_share": self.answered_share,
            "refused": self.refused,
            "distinct_users": self.distinct_users,
            "thumbs_up": self.thumbs_up,
            "thumbs_down": self.thumbs_down,
            "per_day": [vars(d) for d in self.per_day],
            "top_questions": [
                {**{k: v for k, v in vars(t).items() if k not in ("filters", "reason")}, "terms": list(t.terms)}
                for t in self.top_questions
            ],
            "busiest_channels": [vars(c) for c in self.busiest_channels],
        }


@dataclass(frozen=True)
class Removed:
    """What a purge or forget deleted."""

    queries: int
    feedback: int
    # Deleted, but the old text is still in the write-ahead log: another reader held it.
    in_wal: bool = False
    watches: int = 0  # saved questions (/watch, newsdesk watch), with the articles each met

    @property
    def total(self) -> int:
        return self.queries + self.feedback + self.watches

    def counts(self) -> str:
        """``3 question(s) and 1 feedback row(s)`` (``, 2 watch(es)`` before the ``and`` when there are any)."""
        watches = f", {self.watches} watch(es)" if self.watches else ""
        return f"{self.queries} question(s){watches} and {self.feedback} feedback row(s)"

    def __int__(self) -> int:
        return self.total


# Spreadsheets run a cell starting with these as a formula; a question is user input.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: Any) -> Any:
    """``value`` made inert for spreadsheets: text that would start a formula gets a leading '."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def write_csv(rows: Iterable[dict[str, Any]], out: TextIO, columns: Sequence[str] = EXPORT_COLUMNS) -> int:
    """Write a header and ``rows`` as CSV to ``out`` as they come; returns the row count."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    count = 0
    for row in rows:
        writer.writerow([csv_safe(row.get(name)) for name in columns])
        count += 1
    return count
