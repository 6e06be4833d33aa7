"""The order of an answer's candidates and excerpts, after ranking.

- :func:`spread`: the reader's cosines as a share of the candidates' range, for fusion.
- :func:`with_rest`: the best passage once more, so its sentences not shown yet compete.
- :func:`by_wording`: the first excerpts re-ordered by how closely each keeps the question's words.

Guarantees: pure functions of their arguments (the same input, the same order); asking for more
excerpts never changes the first ones.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from retrieval.answer.kinds import Excerpt
from retrieval.answer.wording import question_words, wording_scores

# The best passage comes back once more at this share of its fused score, so that its best
# sentences not shown yet compete as another excerpt (see benchmarks/RESULTS.md).
REST_SHARE = 0.5
# The shown excerpts are put in order by their fused score plus this weight times how
# closely each keeps the question's own words (retrieval.answer.wording, scaled to the best of
# them); the first this many excerpts are re-ordered (see benchmarks/RESULTS.md).
WORDING_WEIGHT = 0.45
WORDING_DEPTH = 3


# Where a candidate not read for meaning (no cosine: past its article's first passages the
# reader reads) sits in the spread: the middle, neither closer nor farther than the others, so
# its words decide its place.
UNREAD_SPREAD = 0.5


def spread(similarity: np.ndarray) -> np.ndarray:
    """Cosines as a share of the candidates' range (the closest 1, the farthest 0): a
    contextual model's cosines sit in a narrow band, so their differences carry the signal.
    A candidate without a cosine (NaN: not read for meaning) gets :data:`UNREAD_SPREAD`."""
    values = np.asarray(similarity, dtype=np.float64)
    if values.size == 0:
        return values
    read = ~np.isnan(values)
    if not read.all():
        out = np.full_like(values, UNREAD_SPREAD)
        out[read] = spread(values[read])
        return out
    low, high = values.min(), values.max()
    return (values - low) / (high - low) if high > low else np.zeros_like(values)


def with_rest(order: list[tuple[int, float]]) -> list[tuple[int, float]]:
    """``order`` (passages in fused order, with their scores) with the best passage once more,
    at :data:`REST_SHARE` of its score: picked again, it shows the sentences its first excerpt
    left out. The answer often sits in the paragraph that matches the question best, in a
    sentence beside the one that holds most of the question's words; a passage with no
    sentence left to show, or none left that holds a word of the question, is skipped when
    picked."""
    if not order or not REST_SHARE:
        return order
    best, score = order[0]
    rest = score * REST_SHARE
    at = next((i for i, (_, s) in enumerate(order) if s < rest), len(order))
    return [*order[:at], (best, rest), *order[at:]]


def by_wording(question: str, excerpts: list[Excerpt]) -> tuple[Excerpt, ...]:
    """``excerpts`` (in fused order, best first) with the first :data:`WORDING_DEPTH` re-scored
    and put in order, best first (ties keep the fused order); the rest follow as they were.

    Re-scored: the fused score, as a share of the best one, plus :data:`WORDING_WEIGHT` times
    the excerpt's wording score as a share of the best of them (in the fused scores' units).
    Only a fixed number is re-ordered, so asking for more excerpts never changes the first ones.
    """
    head, tail = excerpts[:WORDING_DEPTH], excerpts[WORDING_DEPTH:]
    if not head:
        return ()
    wording = wording_scores(question_words(question), [e.excerpt for e in head])
    best = max(wording)
    scale = WORDING_WEIGHT * head[0].score / best if best > 0 else 0.0
    scored = [replace(e, score=e.score + scale * w) for e, w in zip(head, wording)]
    return (*sorted(scored, key=lambda e: -e.score), *tail)
