"""An article longer than the reader reads: its first passages have vectors, the rest none,
and every way the archive is made (one step, words first then vectors, a delta, a saved copy)
agrees; the answering rules rank and judge a passage without a vector by its words."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from retrieval.answer.answerer import ask
from retrieval.answer.ordering import UNREAD_SPREAD, spread
from retrieval.archive import Archive
from retrieval.corpus import Article, format_article
from retrieval.text import passages
from retrieval.index.changes import apply_changes
from retrieval.index.meaning import FusedScorer
from retrieval.store.saved import load_or_build
from retrieval.store.vectors import with_vectors

READ = 2
DAY = dt.date(2024, 3, 1)
# Six paragraphs, each a passage of its own (each well over the shortest passage).
LONG = Article(
    "harbour-works",
    "Harbour works",
    "Harbour Wire",
    DAY,
    "\n\n".join(
        [
            "The harbour board met on Monday to discuss the works planned for the old quay this spring.",
            "Engineers told the board that the sea wall needed new stone along most of its length.",
            "Fishermen asked the board to keep one berth open for their boats during the works.",
            "The board agreed to move the fish market to the north pier until the end of June.",
            "A new lighthouse keeper, Marta Olsen, will start work at the harbour in September.",
            "The works are expected to cost about four million crowns, the board's treasurer said.",
        ]
    ),
)
SHORT = Article(
    "ferries",
    "Ferries return",
    "Harbour Wire",
    DAY,
    "The ferries returned to the harbour after the storm, and passengers crowded the quay on Wednesday.",
)
QUESTION = "Who is the new lighthouse keeper at the harbour?"


@pytest.fixture(autouse=True)
def few_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(passages, "MAX_READ_PASSAGES", READ)


def test_only_an_articles_first_passages_get_vectors_and_the_rest_is_found_by_words() -> None:
    archive = Archive.build([SHORT, LONG], scorer=FusedScorer.build)
    index = archive.index
    assert isinstance(index, FusedScorer)
    numbers = [p.number for p in archive.passages]
    assert numbers == [1, 1, 2, 3, 4, 5, 6]
    assert index.read.tolist() == [n <= READ for n in numbers]
    assert set(index.units[:, 0].tolist()) == {0, 1, 2}
    similarity = index.similarities(QUESTION, range(len(numbers)))
    assert np.isfinite(similarity[:3]).all() and np.isnan(similarity[3:]).all()
    assert all(index.read[p] for p, _ in index.nearest(QUESTION, 10))
    assert index.best_unit(QUESTION, 5) == (0, 0)

    answer = ask(archive, QUESTION, 1)
    assert answer.answered and "Marta Olsen" in answer.results[0].excerpt
    assert answer.evidence is not None and not answer.evidence.read  # judged by its words
    # A passage that was read is judged with its meaning, as before.
    read = ask(archive, "When did the ferries return to the harbour?", 1)
    assert read.answered and read.evidence is not None and read.evidence.read


def test_every_way_of_making_the_archive_reads_the_same_passages(tmp_path: Path) -> None:
    one_step = Archive.build([SHORT, LONG], scorer=FusedScorer.build)
    words_first = with_vectors(Archive.build([SHORT, LONG]))
    delta = apply_changes(Archive.build([SHORT], scorer=FusedScorer.build), [LONG])
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for article in (SHORT, LONG):
        (corpus / f"{article.id}.md").write_text(format_article(article), encoding="utf-8")
    load_or_build(corpus, tmp_path / "index")
    saved = load_or_build(corpus, tmp_path / "index")
    for other in (words_first, delta, saved):
        assert isinstance(other.index, FusedScorer)
        assert other.index.read.tolist() == one_step.index.read.tolist()
        assert np.array_equal(other.index.units, one_step.index.units)
        assert ask(other, QUESTION, 1).results == ask(one_step, QUESTION, 1).results


def test_a_candidate_without_a_cosine_sits_in_the_middle_of_the_spread() -> None:
    values = spread(np.array([0.2, np.nan, 0.6, 0.4]))
    assert values.tolist() == pytest.approx([0.0, UNREAD_SPREAD, 1.0, 0.5])
    assert spread(np.array([np.nan, np.nan])).tolist() == [UNREAD_SPREAD, UNREAD_SPREAD]
