"""An archive changed in place of a rebuild (delta segment, removed articles) answers as the rebuild does."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from retrieval.archive import Archive
from retrieval.corpus import Article, load_corpus
from retrieval.index.meaning import FusedScorer
from tests.paths import ROOT
from retrieval.answer.answerer import ask, understand
from retrieval.index.changes import apply_changes

QUESTIONS = [
    "What did Iran pledge to Iraq?",
    "Who leads the militants?",
    "oil prices",
    "baghdad government minister",
    "elections",
]


@pytest.fixture(scope="module")
def articles() -> list[Article]:
    return load_corpus(ROOT / "corpus").articles


def scores_by_passage(archive: Archive, question: str) -> dict[str, float]:
    terms = understand(archive, question).terms
    ranked = archive.index.search_terms(terms, k=len(archive.passages))
    return {archive.passages[p].id: s for p, s in ranked if s != 0.0}


def assert_same_answers(changed: Archive, rebuilt: Archive) -> None:
    assert sorted(a.id for a in changed.articles) == sorted(a.id for a in rebuilt.articles)
    for question in QUESTIONS:
        assert scores_by_passage(changed, question) == scores_by_passage(rebuilt, question), question
        ours, theirs = ask(changed, question, 5), ask(rebuilt, question, 5)
        assert ours.answered == theirs.answered, question
        assert [(e.passage_id, e.excerpt, e.score) for e in ours.results] == [
            (e.passage_id, e.excerpt, e.score) for e in theirs.results
        ], question


def test_added_articles_score_exactly_as_a_rebuild(articles: list[Article]) -> None:
    base = Archive.build(articles[:-4])
    changed = apply_changes(apply_changes(base, articles[-4:-2]), articles[-2:])
    assert_same_answers(changed, Archive.build(articles))
    assert len(base.passages) < len(changed.passages)  # the base archive is left as it was
    sentences = list(changed.all_sentences)  # the windows' lengths and heading flags cover the delta
    assert changed.tables.sentence_chars.tolist() == [len(s) for s in sentences]
    assert changed.tables.sentence_headings.tolist() == [h for p in changed.passages for h in p.heading_flags]


def test_removed_and_replaced_articles_leave_the_answers(articles: list[Article]) -> None:
    removed, edited = articles[1], articles[3]
    new_version = dataclasses.replace(edited, body=edited.body + "\n\nA late paragraph about desalination plants.")
    changed = apply_changes(Archive.build(articles), [new_version], removed=[removed.id])
    live = [a for a in articles if a.id not in (removed.id, edited.id)] + [new_version]
    rebuilt = Archive.build(live)
    assert removed.id not in {a.id for a in changed.articles}
    assert changed.sentences(edited.id) == rebuilt.sentences(edited.id)
    for question in QUESTIONS + ["desalination plants"]:
        ours, theirs = scores_by_passage(changed, question), scores_by_passage(rebuilt, question)
        assert ours.keys() == theirs.keys(), question
        assert np.allclose([ours[k] for k in ours], [theirs[k] for k in ours], rtol=1e-12, atol=0), question
    answer = ask(changed, "desalination plants", 3)
    assert answer.results and answer.results[0].article_id == edited.id
    assert "desalination" in answer.results[0].excerpt
    assert all(e.article_id != removed.id for q in QUESTIONS for e in ask(changed, q, 10).results)


def test_spelling_knows_the_new_words_and_forgets_the_removed_ones(articles: list[Article]) -> None:
    extra = Article("zz-new", "Quokka census", "Desk", articles[0].published, "Quokkas were counted on Rottnest island.")
    grown = apply_changes(Archive.build(articles), [extra])
    assert grown.speller().knows("quokkas")
    shrunk = apply_changes(grown, [], removed=["zz-new"])
    assert not shrunk.speller().knows("quokkas")
    assert shrunk.index.document_frequency(shrunk.analyzer("quokkas")[0]) == 0


def test_passage_vectors_cover_the_delta(articles: list[Article]) -> None:
    pytest.importorskip("wordllama")
    base = Archive.build(articles[:-2], scorer=FusedScorer.build)
    changed = apply_changes(base, articles[-2:])
    rebuilt = Archive.build(articles, scorer=FusedScorer.build)
    assert isinstance(changed.index, FusedScorer)
    assert np.array_equal(changed.index.vectors, rebuilt.index.vectors)
    assert_same_answers(changed, rebuilt)
