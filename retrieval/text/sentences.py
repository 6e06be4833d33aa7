"""The terms of every sentence of the archive, computed once, when the archive is built.

The answer layer needs to know which question words each sentence of a quoted passage
holds (to test a passage, to centre and widen its excerpt, to spot repeats). Analysing a
whole article at question time costs in proportion to the article: a 50 MB article made
every question that matched it take seconds. Here each sentence's distinct terms are kept
as term ids in CSR layout (``indptr``, ``ids``), built with the archive and saved with it,
so a question only reads the slices of the sentences it looks at.

Sentences are numbered as the archive lists them: all sentences of all passages, in
passage order (the passages of one article are consecutive, so are their sentences). Term
ids are those of ``vocabulary`` -- the index's own when it has one, so nothing more is
saved; a term the vocabulary lacks is left out (no question term can match it).

Guarantees: ``terms(i)`` is the set of ids of ``analyzer(sentence i)`` that the vocabulary
knows; the object never changes after it is made (safe to share between threads).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence, Set

import numpy as np

from retrieval.text.analyzer import Analyzer, FastAnalysis

log = logging.getLogger(__name__)

# Texts on which the memoised analysis is checked against the analyzer itself.
_FAST_PATH_CHECKS = 64


class SentenceTerms:
    """Distinct term ids per sentence (CSR): sentence ``i`` holds ``ids[indptr[i]:indptr[i + 1]]``."""

    def __init__(
        self,
        vocabulary: Mapping[str, int],
        indptr: np.ndarray,
        ids: np.ndarray,
        word_terms: Mapping[str, str] | None = None,
    ) -> None:
        if indptr.ndim != 1 or indptr.size == 0 or int(indptr[-1]) != ids.size:
            raise ValueError("sentence term arrays disagree in length")
        self.vocabulary = vocabulary
        self.indptr = indptr
        self.ids = ids
        # The distinct words of the sentences with their terms, when the build saw them
        # (spelling's vocabulary comes from them for free); not saved.
        self.word_terms = word_terms

    def __len__(self) -> int:
        return int(self.indptr.size - 1)

    @classmethod
    def build(
        cls, sentences: Sequence[str], analyzer: Analyzer, vocabulary: Mapping[str, int] | None = None
    ) -> SentenceTerms:
        """Analyse every sentence; ids in ``vocabulary`` (default: a new one from these terms)."""
        local, ids, lengths, word_terms = _analysed(sentences, analyzer)
        if vocabulary is None:
            vocabulary = {term: i for i, term in enumerate(local)}
            mapped = ids.astype(np.int64)
        else:
            to_target = np.array([vocabulary.get(term, -1) for term in local], dtype=np.int64)
            mapped = to_target[ids] if ids.size else ids.astype(np.int64)
        owner = np.repeat(np.arange(len(sentences), dtype=np.int64), lengths)
        keep = mapped >= 0
        stride = int(mapped.max()) + 1 if mapped.size else 1
        # One sort of (sentence, term) keys: terms grouped by sentence, each once.
        keys = np.unique(owner[keep] * stride + mapped[keep])
        counts = np.bincount(keys // stride, minlength=len(sentences)) if keys.size else np.zeros(len(sentences))
        indptr = np.zeros(len(sentences) + 1, dtype=np.int64)
        np.cumsum(counts, out=indptr[1:])
        return cls(vocabulary, indptr, (keys % stride).astype(np.int32), word_terms)

    def arrays(self) -> dict[str, np.ndarray]:
        """What is saved (the vocabulary is the index's, saved with it)."""
        return {"indptr": self.indptr, "ids": self.ids}

    def query_ids(self, terms: Iterable[str]) -> dict[str, int]:
        """Each known term of ``terms`` with its id (unknown ones cannot be in any sentence)."""
        get = self.vocabulary.get
        return {t: i for t in terms if (i := get(t)) is not None}

    def terms(self, sentence: int) -> frozenset[int]:
        """The term ids of one sentence."""
        return self.union(sentence, sentence + 1)

    def among(self, first: int, end: int, wanted: Set[int]) -> set[int]:
        """Which of the term ids ``wanted`` occur in sentences ``first`` to ``end - 1``.

        Cheaper than :meth:`union` for a few wanted ids: no set of every term is made.
        """
        return wanted & set(self.ids[self.indptr[first] : self.indptr[end]].tolist())

    def union(self, first: int, end: int) -> frozenset[int]:
        """The term ids of sentences ``first`` to ``end - 1`` (one slice: they are consecutive)."""
        return frozenset(self.ids[self.indptr[first] : self.indptr[end]].tolist())


def _analysed(
    sentences: Sequence[str], analyzer: Analyzer
) -> tuple[list[str], np.ndarray, np.ndarray, dict[str, str] | None]:
    """(local vocabulary in id order, concatenated local term ids, terms per sentence,
    the distinct words with their terms when the memoised path ran)."""
    if type(analyzer) is Analyzer:
        fast = FastAnalysis(analyzer)
        if fast.agrees(sentences[:_FAST_PATH_CHECKS]):
            ids, lengths = fast.term_ids(sentences)
            return list(fast.vocabulary), ids, lengths, fast.word_terms()
        log.warning("fast analysis disagrees with the analyzer; analysing sentences one by one")
    vocabulary: dict[str, int] = {}
    flat: list[int] = []
    lengths_list: list[int] = []
    for sentence in sentences:
        terms = analyzer(sentence)
        flat.extend(vocabulary.setdefault(t, len(vocabulary)) for t in terms)
        lengths_list.append(len(terms))
    return list(vocabulary), np.array(flat, dtype=np.int32), np.array(lengths_list, dtype=np.int64), None
