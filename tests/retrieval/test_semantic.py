"""Meaning-aware re-ranking: offline model, fusion of BM25 and similarity, saved vectors."""

from __future__ import annotations

import datetime as dt
import socket

import numpy as np
import pytest

from retrieval.text.analyzer import default_analyzer
from retrieval.archive import Archive
from retrieval.corpus import Article
from retrieval.index.bm25 import BM25Index
from retrieval.index.scoring import FusionWeights, MeaningAware, Scorer, fuse
from retrieval.index.meaning import MAX_EMBED_CHARS, Embedder, FusedScorer, _model
from retrieval.answer.answerer import ask

TEXTS = [
    "The army sent troops to the northern border on Monday, officials said.",
    "Bakers say the price of bread and flour rose again this week.",
    "The football club signed a new striker for the season.",
    "Soldiers were deployed near the frontier after the border clashes.",
    "Farmers expect a poor harvest because of the drought.",
]


def test_the_model_loads_from_the_installed_package_without_the_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the embedding model tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    _model.cache_clear()
    vectors = Embedder().embed(["troops at the border", ""])
    assert vectors.shape == (2, Embedder().dim)
    assert np.isclose(np.linalg.norm(vectors[0]), 1.0, atol=1e-5)
    assert not vectors[1].any()  # a text without tokens gets no direction, not NaN


def test_a_question_alone_gets_the_vector_it_gets_in_a_batch() -> None:
    texts = [*TEXTS, "", "   ", "Zoë's café in Baghdad?", "airstrikes " * 300]
    embedder = Embedder()
    batch = embedder.embed(texts)
    for text, vector in zip(texts, batch):
        assert np.array_equal(embedder.embed_one(text), vector), text


def test_the_model_never_sees_more_than_the_cap_of_one_text(monkeypatch: pytest.MonkeyPatch) -> None:
    # The model pads a batch to its longest text: one huge text must not set that length.
    model = _model(Embedder().dim)
    seen: list[int] = []
    real_embed = model.embed

    def spy(texts: list[str], *args: object, **kwargs: object) -> np.ndarray:
        seen.extend(len(text) for text in texts)
        return real_embed(texts, *args, **kwargs)

    monkeypatch.setattr(model, "embed", spy)
    huge = "troops crossed the border " * 40_000  # 1 MB
    embedder = Embedder()
    vectors = embedder.embed([TEXTS[0], huge])
    assert max(seen) == MAX_EMBED_CHARS
    assert np.array_equal(vectors[1], embedder.embed([huge[:MAX_EMBED_CHARS]])[0])
    assert np.array_equal(embedder.embed_one(huge), vectors[1])


def test_similar_meaning_scores_higher_than_shared_nothing() -> None:
    question, troops, bread = Embedder().embed(["where were soldiers sent", TEXTS[0], TEXTS[1]])
    assert float(question @ troops) > float(question @ bread) + 0.1


def test_fusion_with_bm25_alone_keeps_its_order_and_other_signals_settle_close_calls() -> None:
    ranked = [(7, 10.0), (3, 9.5), (5, 2.0)]
    similarity = np.array([0.1, 0.9, 0.95])
    context = np.array([0.5, 1.0, 1.0])
    assert [p for p, _ in fuse(ranked, FusionWeights(1.0, 0.0, 0.0), similarity, context)] == [7, 3, 5]
    # 9.5 vs 10 is a close call that meaning (or the words around) settles; 2.0 is too far behind.
    for weights in (FusionWeights(0.7, 0.3, 0.0), FusionWeights(0.7, 0.0, 0.3)):
        fused = fuse(ranked, weights, similarity, context)
        assert [p for p, _ in fused] == [3, 7, 5]
        assert fused[0][1] > fused[1][1] > fused[2][1]
    # A signal that is missing counts as nothing, not as an error.
    assert [p for p, _ in fuse(ranked, FusionWeights(0.7, 0.3, 0.0))] == [7, 3, 5]


def test_fusion_ties_keep_bm25_order_and_empty_is_empty() -> None:
    weights = FusionWeights(0.4, 0.3, 0.3)
    assert [p for p, _ in fuse([(4, 1.0), (2, 1.0)], weights, np.array([0.5, 0.5]))] == [4, 2]
    assert fuse([], weights, np.zeros(0), np.zeros(0)) == []


def test_fused_scorer_keeps_bm25_search_exactly_and_knows_meaning() -> None:
    analyzer = default_analyzer()
    fused = FusedScorer.build(TEXTS, analyzer)
    bm25 = BM25Index.build(TEXTS, analyzer=analyzer)
    assert isinstance(fused, Scorer) and isinstance(fused, MeaningAware)
    terms = analyzer("soldiers at the border")
    assert fused.search_terms(terms, 5) == bm25.search_terms(terms, 5)
    assert fused.document_frequency("border") == bm25.document_frequency("border") == 2
    similarity = fused.similarities("soldiers at the border", range(len(TEXTS)))
    # The two border stories are closer in meaning than bread, football or the harvest.
    assert set(np.argsort(-similarity)[:2].tolist()) == {0, 3}


def test_fused_scorer_round_trips_through_its_arrays() -> None:
    analyzer = default_analyzer()
    fused = FusedScorer.build(TEXTS, analyzer)
    again = FusedScorer.from_arrays(fused.arrays(), analyzer)
    assert np.array_equal(again.vectors, fused.vectors)
    assert np.array_equal(again.similarities("bread prices", [1, 4]), fused.similarities("bread prices", [1, 4]))


def test_vectors_that_do_not_fit_the_passages_are_rejected() -> None:
    bm25 = BM25Index.build(TEXTS, analyzer=default_analyzer())
    with pytest.raises(ValueError, match="do not fit"):
        FusedScorer(bm25, np.zeros((len(TEXTS) - 1, Embedder().dim), dtype=np.float16))


def test_an_archive_with_meaning_answers_a_question_in_other_words() -> None:
    articles = [
        Article(f"a{i}", f"Story {i}", "Wire", dt.date(2020, 1, i + 1), text) for i, text in enumerate(TEXTS)
    ]
    archive = Archive.build(articles, scorer=FusedScorer.build)
    answer = ask(archive, "were soldiers deployed to the border")
    assert answer.answered
    assert answer.results[0].article_id in {"a0", "a3"}
    assert answer.evidence is not None and answer.evidence.similarity > 0.3



BRIDGES = [
    Article(
        "marlow",
        "Marlow council",
        "Wire",
        dt.date(2021, 1, 1),
        "The Marlow town council voted for the river project on Tuesday evening, after a debate "
        "that lasted four hours.\n\nThe new bridge will cost 12 million euros, and work starts in "
        "the spring, the council said.",
    ),
    Article("ostend", "Ostend bridge", "Wire", dt.date(2021, 1, 2), "In Ostend, a new bridge will cost 30 million euros."),
    *(Article(f"f{i}", f"Filler {i}", "Wire", dt.date(2021, 2, i + 1), text) for i, text in enumerate(TEXTS[1:])),
]


@pytest.mark.parametrize("scorer", ["bm25", "fused"])
def test_the_words_around_a_passage_lift_it_above_one_that_only_shares_the_common_words(scorer: str) -> None:
    archive = Archive.build(BRIDGES, scorer=FusedScorer.build) if scorer == "fused" else Archive.build(BRIDGES)
    question = "how much will the new bridge in marlow cost"
    first_by_bm25 = archive.index.search_terms(archive.analyzer(question), 1)[0][0]
    assert archive.passages[first_by_bm25].article.id == "ostend"  # shorter, so BM25 prefers it
    answer = ask(archive, question)
    # Marlow is named in the paragraph before the cost: that passage answers the question.
    assert answer.results[0].article_id == "marlow" and "12 million" in answer.results[0].excerpt
    assert [r.score for r in answer.results] == sorted((r.score for r in answer.results), reverse=True)
