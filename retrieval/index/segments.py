"""A BM25 index that grows by segments: a base index, small delta indexes, removed passages.

Adding an article to a large archive should not re-index the archive. A
:class:`SegmentedIndex` scores the base index (as built and saved) together with delta
indexes built over the new passages, and leaves out removed passages (a mask), with the
BM25 statistics of the whole live archive: the passage count N, each term's document
frequency and the average passage length are global, never per segment.

Guarantees:

- Positions: the base's passages first, then each delta's, in order; a removed passage
  keeps its position but is never returned (not even with a zero score) and counts
  nowhere (N, document frequencies, average length).
- Scores equal those of one index built over the live passages in position order, which
  are rank_bm25's: each posting keeps its term frequency and is weighed again with the
  global statistics by the same operations (:mod:`retrieval.index.postings`), and summed in query
  order (:mod:`retrieval.index.ranking`). Bit for bit when nothing was removed; with removed
  passages, the epsilon floor of very common terms (a mean idf rank_bm25 sums in the order
  terms first occur) may differ in its last bit.
- Only the query's terms are weighed again, per question; the whole vocabulary's document
  frequencies are counted once, when the segmented index is made (milliseconds at 100,000
  passages), and each idf when first asked for (all at once only when some term is in more
  than half the passages, as rank_bm25's floor then needs their mean). The object's
  answers never change after it is made (safe to share; the idf memo only fills).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np

from retrieval.index.bm25 import BM25Index
from retrieval.index.postings import okapi_idf, okapi_norm, okapi_weights
from retrieval.index.ranking import TermPostings, top_from_postings

log = logging.getLogger(__name__)


class SegmentedIndex:
    """Base and delta :class:`~retrieval.index.bm25.BM25Index` segments, scored as one index."""

    def __init__(self, segments: Sequence[BM25Index], removed: np.ndarray | None = None) -> None:
        if not segments:
            raise ValueError("a segmented index needs at least its base segment")
        base = segments[0]
        self.segments = tuple(segments)
        self.analyzer = base.analyzer
        self.k1, self.b, self.epsilon = base.k1, base.b, base.epsilon
        lengths = [len(s) for s in self.segments]
        self.offsets = np.concatenate(([0], np.cumsum(lengths)))[:-1].astype(np.int64)
        total = int(sum(lengths))
        self.removed = np.zeros(total, dtype=bool) if removed is None else np.asarray(removed, dtype=bool)
        if self.removed.shape != (total,):
            raise ValueError(f"the removed mask covers {self.removed.shape[0]} passages, not {total}")
        self.live = ~self.removed
        self._any_removed = bool(self.removed.any())
        self.vocabulary = self._merged_vocabulary()
        self.df = self._document_frequencies()
        self.doc_lengths = np.concatenate([s.doc_lengths for s in self.segments])
        n_live = int(self.live.sum())
        length_sum = float(self.doc_lengths[self.live].sum()) if self._any_removed else None
        self._norm = okapi_norm(self.doc_lengths, self.k1, self.b, length_sum, n_live)
        self._n_live = n_live
        # rank_bm25 floors negative idfs (terms in more than half the passages) at a share
        # of the mean idf over all terms; without such a term no mean is needed, and each
        # idf is computed when a question first asks for it.
        self._floored: np.ndarray | None = None
        self._idfs: dict[int, float] = {}
        if (self.df > n_live / 2).any():
            present = self.df > 0
            self._floored = np.zeros(self.df.size, dtype=np.float64)
            self._floored[present] = okapi_idf(self.df[present], n_live, self.epsilon)

    def _merged_vocabulary(self) -> dict[str, int]:
        """The base's terms with their ids, then each delta's new terms in its order.

        Deltas number their terms in order of first occurrence, so the merged order is the
        order a build over all passages would meet them in (rank_bm25's, for the idf floor).
        """
        vocabulary = dict(self.segments[0].vocabulary)
        for segment in self.segments[1:]:
            for term in sorted(segment.vocabulary, key=segment.vocabulary.__getitem__):
                vocabulary.setdefault(term, len(vocabulary))
        return vocabulary

    def _document_frequencies(self) -> np.ndarray:
        """Live passages holding each term of the merged vocabulary."""
        df = np.zeros(len(self.vocabulary), dtype=np.int64)
        for segment, offset in zip(self.segments, self.offsets.tolist()):
            counts = np.diff(segment.indptr).astype(np.int64)
            removed = self.removed[offset : offset + len(segment)]
            if removed.any():  # postings of removed passages, counted per term by a running sum
                running = np.concatenate(([0], np.cumsum(removed[segment.doc_ids], dtype=np.int64)))
                counts -= running[segment.indptr[1:]] - running[segment.indptr[:-1]]
            if segment is self.segments[0]:
                df[: counts.size] += counts
            else:
                get = self.vocabulary.__getitem__
                ids = np.fromiter(
                    (get(t) for t in sorted(segment.vocabulary, key=segment.vocabulary.__getitem__)),
                    dtype=np.int64,
                    count=len(segment.vocabulary),
                )
                df[ids] += counts
        return df

    def __len__(self) -> int:
        return int(self.removed.shape[0])

    # -- the Scorer protocol ------------------------------------------------------------

    def document_frequency(self, term: str) -> int:
        term_id = self.vocabulary.get(term)
        return 0 if term_id is None else int(self.df[term_id])

    def document_frequencies(self) -> np.ndarray:
        """The document frequency of every term some live passage holds (vocabulary order)."""
        return self.df[self.df > 0]

    def term_idf(self, term: str) -> float | None:
        term_id = self.vocabulary.get(term)
        return None if term_id is None or not self.df[term_id] else self._idf(term_id)

    def _idf(self, term_id: int) -> float:
        """The idf of a live term, as :func:`~retrieval.index.postings.okapi_idf` gives it."""
        if self._floored is not None:
            return float(self._floored[term_id])
        idf = self._idfs.get(term_id)
        if idf is None:  # the same operation okapi_idf does, so the same bits
            idf = self._idfs[term_id] = float(okapi_idf(self.df[term_id : term_id + 1], self._n_live, self.epsilon)[0])
        return idf

    def search_terms(
        self, terms: Sequence[str], k: int = 10, allowed: np.ndarray | None = None
    ) -> list[tuple[int, float]]:
        """The ``k`` best live (position, score) pairs; ``allowed`` masks passages out."""
        if self._any_removed:
            allowed = self.live if allowed is None else allowed & self.live
        return top_from_postings(self.term_postings(terms), len(self), k, allowed)

    def search(self, query: str, k: int = 10, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        return self.search_terms(self.analyzer(query), k, allowed)

    def scores_for_terms(self, terms: Sequence[str]) -> np.ndarray:
        """Score of every position (removed ones 0.0) for analysed query terms."""
        scores = np.zeros(len(self), dtype=np.float64)
        for _, positions, weights in self.term_postings(terms):
            scores[positions] += weights
        return scores

    def term_postings(self, terms: Sequence[str]) -> list[TermPostings]:
        """(term id, live positions, weights) of each known query term, in query order."""
        found: dict[int, TermPostings] = {}
        lists: list[TermPostings] = []
        for term in terms:
            term_id = self.vocabulary.get(term)
            if term_id is None or not self.df[term_id]:
                continue
            if term_id not in found:
                found[term_id] = (term_id, *self._weighed(term, term_id))
            lists.append(found[term_id])
        return lists

    def _weighed(self, term: str, term_id: int) -> tuple[np.ndarray, np.ndarray]:
        """The live positions holding ``term`` and its weight in each, with global statistics."""
        positions: list[np.ndarray] = []
        tfs: list[np.ndarray] = []
        for segment, offset in zip(self.segments, self.offsets.tolist()):
            local = segment.vocabulary.get(term)
            if local is None:
                continue
            lo, hi = segment.indptr[local], segment.indptr[local + 1]
            positions.append(segment.doc_ids[lo:hi].astype(np.int64) + offset)
            tfs.append(segment.tfs[lo:hi])
        at = np.concatenate(positions)
        counts = np.concatenate(tfs)
        if self._any_removed:
            keep = self.live[at]
            at, counts = at[keep], counts[keep]
        return at, okapi_weights(counts, self._norm[at], self._idf(term_id), self.k1)
