"""Warming an archive up (retrieval.answer.warm_up): the first question with a typo finds its speller made."""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import retrieval.answer.warm_up
from retrieval.archive import Archive
from retrieval.index.meaning import SemanticUnavailable
from retrieval.text.spelling import Speller
from retrieval.store.saved import load_or_build
from tests.paths import FIXTURE_CORPUS
from retrieval.answer.answerer import ask
from retrieval.answer.warm_up import warm_up

TYPO_QUESTION = "Why did engineers open the spilway of the Orin dam?"
QUESTIONS = (TYPO_QUESTION, "What did the storm do in Lumen Bay?", "Who won the chess final in Varn?")


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("index")
    load_or_build(FIXTURE_CORPUS, folder)  # built and saved once; each test loads a fresh archive
    return folder


def fresh(index_dir: Path) -> Archive:
    return load_or_build(FIXTURE_CORPUS, index_dir)


def test_after_warm_up_a_question_with_a_typo_is_corrected_without_making_a_speller(
    index_dir: Path, spellers_made: list[Speller]
) -> None:
    archive = fresh(index_dir)
    assert not spellers_made  # loading makes none: the first question with a typo would
    ready = warm_up(archive)
    assert {"English word list", "meaning model", "lemma tables", "speller", "answer path"} <= set(ready)
    assert len(spellers_made) == 1 and archive.speller() is spellers_made[0]

    answer = ask(archive, TYPO_QUESTION)
    assert answer.query is not None and answer.query.corrections == (("spilway", "spillway"),)
    assert answer.answered and "spillway of the Orin dam" in answer.results[0].excerpt
    assert len(spellers_made) == 1  # the warm-up's speller answered it
    warm_up(archive)  # again: nothing is made twice
    assert len(spellers_made) == 1


def test_a_cold_archive_makes_its_speller_on_the_first_typo_and_answers_as_a_warm_one(
    index_dir: Path, spellers_made: list[Speller]
) -> None:
    cold, warm = fresh(index_dir), fresh(index_dir)
    warm_up(warm)
    made_by_warm_up = len(spellers_made)
    for question in QUESTIONS:
        assert ask(cold, question, 3, more=2) == ask(warm, question, 3, more=2), question
    assert len(spellers_made) == made_by_warm_up + 1  # the cold archive's, on the typo


def test_warm_up_while_questions_are_asked_makes_one_speller_and_changes_no_answer(
    index_dir: Path, spellers_made: list[Speller]
) -> None:
    expected = {q: ask(fresh(index_dir), q) for q in QUESTIONS}
    spellers_made.clear()
    archive = fresh(index_dir)
    start = threading.Barrier(5)

    def asked(question: str):
        start.wait()
        return question, ask(archive, question)

    def warm() -> tuple[str, ...]:
        start.wait()
        return warm_up(archive)

    with ThreadPoolExecutor(5) as pool:
        warming = pool.submit(warm)
        answers = list(pool.map(asked, [*QUESTIONS, TYPO_QUESTION]))
        assert "speller" in warming.result()
    assert all(answer == expected[question] for question, answer in answers)
    assert len(spellers_made) == 1


@pytest.mark.parametrize(
    ("piece", "target", "error"),
    [
        ("lemma tables", "irregular_lemma", ImportError("No module named 'lemminflect'")),
        ("meaning model", None, SemanticUnavailable("the wordllama package is not installed")),
        ("English word list", "english_frequencies", None),
    ],
)
def test_a_missing_piece_is_logged_and_skipped_and_the_rest_is_loaded(
    index_dir: Path,
    spellers_made: list[Speller],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    piece: str,
    target: str | None,
    error: Exception | None,
) -> None:
    archive = fresh(index_dir)

    def missing(*args: object) -> object:
        if error is None:
            return {}  # what the English list's loader gives when symspellpy's file is gone
        raise error

    if target is None:
        monkeypatch.setattr(archive.index, "similarities", missing)
    else:
        monkeypatch.setattr(retrieval.answer.warm_up, target, missing)
    with caplog.at_level(logging.DEBUG, logger="retrieval.answer.warm_up"):
        ready = warm_up(archive)
    assert piece not in ready and "speller" in ready and len(spellers_made) == 1
    assert any(piece in r.getMessage() and r.levelno == logging.DEBUG for r in caplog.records)
