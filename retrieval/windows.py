"""Sentence windows: what is ranked is what is shown.

BM25 ranks passages (paragraph chunks of up to 700 characters), but an answer shows an
excerpt of at most 400: a passage that wins on words spread over its whole length can
show less of the question than a neighbour that holds it in two sentences. So the
answering rules also score, for each of BM25's candidate passages, every window of
consecutive whole sentences that fits the excerpt budget -- inside the passage, or
reaching one sentence into its neighbours -- and rank candidates by their best window.

A window's score is BM25's form over the window: for each question term its weight (idf)
times a saturated count ``f (k1 + 1) / (f + k1 (1 - b + b L / avg))``, where ``f`` is how
many of the window's sentences hold the term and ``L`` the window's length in characters.
Length normalisation prefers the window that holds the question's words densely.

Rules a window follows (the excerpt's): it stays inside one article, never joins a heading
(a unit without final punctuation) to another sentence, and fits ``max_chars`` (a single
sentence over it is a window of its own, cut when shown).

Cost: one vectorised pass over the candidates' sentences (term ids read from the
sentence terms saved with the archive), so it does not grow with the article.
Guarantee: the same inputs give the same windows (ties go to the earlier, shorter one).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from retrieval.sentences import SentenceTerms

log = logging.getLogger(__name__)

# Sentences a window may reach beyond its passage on either side (an answer often spans
# a paragraph break).
REACH = 1
# At most this many sentences in a window (400 characters rarely hold more).
MAX_SENTENCES = 12


@dataclass(frozen=True)
class WindowWeights:
    """BM25's parameters for windows; ``typical_chars`` is the length that is not normalised."""

    k1: float = 1.2
    b: float = 0.75
    typical_chars: float = 300.0


@dataclass(frozen=True)
class Region:
    """A candidate passage's sentences ``[lo, hi)`` within its article's ``[first, end)``."""

    lo: int
    hi: int
    first: int
    end: int


def best_windows(
    regions: Sequence[Region],
    sentences: Sequence[str],
    terms: SentenceTerms,
    weights: dict[int, float],
    is_heading: Callable[[str], bool],
    max_chars: int,
    params: WindowWeights = WindowWeights(),
) -> list[tuple[int, int, float]]:
    """For each region, its best window ``(first, end, score)`` (archive-wide sentence numbers).

    A window overlaps its region's passage and reaches at most :data:`REACH` sentences
    beyond it; a region whose sentences hold no question term gets its first sentence and 0.
    """
    if not regions:
        return []
    spans = [(max(r.first, r.lo - REACH), min(r.end, r.hi + REACH)) for r in regions]
    numbers = np.unique(np.concatenate([np.arange(a, b, dtype=np.int64) for a, b in spans]))
    starts_of_articles = {r.first for r in regions}
    # A window may not cross a gap between regions, nor the start of an article.
    breaks = np.ones(numbers.size, dtype=bool)
    breaks[1:] = np.diff(numbers) != 1
    breaks |= np.isin(numbers, np.fromiter(starts_of_articles, dtype=np.int64))
    segment = np.cumsum(breaks)
    chars = np.array([len(sentences[i]) for i in numbers], dtype=np.float64)
    heading = np.array([is_heading(sentences[i]) for i in numbers], dtype=bool)
    presence, idf = _presence(numbers, terms, weights)
    scores, first, end = _window_scores(presence, idf, chars, heading, segment, max_chars, params)
    return _best_per_region(numbers, scores, first, end, regions)


def _presence(numbers: np.ndarray, terms: SentenceTerms, weights: dict[int, float]) -> tuple[np.ndarray, np.ndarray]:
    """(which question terms each sentence holds, sentences x terms; the terms' weights)."""
    ids = np.array(sorted(weights), dtype=np.int64)
    idf = np.array([weights[i] for i in ids.tolist()], dtype=np.float64)
    presence = np.zeros((numbers.size, ids.size), dtype=np.float64)
    if ids.size == 0:
        return presence, idf
    begin = terms.indptr[numbers]
    counts = terms.indptr[numbers + 1] - begin
    total = int(counts.sum())
    if total == 0:
        return presence, idf
    owner = np.repeat(np.arange(numbers.size), counts)
    offsets = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
    held = terms.ids[np.repeat(begin, counts) + offsets].astype(np.int64)
    column = np.searchsorted(ids, held)
    column[column >= ids.size] = 0
    hit = ids[column] == held
    presence[owner[hit], column[hit]] = 1.0
    return presence, idf


def _window_scores(
    presence: np.ndarray,
    idf: np.ndarray,
    chars: np.ndarray,
    heading: np.ndarray,
    segment: np.ndarray,
    max_chars: int,
    params: WindowWeights,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Score of every window (start x width; -inf where not allowed), its first and end index."""
    n = chars.size
    width = np.arange(1, MAX_SENTENCES + 1)
    first = np.repeat(np.arange(n)[:, None], width.size, axis=1)
    end = first + width[None, :]
    inside = end <= n
    end_clipped = np.minimum(end, n)
    cum_chars = np.concatenate(([0.0], np.cumsum(chars + 1)))
    length = cum_chars[end_clipped] - cum_chars[first] - 1
    cum_heading = np.concatenate(([0], np.cumsum(heading)))
    headings = cum_heading[end_clipped] - cum_heading[first]
    same = segment[np.minimum(end_clipped - 1, n - 1)] == segment[first]
    allowed = inside & same & ((length <= max_chars) | (width[None, :] == 1)) & ((headings == 0) | (width[None, :] == 1))
    cum = np.concatenate((np.zeros((1, presence.shape[1])), np.cumsum(presence, axis=0)))
    tf = cum[end_clipped] - cum[first]  # start x width x term
    norm = params.k1 * (1 - params.b + params.b * length / params.typical_chars)
    saturated = tf * (params.k1 + 1) / (tf + norm[..., None])
    scores = saturated @ idf
    scores[~allowed] = -np.inf
    return scores, first, end


def _best_per_region(
    numbers: np.ndarray, scores: np.ndarray, first: np.ndarray, end: np.ndarray, regions: Sequence[Region]
) -> list[tuple[int, int, float]]:
    """Each region's best window that overlaps its passage (earlier, then shorter, on ties)."""
    valid = np.flatnonzero(np.isfinite(scores.ravel()))  # row-major: by start, then width
    score, start, stop = scores.ravel()[valid], first.ravel()[valid], end.ravel()[valid]
    lo = np.searchsorted(numbers, np.array([r.lo for r in regions]))[:, None]
    hi = np.searchsorted(numbers, np.array([r.hi for r in regions]))[:, None]
    masked = np.where((start[None, :] < hi) & (stop[None, :] > lo), score[None, :], -np.inf)
    pick = masked.argmax(axis=1) if score.size else np.zeros(len(regions), dtype=np.int64)
    found: list[tuple[int, int, float]] = []
    for region, j in zip(regions, pick.tolist()):
        best = float(masked[len(found), j]) if score.size else 0.0
        if not best > 0:
            found.append((region.lo, region.lo + 1, 0.0))
            continue
        found.append((int(numbers[start[j]]), int(numbers[stop[j] - 1]) + 1, best))
    return found
