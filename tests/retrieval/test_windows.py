"""Sentence windows: a candidate is scored by the best run of sentences an excerpt could show."""

from __future__ import annotations

import datetime as dt

import numpy as np

from retrieval.text.analyzer import default_analyzer
from retrieval.archive import Archive
from retrieval.corpus import Article
from retrieval.text.passages import is_heading
from retrieval.index.scoring import FusionWeights, fuse
from retrieval.index.meaning import FusedScorer
from retrieval.text.sentences import SentenceTerms
from retrieval.answer.windows import Regions, Sentences, best_windows
from retrieval.answer.answerer import ask

ANALYZER = default_analyzer()
LONG = (
    "Crews on the quay spent most of the afternoon moving nets, crates and spare rope into the new sheds, "
    "while visitors watched from the sea wall and children chased gulls along the slipway."
)


def _windows(sentences: list[str], regions: list[tuple[int, int, int, int]], question: str, max_chars: int = 400):
    """Best windows of ``regions`` given as (passage first, passage end, article first, article end)."""
    terms = SentenceTerms.build(sentences, ANALYZER)
    weights = {i: 1.0 for t, i in terms.query_ids(ANALYZER(question)).items()}
    return best_windows(Regions.of(regions), Sentences(sentences, terms, is_heading), weights, max_chars).windows


def test_the_window_holding_the_question_words_together_wins_over_one_that_spreads_them() -> None:
    sentences = [
        "The lighthouse keeper retired in May.",
        LONG,
        "Repairs went on all winter.",
        "The lighthouse reopens to visitors in April, the keeper said.",
    ]
    (first, end, score), = _windows(sentences, [(0, 4, 0, 4)], "when does the lighthouse reopen to visitors")
    assert (first, end) == (3, 4)
    assert score > 0


def test_a_window_reaches_two_sentences_past_its_passage_but_never_past_its_article() -> None:
    sentences = [
        "The weather was mild on Monday.",
        "The harbour board met on Tuesday.",
        "It approved the new timetable.",
        "Ferry fares will rise with it.",
        "Ferry fares and the timetable were all the talk.",
    ]
    # Passage = sentence 1 of an article of sentences 0-4: the answer runs two sentences past
    # it (2-3); sentence 4 holds every word too, but lies three sentences away.
    (first, end, _), = _windows(sentences, [(1, 2, 0, 5)], "ferry timetable fares")
    assert (first, end) == (1, 4)
    # The same passage in an article that ends after it: the window stays inside.
    (first, end, _), = _windows(sentences, [(1, 2, 1, 2)], "ferry timetable fares")
    assert (first, end) == (1, 2)


def test_a_heading_is_never_joined_to_other_sentences_in_a_window() -> None:
    sentences = [
        "Storm warning for the northern ferry",
        "The northern ferry was cancelled because of the storm.",
    ]
    (first, end, _), = _windows(sentences, [(0, 2, 0, 2)], "northern ferry storm")
    assert end - first == 1


def test_a_window_fits_the_excerpt_budget() -> None:
    sentences = ["The dam was inspected by engineers on Monday."] * 3 + [LONG]
    (first, end, _), = _windows(sentences, [(0, 4, 0, 4)], "dam engineers", max_chars=100)
    assert sum(len(s) + 1 for s in sentences[first:end]) - 1 <= 100


def test_a_passage_without_question_words_scores_nothing() -> None:
    sentences = ["Rain fell in Oslo.", "The dam was inspected."]
    results = _windows(sentences, [(0, 1, 0, 1), (1, 2, 1, 2)], "dam inspected")
    assert results[0][2] == 0.0
    assert results[1][2] > 0


def test_context_is_the_question_weight_in_the_passage_and_two_sentences_either_side() -> None:
    sentences = ["Ferry fares rose.", "The harbour board met.", "It approved a timetable.", "Rain fell.", "Snow too.", "Ferry news."]
    terms = SentenceTerms.build(sentences, ANALYZER)
    ids = terms.query_ids(ANALYZER("ferry timetable rain snow"))
    weights = {ids["ferri"]: 1.0, ids["timet"]: 2.0, ids["rain"]: 4.0, ids["snow"]: 8.0}
    # Passage = sentence 2: its reach is 0-4 (ferry, timetable, rain, snow), not sentence 5;
    # alone in its article, only its own timetable.
    regions = Regions.of([(2, 3, 0, 6), (2, 3, 2, 3)])
    scored = best_windows(regions, Sentences(sentences, terms, is_heading), weights, 400)
    assert scored.context.tolist() == [15.0, 2.0]
    # Passage = sentence 5: the timetable, three sentences back, is out of reach.
    regions = Regions.of([(5, 6, 0, 6)])
    scored = best_windows(regions, Sentences(sentences, terms, is_heading), weights, 400)
    assert scored.context.tolist() == [13.0]


def test_fusion_ranks_the_candidate_with_the_better_window_first_when_all_else_ties() -> None:
    ranked = [(0, 2.0), (1, 2.0)]
    order = fuse(ranked, FusionWeights(bm25=0.5, meaning=0.0, context=0.0, window=0.5), windows=np.array([1.0, 3.0]))
    assert [p for p, _ in order] == [1, 0]


def _story(key: str, day: int, body: str) -> Article:
    return Article(key, key.title(), "Gazette", dt.date(2020, 3, day), body)


def test_the_answer_prefers_the_passage_that_answers_in_one_place_over_a_better_bm25_one() -> None:
    # Both passages hold every question word; the shorter one (BM25's first) spreads them
    # further apart than an excerpt can show, the other holds them in one sentence.
    market = (
        "Fishing boats came and went all day, and the market stalls by the harbour sold crab, mackerel and "
        "bread until the evening bell rang across the square."
    )
    spread = _story(
        "spread", 2, f"The council met. {market} The lighthouse was discussed. {LONG} Repairs were mentioned. It may reopen."
    )
    together = _story(
        "together",
        3,
        f"{market} The council said the lighthouse may reopen after repairs. {LONG} {market.replace('Fishing', 'Small')}",
    )
    notes = ["Rain is expected on the hills.", "Bread prices rose.", "Trains ran late.", "The choir sang."]
    others = [_story(f"other-{n}", 4 + n, text) for n, text in enumerate(notes)]
    archive = Archive.build([spread, together, *others], scorer=FusedScorer.build)
    question = "when may the council reopen the lighthouse after repairs"
    assert archive.index.search(question, 1)[0][0] == 0  # BM25 alone puts the spread passage first
    answer = ask(archive, question, 1)
    assert answer.answered
    assert answer.results[0].article_id == "together"
