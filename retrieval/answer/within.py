"""Answering from some articles only: the answer decision of ``/ask`` over the passages of
the articles that just arrived (a watch, a late answer).

:func:`within` narrows a question's :class:`~retrieval.answer.filters.Filters` to the
passages of some articles; :func:`ask_within` asks with it. Everything else is the answer's
rules unchanged (:mod:`retrieval.answer.answerer`: candidates, re-ranking, the calibrated
decision, excerpts), read over those passages alone: BM25's statistics stay the archive's, and
the decision's margin is the margin among those passages.

Guarantees: an answer from :func:`ask_within` cites only those articles; an article the archive
does not hold (removed meanwhile) adds no passage; with none left, the question is refused as a
question under a filter that leaves nothing is ("Nothing ... matches"). The user's filters still
apply, and are what the answer shows and logs (:meth:`Within.to_json`, :meth:`Within.describe`).
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

import numpy as np

from retrieval.answer.answerer import DEFAULT_RESULTS, ask
from retrieval.answer.filters import Filters
from retrieval.answer.kinds import Answer
from retrieval.archive import Archive
from retrieval.index.changes import passage_positions

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Within(Filters):
    """The user's filters, and the passages a question may search besides (a boolean array
    over the archive's passages). Shown and saved as the user's filters alone."""

    passages: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool), compare=False, repr=False)

    def __bool__(self) -> bool:
        return True  # always narrows: to no passage at all when the articles are gone

    def describe(self) -> str:
        return Filters(self.outlet, self.since, self.until).describe() or "in the articles asked of"

    def mask(self, outlet_codes: np.ndarray, outlet_names: Sequence[str], published: np.ndarray) -> np.ndarray | None:
        mine = Filters(self.outlet, self.since, self.until).mask(outlet_codes, outlet_names, published)
        return self.passages if mine is None else self.passages & mine


def within(archive: Archive, article_ids: Collection[str], filters: Filters | None = None) -> Within:
    """``filters`` (none: every outlet and date) narrowed to the passages of ``article_ids``."""
    allowed = np.zeros(archive.passage_count, dtype=bool)
    allowed[passage_positions(archive, article_ids)] = True
    user = filters or Filters()
    return Within(user.outlet, user.since, user.until, passages=allowed)


def ask_within(
    archive: Archive,
    question: str,
    article_ids: Collection[str],
    *,
    filters: Filters | None = None,
    limit: int = DEFAULT_RESULTS,
) -> Answer:
    """Answer ``question`` from the passages of ``article_ids`` alone, as ``ask`` would decide
    (see the module's guarantees). Raises as :func:`~retrieval.answer.answerer.ask` raises."""
    narrowed = within(archive, article_ids, filters)
    answer = ask(archive, question, limit, filters=narrowed)
    log.debug("asked within %d article(s): %s", len(article_ids), "answered" if answer.answered else "refused")
    return answer
