"""A segmented index (base + deltas + removed passages) scores as one index built over the live passages."""

from __future__ import annotations

import random

import numpy as np
import pytest
from rank_bm25 import BM25Okapi

from retrieval.index.bm25 import BM25Index
from retrieval.index.segments import SegmentedIndex
from tests.retrieval.test_index import random_corpus, random_query, reference_top


def segmented(docs: list[list[str]], cuts: list[int], removed: np.ndarray | None = None) -> SegmentedIndex:
    bounds = [0, *cuts, len(docs)]
    return SegmentedIndex([BM25Index.from_tokens(docs[a:b]) for a, b in zip(bounds, bounds[1:])], removed)


def random_cuts(rng: random.Random, n: int) -> list[int]:
    return sorted(rng.randint(1, n) for _ in range(rng.randint(1, 3))) if n > 1 else []


@pytest.mark.parametrize("seed", range(30))
def test_added_segments_score_as_rank_bm25_over_all_passages_bit_for_bit(seed: int) -> None:
    rng = random.Random(seed)
    docs = random_corpus(rng)
    index = segmented(docs, random_cuts(rng, len(docs)))
    reference = BM25Okapi(docs)
    full = BM25Index.from_tokens(docs)
    assert np.array_equal(index.document_frequencies(), full.document_frequencies())
    for _ in range(20):
        query = random_query(rng, docs)
        expected = reference.get_scores(query)
        assert np.array_equal(index.scores_for_terms(query), expected)
        for k in (1, 10, len(docs) + 3):
            assert index.search_terms(query, k) == reference_top(expected, k) == full.search_terms(query, k)
        allowed = np.array([rng.random() < 0.5 for _ in docs], dtype=bool)
        assert index.search_terms(query, 10, allowed) == reference_top(expected, 10, allowed)


@pytest.mark.parametrize("seed", range(30))
def test_removed_passages_count_nowhere_and_never_rank(seed: int) -> None:
    rng = random.Random(100 + seed)
    docs = random_corpus(rng)
    removed = np.array([rng.random() < 0.3 for _ in docs], dtype=bool)
    live = [d for d, r in zip(docs, removed) if not r]
    if not any(live):
        return  # rank_bm25 cannot score an archive of empty passages
    index = segmented(docs, random_cuts(rng, len(docs)), removed)
    reference = BM25Okapi(live)
    where = np.flatnonzero(~removed)  # live position -> segmented position
    assert np.array_equal(np.sort(index.document_frequencies()), np.sort(BM25Index.from_tokens(live).document_frequencies()))
    for _ in range(20):
        query = random_query(rng, docs)
        expected = reference.get_scores(query)
        got = index.scores_for_terms(query)
        assert not got[removed].any()
        # The idf floor's mean is summed in another term order: equal up to its last bit.
        assert np.allclose(got[where], expected, rtol=1e-12, atol=1e-12)
        ranked = index.search_terms(query, len(docs) + 2)
        assert [p for p, _ in ranked] == [int(where[p]) for p, _ in reference_top(expected, len(live))]


def test_a_term_only_in_removed_passages_is_unknown() -> None:
    docs = [["gold", "mine"], ["coal", "mine"], ["coal", "port"]]
    index = segmented(docs, [2], np.array([True, False, False]))
    assert index.document_frequency("gold") == 0
    assert index.term_idf("gold") is None
    assert index.search_terms(["gold"], 5) == [(1, 0.0), (2, 0.0)]
    assert index.document_frequency("coal") == 2 and len(index) == 3


def test_mask_of_the_wrong_length_is_refused() -> None:
    with pytest.raises(ValueError, match="covers 2 passages, not 3"):
        segmented([["a"], ["b"], ["c"]], [1], np.array([False, True]))
