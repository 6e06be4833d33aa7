"""Sentence windows: what is ranked is what is shown.

BM25 ranks passages (paragraph chunks of up to 700 characters), but an answer shows an
excerpt of at most 400: a passage that wins on words spread over its whole length can
show less of the question than a neighbour that holds it in two sentences. So the
answering rules also score, for each of BM25's candidate passages, every window of
consecutive whole sentences that fits the excerpt budget -- inside the passage, or
reaching up to two sentences into its neighbours -- and rank candidates by their best window.

A window's score is BM25's form over the window: for each question term its weight (idf)
times a saturated count ``f (k1 + 1) / (f + k1 (1 - b + b L / avg))``, where ``f`` is how
many of the window's sentences hold the term and ``L`` the window's length in characters.
Length normalisation prefers the window that holds the question's words densely.

Rules a window follows (the excerpt's): it stays inside one article, never joins a heading
(a unit without final punctuation, or a short subheading paragraph that asks or exclaims:
the archive's flags) to another sentence, and fits ``max_chars`` (a single
sentence over it is a window of its own, cut when shown).

The same pass gives each candidate's context: the weight of the question terms in the
passage and the two sentences either side of it.

Cost: one vectorised pass over the candidates' sentences (term ids read from the
sentence terms saved with the archive, lengths and heading flags from its tables), so it
does not grow with the article and reads no sentence text: about 0.15 ms for 20
candidates at 100k passages.
Guarantee: the same inputs give the same windows (ties go to the earlier, shorter one).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from retrieval.text.sentences import SentenceTerms

log = logging.getLogger(__name__)

# Sentences a window (and a candidate's context) may reach beyond its passage on either
# side: an answer often spans a paragraph break, and a passage's last sentence may name
# what the next paragraph's first two explain (2 rather than 1: SQuAD +2, no set lower,
# about 0.02 ms more; see benchmarks/RESULTS.md).
REACH = 2
# At most this many sentences in a window (400 characters rarely hold more).
MAX_SENTENCES = 12


@dataclass(frozen=True)
class WindowWeights:
    """BM25's parameters for windows; ``typical_chars`` is the length that is not normalised."""

    k1: float = 1.2
    b: float = 0.75
    typical_chars: float = 300.0


@dataclass(frozen=True)
class Regions:
    """Candidate passages: sentences ``[lo, hi)`` of each, within its article's ``[first, end)``
    (archive-wide sentence numbers, one array entry per candidate)."""

    lo: np.ndarray
    hi: np.ndarray
    first: np.ndarray
    end: np.ndarray

    @classmethod
    def of(cls, spans: Sequence[tuple[int, int, int, int]]) -> Regions:
        """From ``(lo, hi, first, end)`` tuples."""
        columns = np.array(spans, dtype=np.int64).reshape(-1, 4).T
        return cls(*columns)

    def __len__(self) -> int:
        return int(self.lo.size)


class Sentences:
    """What windows need of the archive's sentences: each one's terms, length and whether it
    is a heading. Lengths and heading flags come from ``shapes`` (the archive's tables, made
    when it was built) when given; otherwise they are kept once read, so a sentence is looked
    at once per archive, and only when a question's candidates reach it (a loaded archive
    makes sentence strings only when read)."""

    def __init__(
        self,
        texts: Sequence[str],
        terms: SentenceTerms,
        is_heading: Callable[[str], bool],
        shapes: tuple[np.ndarray, np.ndarray] | None = None,
    ) -> None:
        self.texts = texts
        self.terms = terms
        self._is_heading = is_heading
        if shapes is not None and len(shapes[0]) == len(shapes[1]) == len(texts):
            # Copies in memory: a question then reads them without touching the saved file.
            self._chars = np.asarray(shapes[0], dtype=np.float64)
            self._heading = np.array(shapes[1], dtype=bool)
        else:
            self._chars = np.full(len(texts), -1.0)
            self._heading = np.zeros(len(texts), dtype=bool)

    def shape_of(self, numbers: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(length in characters, is a heading) of the sentences ``numbers``."""
        unread = numbers[self._chars[numbers] < 0]
        if unread.size:
            # Each run of consecutive sentences is read as one slice (one decode in a saved archive).
            cuts = np.flatnonzero(np.diff(unread) != 1) + 1
            firsts = unread[np.concatenate(([0], cuts))].tolist()
            lasts = unread[np.concatenate((cuts - 1, [unread.size - 1]))].tolist()
            for first, last in zip(firsts, lasts):
                for i, text in enumerate(self.texts[first : last + 1], first):
                    # Flag first: a reader that sees the length also sees the flag.
                    self._heading[i] = self._is_heading(text)
                    self._chars[i] = len(text)
        return self._chars[numbers], self._heading[numbers]


@dataclass(frozen=True)
class Scored:
    """Per region: its best window ``(first, end, score)`` (archive-wide sentence numbers),
    and the weight of the question terms anywhere in its reach (passage +- :data:`REACH`)."""

    windows: list[tuple[int, int, float]]
    context: np.ndarray


def best_windows(
    regions: Regions,
    sentences: Sentences,
    weights: dict[int, float],
    max_chars: int,
    params: WindowWeights = WindowWeights(),
) -> Scored:
    """For each region, its best window and the question weight within its reach.

    A window overlaps its region's passage and reaches at most :data:`REACH` sentences
    beyond it; a region whose sentences hold no question term gets its first sentence and 0.
    """
    if not len(regions):
        return Scored([], np.zeros(0))
    low = np.maximum(regions.first, regions.lo - REACH)
    high = np.minimum(regions.end, regions.hi + REACH)
    counts = high - low
    steps = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
    numbers = np.unique(np.repeat(low, counts) + steps)
    # A window may not cross a gap between regions, nor the start of an article.
    breaks = np.ones(numbers.size, dtype=bool)
    breaks[1:] = np.diff(numbers) != 1
    # (searchsorted, not np.isin: isin builds a table over the whole span of sentence numbers.)
    # Where an article's first sentence is not among the numbers, searchsorted points past a
    # gap, already a break; so marking it changes nothing.
    starts = np.searchsorted(numbers, regions.first)
    breaks[starts[starts < numbers.size]] = True
    segment = np.cumsum(breaks)
    presence, idf = _presence(numbers, sentences.terms, weights)
    cum = np.concatenate((np.zeros((1, presence.shape[1])), np.cumsum(presence, axis=0)))
    reach = cum[np.searchsorted(numbers, high)] - cum[np.searchsorted(numbers, low)]
    context = (reach > 0) @ idf
    chars, heading = sentences.shape_of(numbers)
    scores, first, end = _window_scores(cum, idf, chars, heading, segment, max_chars, params)
    return Scored(_best_per_region(numbers, scores, first, end, regions), context)


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


# Every (first, width) pair of some sentences, by first then width; grown when too short.
_grid_arrays = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))


def _grid(n: int) -> tuple[np.ndarray, np.ndarray]:
    """(first, width) of every window of up to :data:`MAX_SENTENCES` over ``n`` sentences,
    by first then width (read-only views of a kept grid: a question does not rebuild it)."""
    global _grid_arrays
    grid = _grid_arrays
    size = n * MAX_SENTENCES
    if grid[0].size < size:  # two threads may both grow it: the same values
        cells = np.arange(max(size, 1024 * MAX_SENTENCES))
        grid = (cells // MAX_SENTENCES, cells % MAX_SENTENCES + 1)
        for array in grid:
            array.flags.writeable = False
        _grid_arrays = grid
    return grid[0][:size], grid[1][:size]


def _window_scores(
    cum: np.ndarray,
    idf: np.ndarray,
    chars: np.ndarray,
    heading: np.ndarray,
    segment: np.ndarray,
    max_chars: int,
    params: WindowWeights,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every allowed window's (score, first index, end index), by first index, then width.

    ``cum`` is the running count of sentences holding each question term (one row more).
    """
    n = chars.size
    first, width = _grid(n)
    end = first + width
    cum_chars = np.concatenate(([0.0], np.cumsum(chars + 1)))
    cum_heading = np.concatenate(([0], np.cumsum(heading)))
    end_clipped = np.minimum(end, n)
    length = cum_chars[end_clipped] - cum_chars[first] - 1
    alone = width == 1
    allowed = (end <= n) & (segment[end_clipped - 1] == segment[first])
    allowed &= alone | ((length <= max_chars) & (cum_heading[end_clipped] == cum_heading[first]))
    first, end, length = first[allowed], end[allowed], length[allowed]
    tf = cum[end] - cum[first]  # window x term
    norm = params.k1 * (1 - params.b + params.b * length / params.typical_chars)
    scores = (tf * (params.k1 + 1) / (tf + norm[:, None])) @ idf
    return scores, first, end


def _best_per_region(
    numbers: np.ndarray, score: np.ndarray, start: np.ndarray, stop: np.ndarray, regions: Regions
) -> list[tuple[int, int, float]]:
    """Each region's best window that overlaps its passage (earlier, then shorter, on ties)."""
    if not score.size:
        return [(lo, lo + 1, 0.0) for lo in regions.lo.tolist()]
    lo = np.searchsorted(numbers, regions.lo)[:, None]
    hi = np.searchsorted(numbers, regions.hi)[:, None]
    masked = np.where((start[None, :] < hi) & (stop[None, :] > lo), score[None, :], -np.inf)
    pick = masked.argmax(axis=1)
    best = masked[np.arange(len(regions)), pick]
    firsts = numbers[start[pick]].tolist()
    ends = (numbers[stop[pick] - 1] + 1).tolist()
    return [
        (first, end, value) if value > 0 else (passage_lo, passage_lo + 1, 0.0)
        for passage_lo, first, end, value in zip(regions.lo.tolist(), firsts, ends, best.tolist())
    ]
