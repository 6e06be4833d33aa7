"""The scorer protocol: BM25 is one scorer; another plugs into the archive without editing it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np

from retrieval.text.analyzer import Analyzer
from retrieval.archive import Archive
from retrieval.corpus import Article
from retrieval.index.bm25 import BM25Index
from retrieval.index.scoring import Progress, Scorer, top_k
from retrieval.answer.answerer import ask

DAM = "Kurdish forces recaptured the strategic Mosul dam with American air support on Sunday."
ARTICLES = [
    Article(id="early", title="Dam retaken", source="Agency", published=dt.date(2014, 8, 18), body=DAM),
    Article(
        id="late",
        title="Dam inspected",
        source="Daily",
        published=dt.date(2014, 9, 1),
        body="Engineers inspected the Mosul dam that Kurdish forces recaptured last month.",
    ),
    Article(id="other", title="Weather", source="Daily", published=dt.date(2014, 9, 2), body="Rain fell in Oslo."),
]


class OldestFirst:
    """BM25 plus a second signal: among matching passages, the oldest article wins."""

    def __init__(
        self, texts: Sequence[str], analyzer: Analyzer, progress: Progress | None, numbers: Sequence[int] | None = None
    ) -> None:
        self.bm25 = BM25Index.build(texts, analyzer=analyzer, progress=progress)
        self.boost = np.arange(len(texts), 0, -1, dtype=np.float64) * 100.0  # earlier passages, earlier dates here

    def __len__(self) -> int:
        return len(self.bm25)

    def document_frequency(self, term: str) -> int:
        return self.bm25.document_frequency(term)

    def document_frequencies(self) -> np.ndarray:
        return self.bm25.document_frequencies()

    def search_terms(
        self, terms: Sequence[str], k: int = 10, allowed: np.ndarray | None = None
    ) -> list[tuple[int, float]]:
        scores = self.bm25.scores_for_terms(terms)
        scores = np.where(scores > 0, scores + self.boost, scores)
        if allowed is not None:
            scores = np.where(allowed, scores, -np.inf)
        return top_k(scores, k)


def test_bm25_index_is_a_scorer() -> None:
    assert isinstance(BM25Index.build(["Iran", "Iraq"]), Scorer)


def test_another_scorer_changes_the_order_but_not_the_answering_rules() -> None:
    question = "Who recaptured the Mosul dam?"
    plain = Archive.build(ARTICLES)
    boosted = Archive.build(ARTICLES, scorer=OldestFirst)
    assert isinstance(boosted.index, OldestFirst)
    assert ask(plain, question, limit=2).results[0].article_id == "late"
    assert ask(boosted, question, limit=2).results[0].article_id == "early"
    # Refusal still comes from the answering rules, whatever the scorer says.
    assert not ask(boosted, "What is the weather in Paris?").answered


def test_top_k_helper() -> None:
    scores = np.array([1.0, 3.0, -np.inf, 3.0, 2.0])
    assert top_k(scores, 3) == [(1, 3.0), (3, 3.0), (4, 2.0)]
    assert top_k(scores, 0) == []
