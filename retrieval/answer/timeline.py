"""Question -> timeline: the best excerpt of each article on the question, oldest first.

A timeline shows how a story developed ("what did Iran offer Iraq" -> January 2014 ...
July 2015). Its rules are the answer's (:mod:`retrieval.answer.answerer`), applied per article:

- Refusal: a question :func:`~retrieval.answer.answerer.ask` refuses (not English, no
  searchable words, nothing in the archive on it) is refused the same way, with the same
  reason; the timeline holds that :class:`Answer`.
- Relevance: an article is listed when its best passage is one the answer decision would
  show were it the best (:meth:`Answerer.articles <retrieval.answer.answerer.Answerer.articles>`:
  the same candidates, re-ranking, excerpts and near-copy rule); the article of the answer's
  first excerpt always is. ``filters`` narrow both, as they narrow an answer.
- Order: by publication date, oldest first (undated articles last), then the more relevant.
- Size: at most ``limit`` articles, the most relevant ones, then put in date order;
  :attr:`Timeline.left_out` says how many more the archive holds, for the caller to say so.

Guarantees: the same archive, question and filters always give the same timeline; one entry
per article; nothing here writes anything.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from retrieval.answer.answerer import ARTICLES_DEPTH, Question, answerer_for, validate_question
from retrieval.answer.filters import Filters
from retrieval.answer.kinds import Answer, Excerpt

if TYPE_CHECKING:
    from retrieval.archive import Archive

log = logging.getLogger(__name__)

# The most articles a timeline lists (the most relevant, then put in date order).
TIMELINE_LIMIT = 50


@dataclass(frozen=True)
class Timeline:
    """The answer's decision (:attr:`answer`: its question, refusal reason, what was searched)
    and, when it answers, one excerpt per article, oldest first."""

    answer: Answer
    entries: tuple[Excerpt, ...] = ()
    # Articles the rules admit beyond ``limit`` (the least relevant ones, not listed).
    left_out: int = 0

    @property
    def question(self) -> str:
        return self.answer.question

    @property
    def answered(self) -> bool:
        return self.answer.answered

    def to_json(self) -> dict[str, object]:
        """The answer's JSON, with ``results`` the entries in date order and ``left_out``."""
        return {**self.answer.to_json(), "results": [e.to_json() for e in self.entries], "left_out": self.left_out}


def date_order(excerpt: Excerpt) -> tuple[bool, dt.date, float, str]:
    """Oldest first, undated last; on one day the more relevant first, then by article id."""
    return (excerpt.published is None, excerpt.published or dt.date.min, -excerpt.score, excerpt.article_id)


def timeline(
    archive: Archive,
    question: str,
    *,
    filters: Filters | None = None,
    limit: int = TIMELINE_LIMIT,
    depth: int = ARTICLES_DEPTH,
) -> Timeline:
    """The timeline of ``question`` in ``archive``: the best excerpt of each article on it
    (at most ``limit``, the most relevant), oldest first, among the best ``depth`` passages.

    Raises :class:`~retrieval.answer.answerer.QuestionError` for an empty, over-long or not
    UTF-8 question (a :class:`Question` is not checked again), ValueError for ``limit`` under 1.
    """
    if limit < 1:
        raise ValueError(f"a timeline lists at least 1 article (got limit={limit})")
    checked = question if isinstance(question, Question) else validate_question(question)
    answerer = answerer_for(archive)
    answer = answerer.ask(checked, filters=filters)
    if not answer.answered:
        return Timeline(answer)
    hits = [hit.excerpt for hit in answerer.articles(checked, depth, filters=filters) if hit.answers]
    # The answer's first excerpt is shown: its article belongs in the timeline, whatever the depth.
    first = answer.results[0]
    if all(e.article_id != first.article_id for e in hits):
        hits.insert(0, first)
    listed = hits[:limit]
    log.debug("timeline of %d article(s), %d left out", len(listed), len(hits) - len(listed))
    return Timeline(answer, tuple(sorted(listed, key=date_order)), len(hits) - len(listed))


def candidate_articles(
    archive: Archive, question: str, *, filters: Filters | None = None, depth: int = ARTICLES_DEPTH
) -> list[str]:
    """Every article among the best ``depth`` passages for ``question``, whether or not the
    answer decision would show it (most relevant first): what is on the archive about it now.
    A watch that begins now has met these; only others can be news to it."""
    return [hit.excerpt.article_id for hit in answerer_for(archive).articles(question, depth, filters=filters)]
