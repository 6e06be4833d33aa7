"""The passages of articles that just arrived, indexed on their own: which questions they may answer.

When articles arrive, every waiting question (a late answer, a watch) could be asked again of
them; most share no word that matters with them. :class:`NewPassages` indexes the new passages
alone (term → the new passages holding it, from the term ids the archive already computed for
every sentence, so nothing is analysed again) and tells, for a question's analysed terms, the
largest share of the question's weight that one new passage holds (:meth:`NewPassages.best_share`):
the ``coverage`` feature of the answer decision (:mod:`retrieval.answer.answerability`), with
each term weighed by its idf over the whole archive. A question far below the share an answer
needs is not asked at all; the others are asked with the answer decision itself.

Guarantees: built in time proportional to the new passages' terms; :meth:`best_share` costs
one dictionary look-up per question term plus a sum over the passages holding it; nothing here
changes the archive, and the object is safe to share between threads once made.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Collection, Sequence

import numpy as np

from retrieval.archive import Archive
from retrieval.index.changes import passage_positions

log = logging.getLogger(__name__)


class NewPassages:
    """The passages of ``article_ids`` in ``archive``, indexed by term (see the module's guarantees)."""

    def __init__(self, archive: Archive, article_ids: Collection[str]) -> None:
        self.positions = passage_positions(archive, article_ids)
        terms = archive.sentence_terms
        self._vocabulary = terms.vocabulary
        firsts = archive.passage_first_sentence
        total_sentences = len(archive.all_sentences)
        owners: list[np.ndarray] = []
        ids: list[np.ndarray] = []
        for k, position in enumerate(self.positions.tolist()):
            lo = int(firsts[position])
            hi = int(firsts[position + 1]) if position + 1 < firsts.size else total_sentences
            held = np.unique(terms.ids[terms.indptr[lo] : terms.indptr[hi]])
            ids.append(held)
            owners.append(np.full(held.size, k, dtype=np.int32))
        every_id = np.concatenate(ids) if ids else np.zeros(0, dtype=np.int64)
        every_owner = np.concatenate(owners) if owners else np.zeros(0, dtype=np.int32)
        order = np.argsort(every_id, kind="stable")
        every_id, every_owner = every_id[order], every_owner[order]
        cuts = np.flatnonzero(np.diff(every_id)) + 1
        starts = np.concatenate(([0], cuts)) if every_id.size else np.zeros(0, dtype=np.int64)
        self._postings: dict[int, np.ndarray] = {
            int(every_id[s]): group for s, group in zip(starts.tolist(), np.split(every_owner, cuts))
        }
        self._index = archive.index
        self._passages = max(archive.passage_count, 1)
        self._weights: dict[str, float] = {}
        # A term the archive does not hold weighs as the rarest term does: a question's unknown
        # words keep its share low, as they keep its answer decision low.
        self._rarest = math.log1p((self._passages + 0.5) / 1.5)

    def __len__(self) -> int:
        return int(self.positions.size)

    def terms(self) -> set[str]:
        """Every term some new passage holds."""
        names = {i: t for t, i in self._vocabulary.items() if i in self._postings}
        return set(names.values())

    def _weight(self, term: str) -> float:
        weight = self._weights.get(term)
        if weight is None:
            df = self._index.document_frequency(term)
            n = self._passages
            weight = math.log1p((n - df + 0.5) / (df + 0.5)) if df else self._rarest
            self._weights[term] = weight
        return weight

    def best_share(self, terms: Sequence[str]) -> float:
        """The largest share of the weight of ``terms`` (a question's analysed terms) that one
        new passage holds, in [0, 1]; 0 when none holds any of them."""
        if not self._postings or not terms:
            return 0.0
        unique = tuple(dict.fromkeys(terms))
        total = 0.0
        held: list[tuple[np.ndarray, float]] = []
        for term in unique:
            weight = self._weight(term)
            total += weight
            term_id = self._vocabulary.get(term)
            owners = self._postings.get(term_id) if term_id is not None else None
            if owners is not None:
                held.append((owners, weight))
        if not held or total <= 0:
            return 0.0
        if len(held) == 1:
            return held[0][1] / total
        sums = np.zeros(len(self), dtype=np.float64)
        for owners, weight in held:
            sums[owners] += weight
        return float(sums.max()) / total
