"""Timelines through the desk: the best excerpt of each article on a question, oldest first
(:mod:`retrieval.answer.timeline`), refused and logged as a question asked with ``ask`` is."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Unpack

from bot.desk.base import Asker, DeskBase
from retrieval.answer.filters import Filters
from retrieval.answer.timeline import TIMELINE_LIMIT, Timeline, timeline

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Charted:
    """A timeline (:meth:`TimelineDesk.timeline`) and where it was logged, as :class:`~bot.desk.questions.Asked` for an answer."""

    timeline: Timeline
    query_id: int | None
    log_error: str | None = None


class TimelineDesk(DeskBase):
    def timeline(
        self,
        question: str,
        *,
        limit: int = TIMELINE_LIMIT,
        filters: Filters | None = None,
        **who: Unpack[Asker],
    ) -> Charted:
        """The timeline of ``question`` (:mod:`retrieval.answer.timeline`), logged as a question is.

        Refused and raised as :meth:`ask` refuses and raises; the log row holds the listed
        articles in date order (an unanswered one, the reason), like an answer's.
        """
        started = time.perf_counter()
        archive, question = self._searchable(question, filters)
        found = timeline(archive, question, filters=filters, limit=limit)
        query_id, problem = self._log_search(
            found.question, found.entries, answered=found.answered, reason=found.answer.reason_code, started=started,
            filters=filters, **who,
        )
        return Charted(found, query_id, None if problem is None else str(problem))
