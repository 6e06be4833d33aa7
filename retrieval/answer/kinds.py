"""What an answer is: the excerpts shown and the :class:`Answer` that holds them.

:mod:`retrieval.answer.answerer` makes them; the bot (``bot/reply.py``, ``bot/desk/``) shows and logs
them. Guarantees: both are frozen (an answer never changes once made); ``to_json`` gives
plain JSON types only (dates as ISO strings, scores rounded to 6 places), as the command
line's ``--json`` prints them. Nothing here ranks, reads the archive or writes anything.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from retrieval.answer.answerability import Evidence
from retrieval.answer.filters import Filters
from retrieval.answer.query import Query


@dataclass(frozen=True)
class Excerpt:
    article_id: str
    passage_id: str
    title: str
    source: str
    published: dt.date | None
    url: str | None
    excerpt: str
    score: float
    matched_terms: tuple[str, ...]
    # Character spans of matched words inside ``excerpt``, for highlighting.
    highlights: tuple[tuple[int, int], ...] = ()

    def to_json(self) -> dict[str, object]:
        return {
            "article_id": self.article_id,
            "title": self.title,
            "source": self.source,
            "published": self.published.isoformat() if self.published else None,
            "url": self.url or None,
            "excerpt": self.excerpt,
            "score": round(self.score, 6),
            "matched_terms": list(self.matched_terms),
        }


@dataclass(frozen=True)
class Answer:
    question: str
    answered: bool
    results: tuple[Excerpt, ...]
    passages_searched: int
    # Why nothing was answered, in words for the user ("" when answered).
    reason: str = ""
    # Excerpts beyond the requested ones, ready for a "More" button.
    more: tuple[Excerpt, ...] = field(default=(), repr=False)
    # Why nothing was answered, for the log: "no_terms", "not_english", "not_covered" ("" when answered).
    reason_code: str = ""
    # What the answer decision saw (None when it was not reached).
    evidence: Evidence | None = field(default=None, repr=False)
    # What the question searched for (acronyms, spelling, names: retrieval.answer.query).
    query: Query | None = field(default=None, repr=False)
    # The filters it was asked under (None: the whole archive); passages_searched counts what they left.
    filters: Filters | None = None

    @property
    def searched_for(self) -> tuple[str, ...]:
        """The words searched ("minister", "baghdad"), spelling corrected; () if none."""
        return self.query.searched_for if self.query else ()

    @property
    def top_score(self) -> float | None:
        return self.results[0].score if self.results else None

    def to_json(self) -> dict[str, object]:
        return {
            "question": self.question,
            "answered": self.answered,
            "results": [r.to_json() for r in self.results],
            "searched_for": list(self.searched_for),
        }
