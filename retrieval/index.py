"""BM25 over passages: rank_bm25's ``BM25Okapi`` formula, scored from postings.

The index keeps, per term, the positions of the passages that contain it and the term's
precomputed BM25 weight in each (numpy arrays, CSR layout). A query therefore touches only
the postings of its own terms instead of every passage, and gives the same scores as
``rank_bm25.BM25Okapi(corpus, k1, b).get_scores(query)`` (idf with its epsilon floor).
"""

from __future__ import annotations

import json
import logging
import math
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import numpy as np

from retrieval.analyzer import Analyzer, default_analyzer

log = logging.getLogger(__name__)

INDEX_FORMAT_VERSION = 1


class BM25Index:
    """An immutable BM25 index over a list of texts, addressed by position."""

    def __init__(
        self,
        *,
        analyzer: Analyzer,
        vocabulary: dict[str, int],
        idf: np.ndarray,
        indptr: np.ndarray,
        doc_ids: np.ndarray,
        weights: np.ndarray,
        doc_lengths: np.ndarray,
        k1: float,
        b: float,
        epsilon: float,
    ) -> None:
        self.analyzer = analyzer
        self.vocabulary = vocabulary
        self.idf = idf
        self.indptr = indptr
        self.doc_ids = doc_ids
        self.weights = weights
        self.doc_lengths = doc_lengths
        self.k1 = k1
        self.b = b
        self.epsilon = epsilon

    def __len__(self) -> int:
        return int(self.doc_lengths.shape[0])

    # -- building ---------------------------------------------------------------------

    @classmethod
    def build(
        cls,
        texts: Iterable[str],
        k1: float = 1.5,
        b: float = 0.75,
        epsilon: float = 0.25,
        analyzer: Analyzer | None = None,
    ) -> BM25Index:
        """Analyze ``texts`` with the project's analyzer and index them."""
        analyzer = analyzer or default_analyzer()
        return cls.from_tokens((analyzer(t) for t in texts), k1=k1, b=b, epsilon=epsilon, analyzer=analyzer)

    @classmethod
    def from_tokens(
        cls,
        documents: Iterable[Sequence[str]],
        k1: float = 1.5,
        b: float = 0.75,
        epsilon: float = 0.25,
        analyzer: Analyzer | None = None,
    ) -> BM25Index:
        """Index already-analyzed documents (lists of terms)."""
        vocabulary: dict[str, int] = {}
        term_ids: list[int] = []
        doc_of_entry: list[int] = []
        tf_of_entry: list[int] = []
        lengths: list[int] = []
        for position, terms in enumerate(documents):
            lengths.append(len(terms))
            for term, tf in Counter(terms).items():
                term_id = vocabulary.setdefault(term, len(vocabulary))
                term_ids.append(term_id)
                doc_of_entry.append(position)
                tf_of_entry.append(tf)

        n_docs = len(lengths)
        doc_lengths = np.asarray(lengths, dtype=np.float64)
        tids = np.asarray(term_ids, dtype=np.int64)
        # Group postings by term (stable, so passages stay in position order per term).
        order = np.argsort(tids, kind="stable")
        doc_ids = np.asarray(doc_of_entry, dtype=np.int32)[order]
        tfs = np.asarray(tf_of_entry, dtype=np.float64)[order]
        df = np.bincount(tids, minlength=len(vocabulary)).astype(np.int64)
        indptr = np.zeros(len(vocabulary) + 1, dtype=np.int64)
        np.cumsum(df, out=indptr[1:])

        idf = _okapi_idf(df, n_docs, epsilon)
        avgdl = float(doc_lengths.sum()) / n_docs if n_docs else 0.0
        if avgdl > 0:
            norm = k1 * (1 - b + b * doc_lengths / avgdl)
        else:  # every document empty: no term can match anyway
            norm = np.full(n_docs, k1, dtype=np.float64)
        # Each posting's contribution, as rank_bm25 computes it, summed per query term.
        term_of_posting = np.repeat(np.arange(len(vocabulary)), df)
        weights = idf[term_of_posting] * (tfs * (k1 + 1) / (tfs + norm[doc_ids]))
        log.debug("indexed %d texts, %d terms, %d postings", n_docs, len(vocabulary), len(doc_ids))
        return cls(
            analyzer=analyzer or default_analyzer(),
            vocabulary=vocabulary,
            idf=idf,
            indptr=indptr,
            doc_ids=doc_ids,
            weights=weights,
            doc_lengths=doc_lengths,
            k1=k1,
            b=b,
            epsilon=epsilon,
        )

    # -- querying ---------------------------------------------------------------------

    def term_idf(self, term: str) -> float | None:
        """The BM25 idf of an indexed term, or None when no passage contains it."""
        term_id = self.vocabulary.get(term)
        return None if term_id is None else float(self.idf[term_id])

    def document_frequency(self, term: str) -> int:
        term_id = self.vocabulary.get(term)
        return 0 if term_id is None else int(self.indptr[term_id + 1] - self.indptr[term_id])

    def scores_for_terms(self, terms: Sequence[str]) -> np.ndarray:
        """BM25 score of every indexed text for already-analyzed query terms."""
        scores = np.zeros(len(self), dtype=np.float64)
        for term, count in Counter(terms).items():
            term_id = self.vocabulary.get(term)
            if term_id is None:
                continue
            lo, hi = self.indptr[term_id], self.indptr[term_id + 1]
            # Postings of one term hold each passage once, so fancy-index += is exact.
            if count == 1:
                scores[self.doc_ids[lo:hi]] += self.weights[lo:hi]
            else:
                scores[self.doc_ids[lo:hi]] += count * self.weights[lo:hi]
        return scores

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every indexed text for ``query`` (equal to rank_bm25's get_scores)."""
        return self.scores_for_terms(self.analyzer(query))

    def search(self, query: str, k: int = 10, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        """The ``k`` best (position, score) pairs, best first, ties broken by position."""
        return self.search_terms(self.analyzer(query), k, allowed)

    def search_terms(
        self, terms: Sequence[str], k: int = 10, allowed: np.ndarray | None = None
    ) -> list[tuple[int, float]]:
        scores = self.scores_for_terms(terms)
        if allowed is not None:
            scores = np.where(allowed, scores, -np.inf)
        return top_k(scores, k)

    # -- persistence ------------------------------------------------------------------

    def save(self, path: Path | str, extra: dict[str, object] | None = None) -> None:
        """Write the index to one ``.npz`` file (``extra`` is stored as JSON beside it)."""
        terms = sorted(self.vocabulary, key=self.vocabulary.__getitem__)
        meta = {
            "format": INDEX_FORMAT_VERSION,
            "k1": self.k1,
            "b": self.b,
            "epsilon": self.epsilon,
            "analyzer": self.analyzer.settings,
            "extra": extra or {},
        }
        path = Path(path)
        tmp = path.with_name(path.name + ".tmp")
        with tmp.open("wb") as handle:
            np.savez(
                handle,
                meta=np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8),
                terms=np.frombuffer("\n".join(terms).encode(), dtype=np.uint8),
                idf=self.idf,
                indptr=self.indptr,
                doc_ids=self.doc_ids,
                weights=self.weights,
                doc_lengths=self.doc_lengths,
            )
        tmp.replace(path)  # atomic: a reader never sees a half-written index

    @classmethod
    def load(cls, path: Path | str, analyzer_factory: Callable[..., Analyzer] = Analyzer) -> tuple[BM25Index, dict]:
        """Read an index written by :meth:`save`; returns the index and its ``extra``."""
        with np.load(Path(path), allow_pickle=False) as data:
            meta = json.loads(data["meta"].tobytes().decode())
            if meta.get("format") != INDEX_FORMAT_VERSION:
                raise ValueError(f"{path}: index format {meta.get('format')} is not {INDEX_FORMAT_VERSION}")
            raw_terms = data["terms"].tobytes().decode()
            terms = raw_terms.split("\n") if raw_terms else []
            settings = meta["analyzer"]
            analyzer = analyzer_factory(
                language=settings["language"],
                stopwords=frozenset(settings["stopwords"]),
                keep_acronyms=settings["keep_acronyms"],
            )
            index = cls(
                analyzer=analyzer,
                vocabulary={term: i for i, term in enumerate(terms)},
                idf=data["idf"],
                indptr=data["indptr"],
                doc_ids=data["doc_ids"],
                weights=data["weights"],
                doc_lengths=data["doc_lengths"],
                k1=meta["k1"],
                b=meta["b"],
                epsilon=meta["epsilon"],
            )
        return index, meta["extra"]


def _okapi_idf(df: np.ndarray, n_docs: int, epsilon: float) -> np.ndarray:
    """rank_bm25's idf: log((N - n + .5) / (n + .5)), negatives floored to eps * mean idf."""
    if df.size == 0:
        return np.zeros(0, dtype=np.float64)
    # math.log per term reproduces rank_bm25's float results bit for bit.
    idf = np.fromiter(
        (math.log(n_docs - n + 0.5) - math.log(n + 0.5) for n in df.tolist()), dtype=np.float64, count=df.size
    )
    average = float(sum(idf.tolist())) / df.size
    idf[idf < 0] = epsilon * average
    return idf


def top_k(scores: np.ndarray, k: int) -> list[tuple[int, float]]:
    """Positions of the ``k`` highest finite scores, best first, ties by lower position."""
    if k <= 0 or scores.size == 0:
        return []
    finite = np.isfinite(scores)
    candidates = np.flatnonzero(finite)
    if candidates.size == 0:
        return []
    values = scores[candidates]
    if candidates.size > k:
        # The k-th best value; everything better is in, ties at it go to the lowest positions
        # (candidates are in position order, so the first ones win).
        kth = np.partition(values, candidates.size - k)[candidates.size - k]
        better = values > kth
        ties = np.flatnonzero(values == kth)[: k - int(better.sum())]
        keep = np.flatnonzero(better)
        keep = np.concatenate((keep, ties))
        candidates, values = candidates[keep], values[keep]
    order = np.lexsort((candidates, -values))[:k]
    return [(int(candidates[i]), float(values[i])) for i in order]
