"""The top passages from the postings of a question's terms: the search every BM25 index shares.

Input: one (term key, positions, weights) triple per query term occurrence, in query order
(repeats included), positions ascending within a triple and each at most once. Output: the
``k`` best (position, score) pairs, best first, ties broken by the lower position, where a
position's score is the sum of its weights added in query order from 0.0 (rank_bm25's order,
so the sums are equal to its scores bit for bit) and an unscored position scores 0.0.

Speed: the postings are summed with one ``np.bincount`` (into an array of all positions, or of
the touched ones when few are); then the k-th best score among the best passages of the
rarest terms is a floor, and only positions at or above it are sorted.
"""

from __future__ import annotations

import logging
from collections.abc import Hashable, Sequence

import numpy as np

from retrieval.index.scoring import best_of, first_missing

log = logging.getLogger(__name__)

# Sum scores by sorting the touched positions while they are fewer than 1/this of the
# positions; past that, a bincount into an array of all positions is faster than a sort.
_SPARSE_FACTOR = 50
# Passages per wanted result taken from a query term's postings to find a score floor.
_SEEDS_PER_RESULT = 4

TermPostings = tuple[Hashable, np.ndarray, np.ndarray]


def top_from_postings(
    lists: Sequence[TermPostings], n: int, k: int, allowed: np.ndarray | None = None
) -> list[tuple[int, float]]:
    """The ``k`` best (position, score) pairs of positions ``0..n-1``; ``allowed`` masks some out."""
    if k <= 0 or n == 0:
        return []
    k = min(k, n)
    if not lists:
        positions, values = np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float64)
    elif len(lists) == 1:
        _, positions, values = lists[0]
    else:
        ids = np.concatenate([p for _, p, _ in lists])
        contributions = np.concatenate([w for _, _, w in lists])
        # bincount adds each bin's weights in input order from 0.0: query order, as
        # rank_bm25 does, so the sums equal its scores bit for bit.
        if ids.size * _SPARSE_FACTOR < n:
            positions, inverse = np.unique(ids, return_inverse=True)
            values = np.bincount(inverse, weights=contributions, minlength=positions.size)
        else:
            scores = np.bincount(ids, weights=contributions, minlength=n)
            found = _top_from_dense(scores, lists, k, allowed)
            if found is not None:
                return found
            positions = np.flatnonzero(scores != 0)
            values = scores[positions]
    if allowed is not None:
        keep = allowed[positions]
        positions, values = positions[keep], values[keep]
    return _with_zeros(positions, values, n, k, allowed)


def _top_from_dense(
    scores: np.ndarray, lists: Sequence[TermPostings], k: int, allowed: np.ndarray | None
) -> list[tuple[int, float]] | None:
    """The top ``k`` of a full score array, sorting only the passages that can rank.

    The k-th best score of any k passages is a floor for the k-th best overall, so only
    passages scoring at least that need sorting. The passages that weigh most for the
    rarest query terms make a high floor. None when the floor is not positive (zeros
    and negatives are ranked by the general path).
    """
    distinct = {key: (postings, own) for key, postings, own in lists}
    seeds: list[np.ndarray] = []
    size = 0
    for postings, own in sorted(distinct.values(), key=lambda pair: pair[0].size):
        if allowed is not None:
            keep = allowed[postings]
            postings, own = postings[keep], own[keep]
        if postings.size > _SEEDS_PER_RESULT * k:
            cut = postings.size - _SEEDS_PER_RESULT * k
            postings = postings[np.argpartition(own, cut)[cut:]]
        seeds.append(postings)
        size += postings.size
        if size >= k:
            break
    # A passage must count once, or it could raise the floor above the true k-th.
    seed_docs = np.unique(np.concatenate(seeds)) if len(seeds) > 1 else seeds[0] if seeds else seeds
    if len(seed_docs) < k:
        return None
    seed_scores = scores[seed_docs]
    floor = np.partition(seed_scores, seed_scores.size - k)[seed_scores.size - k]
    if not floor > 0:
        return None
    mask = scores >= floor
    if allowed is not None:
        mask &= allowed
    positions = np.flatnonzero(mask)
    return best_of(positions, scores[positions], k)


def _with_zeros(
    positions: np.ndarray, values: np.ndarray, n: int, k: int, allowed: np.ndarray | None
) -> list[tuple[int, float]]:
    """Top ``k`` of the scored passages, with unscored ones (score 0.0) where they rank."""
    best = best_of(positions, values, k)
    if len(best) == k and best[-1][1] > 0:
        return best
    # Unscored passages score 0.0 and rank among themselves by position, so only the
    # first k of them can matter.
    if allowed is None:
        pad = first_missing(positions, k, n)
    else:
        free = allowed.copy()
        free[positions] = False
        pad = np.flatnonzero(free)[:k]
    if pad.size == 0:
        return best
    merged_positions = np.concatenate((np.array([p for p, _ in best], dtype=np.int64), pad))
    merged_values = np.concatenate((np.array([v for _, v in best], dtype=np.float64), np.zeros(pad.size)))
    order = np.lexsort((merged_positions, -merged_values))[:k]
    return [(int(merged_positions[i]), float(merged_values[i])) for i in order]
