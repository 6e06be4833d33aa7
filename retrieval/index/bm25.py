"""BM25 over passages: rank_bm25's ``BM25Okapi`` formula, scored from postings.

The index keeps, per term, the positions of the passages that contain it and the term's
precomputed BM25 weight in each (numpy arrays, CSR layout). A query therefore touches only
the postings of its own terms instead of every passage, and gives the same scores as
``rank_bm25.BM25Okapi(corpus, k1, b).get_scores(query)`` (idf with its epsilon floor).

Exactness: a passage's score is summed in the order of the query's terms, repeats included,
starting from 0.0 -- the order rank_bm25 adds them in -- so scores are equal to rank_bm25's
bit for bit and ties break the same way (lower position first).

Speed: a search sums the postings of the query's terms (:mod:`retrieval.index.ranking`, shared
with the segmented index of :mod:`retrieval.index.segments`). Each posting also keeps its term
frequency, so a segmented index can weigh it again with global statistics. Building analyses each distinct word once (see
:class:`~retrieval.text.analyzer.FastAnalysis`) and
groups postings with one numpy sort.
"""

from __future__ import annotations

import json
import logging
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path

import numpy as np

from retrieval.text.aliases import from_settings as aliases_from_settings
from retrieval.text.analyzer import Analyzer, FastAnalysis, default_analyzer
from retrieval.store.arrays import array_text, packed_term_ids, read_npz, save_npz, text_array
from retrieval.index.postings import okapi_postings
from retrieval.index.ranking import TermPostings, top_from_postings

log = logging.getLogger(__name__)

INDEX_FORMAT_VERSION = 2

# Analyzed texts are checked against the analyzer's own output on this many first texts.
_FAST_PATH_CHECKS = 64
_PROGRESS_EVERY = 2000


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
        tfs: np.ndarray,
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
        self.tfs = tfs  # per posting: what a segmented index re-weighs with global statistics
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
        progress: Callable[[int, int], None] | None = None,
    ) -> BM25Index:
        """Analyze ``texts`` with the project's analyzer and index them.

        ``progress(done, total)`` is called every few thousand texts while analysing.
        """
        analyzer = analyzer or default_analyzer()
        texts = texts if isinstance(texts, Sequence) else list(texts)
        analyzed = FastAnalysis(analyzer)
        # A subclass may analyze differently, so only the analyzer itself knows how; and
        # the memo is checked against the analyzer's own output on the first texts.
        if type(analyzer) is not Analyzer or not analyzed.agrees(texts[:_FAST_PATH_CHECKS]):
            if type(analyzer) is Analyzer:
                log.warning("fast analysis disagrees with the analyzer; indexing with the analyzer itself")
            documents = (analyzer(t) for t in _reporting(texts, progress))
            return cls.from_tokens(documents, k1=k1, b=b, epsilon=epsilon, analyzer=analyzer)
        term_ids, lengths = analyzed.term_ids(_reporting(texts, progress))
        return cls._from_term_ids(term_ids, lengths, analyzed.vocabulary, k1, b, epsilon, analyzer)

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
        ids = array("i")
        lengths = array("q")
        batch: list[str] = []

        def flush() -> None:
            # Terms are numbered in order of first occurrence, as rank_bm25 meets them
            # (the order matters: it sums idf in it for the epsilon floor).
            for term in dict.fromkeys(batch):
                if term not in vocabulary:
                    vocabulary[term] = len(vocabulary)
            ids.extend(map(vocabulary.__getitem__, batch))
            batch.clear()

        for terms in documents:
            lengths.append(len(terms))
            batch.extend(terms)
            if len(batch) >= 1 << 20:
                flush()
        flush()
        return cls._from_term_ids(
            *packed_term_ids(ids, lengths),
            vocabulary,
            k1,
            b,
            epsilon,
            analyzer or default_analyzer(),
        )

    @classmethod
    def _from_term_ids(
        cls,
        term_ids: np.ndarray,
        lengths: np.ndarray,
        vocabulary: dict[str, int],
        k1: float,
        b: float,
        epsilon: float,
        analyzer: Analyzer,
    ) -> BM25Index:
        """Index the concatenated term ids of all documents (``lengths`` terms each)."""
        postings = okapi_postings(term_ids, lengths, len(vocabulary), k1, b, epsilon)
        log.debug("indexed %d texts, %d terms, %d postings", len(lengths), len(vocabulary), len(postings.doc_ids))
        return cls(analyzer=analyzer, vocabulary=vocabulary, k1=k1, b=b, epsilon=epsilon, **postings._asdict())

    # -- querying ---------------------------------------------------------------------

    def term_idf(self, term: str) -> float | None:
        """The BM25 idf of an indexed term, or None when no passage contains it."""
        term_id = self.vocabulary.get(term)
        return None if term_id is None else float(self.idf[term_id])

    def document_frequency(self, term: str) -> int:
        """How many indexed texts contain ``term`` (0 for a term the index has never seen)."""
        term_id = self.vocabulary.get(term)
        return 0 if term_id is None else int(self.indptr[term_id + 1] - self.indptr[term_id])

    def document_frequencies(self) -> np.ndarray:
        """The document frequency of every indexed term (in vocabulary order)."""
        return np.diff(self.indptr)

    def _known(self, terms: Sequence[str]) -> list[int]:
        """Term ids of the query's indexed terms, in query order, repeats kept."""
        get = self.vocabulary.get
        return [t for t in map(get, terms) if t is not None]

    def scores_for_terms(self, terms: Sequence[str]) -> np.ndarray:
        """BM25 score of every indexed text for already-analyzed query terms."""
        scores = np.zeros(len(self), dtype=np.float64)
        # One addition per query term occurrence, in query order: rank_bm25's sum exactly.
        # Postings of one term hold each passage once, so fancy-index += is exact.
        for term_id in self._known(terms):
            lo, hi = self.indptr[term_id], self.indptr[term_id + 1]
            scores[self.doc_ids[lo:hi]] += self.weights[lo:hi]
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
        """Like :meth:`search` for analyzed terms; ``allowed`` masks passages out.

        The same as sorting all of ``scores_for_terms(terms)`` (restricted to ``allowed``)
        by (-score, position) and keeping the first ``k``.
        """
        return top_from_postings(self.term_postings(terms), len(self), k, allowed)

    def term_postings(self, terms: Sequence[str]) -> list[TermPostings]:
        """(term id, positions, weights) of each indexed query term, in query order."""
        indptr, doc_ids, weights = self.indptr, self.doc_ids, self.weights
        lists: list[TermPostings] = []
        for term_id in self._known(terms):
            lo, hi = indptr[term_id], indptr[term_id + 1]
            lists.append((term_id, doc_ids[lo:hi], weights[lo:hi]))
        return lists

    # -- persistence ------------------------------------------------------------------

    def arrays(self) -> dict[str, np.ndarray]:
        """The index as named arrays (what :meth:`save` writes), for embedding elsewhere."""
        terms = sorted(self.vocabulary, key=self.vocabulary.__getitem__)
        meta = {
            "format": INDEX_FORMAT_VERSION,
            "k1": self.k1,
            "b": self.b,
            "epsilon": self.epsilon,
            "analyzer": self.analyzer.settings,
        }
        return {
            "meta": text_array(json.dumps(meta)),
            "terms": text_array("\n".join(terms)),
            "idf": self.idf,
            "indptr": self.indptr,
            "doc_ids": self.doc_ids,
            "weights": self.weights,
            "doc_lengths": self.doc_lengths,
            "tfs": self.tfs,
        }

    @classmethod
    def from_arrays(
        cls,
        data: dict[str, np.ndarray] | np.lib.npyio.NpzFile,
        analyzer_factory: Callable[..., Analyzer] = Analyzer,
        analyzer: Analyzer | None = None,
    ) -> BM25Index:
        """Rebuild an index from :meth:`arrays`; ``analyzer`` is used if its settings match."""
        meta = json.loads(array_text(data["meta"]))
        if meta.get("format") != INDEX_FORMAT_VERSION:
            raise ValueError(f"index format {meta.get('format')} is not {INDEX_FORMAT_VERSION}")
        raw_terms = array_text(data["terms"])
        terms = raw_terms.split("\n") if raw_terms else []
        settings = meta["analyzer"]
        if analyzer is None or analyzer.settings != settings:
            analyzer = analyzer_factory(
                language=settings["language"],
                stopwords=frozenset(settings["stopwords"]),
                keep_acronyms=settings["keep_acronyms"],
                aliases=aliases_from_settings(settings.get("aliases", [])),
                lemmas=settings.get("lemmas") is not None,
            )
        indptr = data["indptr"]
        if indptr.shape != (len(terms) + 1,):
            raise ValueError(f"index has {len(terms)} terms but {indptr.shape[0] - 1} posting lists")
        return cls(
            analyzer=analyzer,
            vocabulary=dict(zip(terms, range(len(terms)))),
            idf=data["idf"],
            indptr=indptr,
            doc_ids=data["doc_ids"],
            weights=data["weights"],
            doc_lengths=data["doc_lengths"],
            tfs=data["tfs"],
            k1=meta["k1"],
            b=meta["b"],
            epsilon=meta["epsilon"],
        )

    def save(self, path: Path | str, extra: dict[str, object] | None = None) -> None:
        """Write the index to one ``.npz`` file (``extra`` is stored as JSON beside it)."""
        arrays = self.arrays()
        arrays["extra"] = text_array(json.dumps(extra or {}))
        save_npz(path, arrays)

    @classmethod
    def load(cls, path: Path | str, analyzer_factory: Callable[..., Analyzer] = Analyzer) -> tuple[BM25Index, dict]:
        """Read an index written by :meth:`save`; returns the index and its ``extra``.

        The postings are memory-mapped, not read: loading takes milliseconds and only the
        pages that searches touch are ever read.
        """
        data = read_npz(path)
        try:
            index = cls.from_arrays(data, analyzer_factory)
        except (KeyError, ValueError) as exc:
            raise ValueError(f"{path}: {exc}") from None
        extra = json.loads(array_text(data["extra"])) if "extra" in data else {}
        return index, extra


def _reporting(texts: Sequence[str], progress: Callable[[int, int], None] | None) -> Iterable[str]:
    """``texts``, calling ``progress(done, total)`` every few thousand and at the end."""
    if progress is None:
        return texts

    def report() -> Iterator[str]:
        total = len(texts)
        for done, text in enumerate(texts):
            if done % _PROGRESS_EVERY == 0:
                progress(done, total)
            yield text
        progress(total, total)

    return report()
