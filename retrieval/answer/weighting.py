"""How much each word of a question weighs, for the answer decision and the excerpts.

A term's weight is its always-positive idf (the BM25+ / Lucene form: rank_bm25's epsilon floor
can turn common terms negative in a small archive); a word the archive does not know weighs
what a typical term does, less for an everyday English word; a year, month or outlet the
question names weighs what a term held by the passages published then or there would
(:mod:`retrieval.answer.metadata`).

Guarantees: the same archive and question give the same weights; nothing here writes anything.
A TermWeights holds its archive weakly, as the Answerer that makes it does.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from retrieval.answer.answerability import informativeness
from retrieval.answer.rules import ArchiveRules
from retrieval.answer.metadata import MetadataTerms
from retrieval.answer.query import Query

if TYPE_CHECKING:
    from retrieval.archive import Archive


class TermWeights(ArchiveRules):
    """The term weights over one archive."""

    def __init__(self, archive: Archive) -> None:
        super().__init__(archive)
        df = archive.index.document_frequencies()
        n = archive.passage_count
        self._weight_scale = n
        self._typical_weight = float(np.mean(np.log1p((n - df + 0.5) / (df + 0.5)))) if df.size else 1.0
        self._metadata: MetadataTerms | None = None


    def by_metadata(self, query: Query, weights: dict[str, float], known: set[str]) -> dict[str, np.ndarray]:
        """The question's years, months and outlets that some passage meets by its article's
        date or outlet (:mod:`retrieval.answer.metadata`), each with those passages. ``weights`` and
        ``known`` are updated in place: such a term is known, and weighs what a term held by
        those passages (and the ones whose text has it) would."""
        if self._metadata is None:  # made when first needed (two threads may both: the same values)
            archive = self.archive
            self._metadata = MetadataTerms(archive.published, archive.outlet_codes, archive.outlet_names, self.analyzer)
        found = {t: when for t, when in self._metadata.passages(query.term_words, query.question).items() if t in weights}
        n = self._weight_scale
        for term, when in found.items():
            df = min(n, int(np.count_nonzero(when)) + self.archive.index.document_frequency(term))
            weights[term] = math.log1p((n - df + 0.5) / (df + 0.5))
            known.add(term)
        return found

    @staticmethod
    def informative(query: Query) -> dict[str, float]:
        """Each question term with how informative its word is in English (a name: 1)."""
        found: dict[str, float] = {}
        for term, word in query.term_words:
            found[term] = max(found.get(term, 0.0), informativeness(word))
        return found

    def term_weight(self, term: str, word: str | None = None) -> float:
        """How much a question term matters: its (positive) idf; if it is unknown, a typical
        term's weight times how informative its ``word`` is in English."""
        df = self.archive.index.document_frequency(term)
        if df == 0:
            # Unknown to the archive: weigh it like a typical term, so a question about
            # something absent is not answered on its common words alone; an everyday
            # English word ("speak", "react", "jan") weighs less than a rare name, so one
            # stray word does not sink an otherwise answerable question.
            return self._typical_weight * (informativeness(word) if word else 1.0)
        n = self._weight_scale
        return math.log1p((n - df + 0.5) / (df + 0.5))
