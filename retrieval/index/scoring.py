"""How a scorer plugs into the archive, and the ranking helpers every scorer shares.

A scorer ranks the archive's passages (addressed by position) for a question's analysed
terms. :class:`~retrieval.index.bm25.BM25Index` is the one in use; another scorer, or a second
signal such as embeddings, implements :class:`Scorer` and is passed to
:meth:`retrieval.archive.Archive.build` (``scorer=``), without editing the archive or the
answering rules.

Guarantee of the helpers: results are ``(position, score)`` pairs, best first, ties broken
by the lower position -- the order the answering rules and the tests rely on.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np

from retrieval.text.analyzer import Analyzer

log = logging.getLogger(__name__)

# Called with (done, total) while a scorer is built.
Progress = Callable[[int, int], None]


@runtime_checkable
class Scorer(Protocol):
    """What the archive and the answering rules need from a ranking of passages."""

    def __len__(self) -> int:
        """How many passages are scored."""
        ...

    def search_terms(
        self, terms: Sequence[str], k: int = 10, allowed: np.ndarray | None = None
    ) -> list[tuple[int, float]]:
        """The ``k`` best (position, score) pairs for analysed ``terms``; ``allowed`` masks passages out."""
        ...

    def document_frequency(self, term: str) -> int:
        """How many passages contain ``term`` (0 when none does); weighs question words."""
        ...

    def document_frequencies(self) -> np.ndarray:
        """The document frequency of every known term; gives a typical word's weight."""
        ...


@runtime_checkable
class MeaningAware(Protocol):
    """A scorer that can also say how close in meaning passages are to a question
    (:class:`~retrieval.index.meaning.FusedScorer`); the answering rules then fuse it in."""

    def similarities(self, question: str, positions: Sequence[int]) -> np.ndarray:
        """Cosine similarity of ``question`` with the passages at ``positions``, in [-1, 1]."""
        ...


class ScorerFactory(Protocol):
    """Builds a scorer over passage texts (what ``Archive.build(scorer=...)`` takes); ``numbers``
    gives each passage's number in its article (from 1), for a scorer that treats an article's
    first passages apart (the reader reads only the first ones of a very long article)."""

    def __call__(
        self, texts: Sequence[str], analyzer: Analyzer, progress: Progress | None, numbers: Sequence[int] | None = None
    ) -> Scorer: ...


def first_missing(positions: np.ndarray, k: int, n: int) -> np.ndarray:
    """The first ``k`` positions in ``range(n)`` that are not in sorted ``positions``."""
    wanted = min(k, n - positions.size)
    if wanted <= 0:
        return np.zeros(0, dtype=np.int64)
    # The i-th missing position is i plus the count of present positions at or below it;
    # positions[j] - j counts the missing positions before positions[j].
    gaps = positions.astype(np.int64) - np.arange(positions.size, dtype=np.int64)
    i = np.arange(wanted, dtype=np.int64)
    return i + np.searchsorted(gaps, i, side="right")


def best_of(positions: np.ndarray, values: np.ndarray, k: int) -> list[tuple[int, float]]:
    """The ``k`` best of ``values`` (``positions`` ascending), best first, ties by position."""
    if k <= 0 or values.size == 0:
        return []
    if values.size > k:
        # The k-th best value; everything better is in, ties at it go to the lowest
        # positions (positions are ascending, so the first ones win).
        kth = np.partition(values, values.size - k)[values.size - k]
        better = np.flatnonzero(values > kth)
        ties = np.flatnonzero(values == kth)[: k - better.size]
        keep = np.concatenate((better, ties))
        positions, values = positions[keep], values[keep]
    order = np.lexsort((positions, -values))[:k]
    return list(zip(positions[order].tolist(), values[order].tolist()))


def top_k(scores: np.ndarray, k: int) -> list[tuple[int, float]]:
    """Positions of the ``k`` highest finite scores, best first, ties by lower position."""
    if k <= 0 or scores.size == 0:
        return []
    candidates = np.flatnonzero(np.isfinite(scores))
    return best_of(candidates, scores[candidates], k)


@dataclass(frozen=True)
class FusionWeights:
    """How a second stage mixes its signals (each in about [0, 1]); see :func:`fuse`."""

    bm25: float
    meaning: float
    context: float
    # The candidate's best sentence window (retrieval.answer.windows), scaled to the best candidate's.
    window: float = 0.0


def fuse(
    ranked: Sequence[tuple[int, float]],
    weights: FusionWeights,
    similarity: np.ndarray | None = None,
    context: np.ndarray | None = None,
    windows: np.ndarray | None = None,
) -> list[tuple[int, float]]:
    """Re-rank ``ranked`` (BM25's candidates) by a weighted sum of normalised signals.

    BM25 is scaled by the best candidate's score (the top BM25 passage has 1.0); the
    ``similarity`` (cosine) and ``context`` (share of the question's weight around the
    passage) arrays are per candidate, and a missing one counts as 0; ``windows`` (each
    candidate's best window score) is scaled by the best one, as BM25 is. Ties keep BM25's
    order; the pairs returned carry the fused score.
    """
    if not ranked:
        return []
    scores = np.array([s for _, s in ranked], dtype=np.float64)
    top = scores.max()
    fused = weights.bm25 * (scores / top if top > 0 else np.zeros_like(scores))
    if similarity is not None:
        fused += weights.meaning * np.asarray(similarity, dtype=np.float64)
    if context is not None:
        fused += weights.context * np.asarray(context, dtype=np.float64)
    if windows is not None and weights.window:
        window = np.asarray(windows, dtype=np.float64)
        best = window.max()
        fused += weights.window * (window / best if best > 0 else np.zeros_like(window))
    values = fused.tolist()  # Python floats: the same values, cheaper to compare than numpy's
    order = sorted(range(len(ranked)), key=lambda i: -values[i])  # stable: BM25 order on ties
    return [(ranked[i][0], values[i]) for i in order]
