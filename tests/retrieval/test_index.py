"""BM25Index against rank_bm25's BM25Okapi: same scores, same top 10, however it searches."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest
from rank_bm25 import BM25Okapi

from retrieval.text.analyzer import Analyzer, analyze_all, default_analyzer
from retrieval.index.bm25 import BM25Index
from retrieval.corpus import load_corpus
from retrieval.text.passages import corpus_passages
from tests.paths import DEV_QUESTIONS, DEV_QUESTIONS_MISSING
from tests.retrieval.samples import sample_texts

ROOT = Path(__file__).resolve().parents[2]


def reference_top(scores: np.ndarray, k: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
    """rank_bm25's full score array sorted by (-score, position), first k."""
    order = np.lexsort((np.arange(scores.size), -scores))
    if allowed is not None:
        order = order[allowed[order]]
    return [(int(i), float(scores[i])) for i in order[:k]]


def random_corpus(rng: random.Random) -> list[list[str]]:
    vocab_size = rng.choice([2, 4, 12, 60, 400])
    vocab = [f"t{i}" for i in range(vocab_size)]
    weights = [1 / (i + 1) for i in range(vocab_size)]  # Zipf-like: some terms everywhere
    n_docs = rng.choice([1, 2, 5, 30, 200, 1500])
    docs = []
    for _ in range(n_docs):
        length = rng.choice([0, 0, 1, 3]) if rng.random() < 0.15 else rng.randint(1, 40)
        docs.append(rng.choices(vocab, weights, k=length))
    if not any(docs):  # rank_bm25 divides by a zero average length
        docs[0] = [vocab[0]]
    return docs


def random_query(rng: random.Random, docs: list[list[str]]) -> list[str]:
    vocab = sorted({t for d in docs for t in d})
    query = [rng.choice(vocab) for _ in range(rng.randint(0, 6))]
    if rng.random() < 0.3:
        query.append("unknown-term")
    if query and rng.random() < 0.3:
        query += query[: rng.randint(1, len(query))]  # repeated terms count again
    rng.shuffle(query)
    return query


@pytest.mark.parametrize("seed", range(40))
def test_random_corpora_match_rank_bm25(seed: int) -> None:
    rng = random.Random(seed)
    docs = random_corpus(rng)
    reference = BM25Okapi(docs)
    index = BM25Index.from_tokens(docs)
    n = len(docs)
    for _ in range(25):
        query = random_query(rng, docs)
        expected = reference.get_scores(query)
        got = index.scores_for_terms(query)
        assert np.allclose(got, expected, rtol=0, atol=1e-6)
        # Summed in rank_bm25's order, the scores are equal bit for bit, so ties agree.
        assert np.array_equal(got, expected)
        for k in (1, 3, 10, n, n + 7):
            assert index.search_terms(query, k) == reference_top(expected, k), (query, k)
        allowed = np.array([rng.random() < 0.5 for _ in range(n)], dtype=bool)
        assert index.search_terms(query, 10, allowed) == reference_top(expected, 10, allowed)


def test_ties_break_by_position() -> None:
    docs = [["b", "x"], ["a", "x"], ["a", "y"], ["c"], ["a", "x"], ["a", "y"]]
    index = BM25Index.from_tokens(docs)
    expected = BM25Okapi(docs).get_scores(["a"])
    assert index.search_terms(["a"], 10) == reference_top(expected, 10)
    assert [p for p, _ in index.search_terms(["a"], 2)] == [1, 2]


def test_negative_idf_ranks_unmatched_passages_first_as_rank_bm25_does() -> None:
    # "common" is in 4 of 5 documents: its idf is floored, not negative, but "half" sits at
    # exactly N/2 in a 4-document corpus and weighs 0; both cases order like rank_bm25.
    docs = [["common", "a"], ["common", "b"], ["common"], ["common", "half"], ["half"]]
    index = BM25Index.from_tokens(docs)
    reference = BM25Okapi(docs)
    for query in (["common"], ["half"], ["half", "common"], ["zzz"], []):
        expected = reference.get_scores(query)
        assert index.search_terms(query, 10) == reference_top(expected, 10)


def test_tiny_corpus_with_negative_scores() -> None:
    # Two documents: the shared term's idf is log(0.5/2.5) < 0 and the floor is negative too.
    docs = [["iran", "iraq"], ["iran", "syria"], ["other"]]
    reference = BM25Okapi(docs)
    index = BM25Index.from_tokens(docs)
    for query in (["iran"], ["iran", "iraq"], ["iraq", "iraq"]):
        expected = reference.get_scores(query)
        assert np.array_equal(index.scores_for_terms(query), expected)
        assert index.search_terms(query, 3) == reference_top(expected, 3)


def test_k_edge_cases() -> None:
    docs = [["a"], ["b"], ["a", "b"]]
    index = BM25Index.from_tokens(docs)
    assert index.search_terms(["a"], 0) == []
    assert len(index.search_terms(["a"], 50)) == 3
    assert index.search_terms([], 2) == [(0, 0.0), (1, 0.0)]
    assert BM25Index.from_tokens([]).search_terms(["a"], 5) == []
    assert len(BM25Index.from_tokens([])) == 0


def test_large_corpus_dense_path_matches_rank_bm25() -> None:
    # Enough passages for the bincount-and-floor path, with terms in most passages.
    rng = random.Random(5)
    vocab = [f"w{i}" for i in range(3000)]
    weights = [1 / (i + 2) ** 1.1 for i in range(len(vocab))]
    docs = [rng.choices(vocab, weights, k=rng.randint(5, 60)) for _ in range(4000)]
    reference = BM25Okapi(docs)
    index = BM25Index.from_tokens(docs)
    allowed = np.array([i % 3 != 0 for i in range(len(docs))])
    for _ in range(60):
        # Frequent terms take the bincount path; rare ones alone the sort of few postings.
        frequent = rng.choices(vocab[:40], k=rng.randint(1, 4)) if rng.random() < 0.7 else []
        query = frequent + rng.choices(vocab[1000:], k=rng.randint(1, 3))
        expected = reference.get_scores(query)
        assert np.array_equal(index.scores_for_terms(query), expected)
        assert index.search_terms(query, 10) == reference_top(expected, 10)
        assert index.search_terms(query, 25, allowed) == reference_top(expected, 25, allowed)


# -- building from text -----------------------------------------------------------------

def test_build_equals_from_tokens_with_the_analyzer() -> None:
    texts = sample_texts() * 2
    analyzer = default_analyzer()
    built = BM25Index.build(texts)
    reference = BM25Index.from_tokens([analyzer(t) for t in texts])
    assert built.vocabulary == reference.vocabulary
    for name in ("idf", "indptr", "doc_ids", "weights", "doc_lengths"):
        assert np.array_equal(getattr(built, name), getattr(reference, name)), name


def test_build_reports_progress() -> None:
    seen: list[tuple[int, int]] = []
    BM25Index.build(["Iran and Iraq"] * 4500, progress=lambda done, total: seen.append((done, total)))
    assert seen[0] == (0, 4500) and seen[-1] == (4500, 4500)


def test_build_with_an_analyzer_subclass_uses_the_subclass() -> None:
    class Upper(Analyzer):
        def __call__(self, text: str) -> list[str]:
            return [t.upper() for t in super().__call__(text)]

    index = BM25Index.build(["Iran pledges help", "Iraq"], analyzer=Upper())
    assert "IRAN" in index.vocabulary


def test_public_api_matches_rank_bm25_on_text() -> None:
    texts = [p.text for p in corpus_passages(load_corpus(ROOT / "corpus").articles)]
    index = BM25Index.build(texts, k1=1.5, b=0.75)
    reference = BM25Okapi([index.analyzer(t) for t in texts], k1=1.5, b=0.75)
    question = "Did Iran send troops to Iraq?"
    expected = reference.get_scores(index.analyzer(question))
    assert np.allclose(index.scores(question), expected, rtol=0, atol=1e-6)
    assert index.search(question, k=10) == reference_top(expected, 10)


@pytest.mark.skipif(not DEV_QUESTIONS.exists(), reason=DEV_QUESTIONS_MISSING)
def test_bundled_corpus_dev_questions_match_rank_bm25() -> None:
    passages = corpus_passages(load_corpus(ROOT / "corpus").articles)
    index = BM25Index.build([p.text for p in passages])
    reference = BM25Okapi([index.analyzer(p.text) for p in passages])
    questions = [json.loads(line)["question"] for line in DEV_QUESTIONS.read_text().splitlines() if line.strip()]
    assert questions
    for question in questions:
        terms = index.analyzer(question)
        expected = reference.get_scores(terms)
        assert np.allclose(index.scores_for_terms(terms), expected, rtol=0, atol=1e-6)
        assert index.search_terms(terms, 10) == reference_top(expected, 10), question


# -- persistence ------------------------------------------------------------------------


def test_save_and_load_round_trip(tmp_path: Path) -> None:
    texts = sample_texts()
    index = BM25Index.build(texts)
    path = tmp_path / "index.npz"
    index.save(path, extra={"note": "x"})
    loaded, extra = BM25Index.load(path)
    assert extra == {"note": "x"}
    assert loaded.vocabulary == index.vocabulary
    assert loaded.analyzer.settings == index.analyzer.settings
    for query in ("Did Iran send troops to Iraq?", "IS militants", "zzz"):
        assert loaded.search(query, 10) == index.search(query, 10)
        assert np.array_equal(loaded.scores(query), index.scores(query))


def test_load_rejects_another_format(tmp_path: Path) -> None:
    index = BM25Index.build(["Iran", "Iraq"])
    arrays = index.arrays()
    meta = json.loads(arrays["meta"].tobytes())
    meta["format"] = 999
    arrays["meta"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    path = tmp_path / "old.npz"
    np.savez(path, **arrays)
    with pytest.raises(ValueError, match="format 999"):
        BM25Index.load(path)


def test_batch_analysis_drops_links_and_markup_like_the_analyzer() -> None:
    analyzer = default_analyzer()
    texts = [
        "See https://evil.example/iran now <@123456789012345678> Iran",
        "Iran and Iraq (https://x.example/z) troops <#42>",
        "TROOPS IN IRAQ",
        "plain troops text",
    ] * 20
    assert analyze_all(texts) == [analyzer(t) for t in texts]
    index = BM25Index.build(texts)
    reference = BM25Okapi([analyzer(t) for t in texts])
    for query in ["iran troops", "evil example", "https"]:
        assert np.allclose(index.scores(query), reference.get_scores(analyzer(query)), atol=1e-6, rtol=0)
