"""`newsdesk ingest` with the reader on: the pages are searchable by their words first, and read
for meaning in a second step whose answers are a one-step build's (retrieval/store/vectors.py)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import main
from retrieval.library import Library
from retrieval.store import vectors
from retrieval.store.places import Places
from tests.paths import HTML_DIR

PAGES = ("article.html", "domain-brand.html", "standfirst.html", "messy-body.html", "headline-and-section.html")
QUESTIONS = (
    "What did the Harbour Town council vote on?",
    "Where did the lander touch down?",
    "Which flood barrier did the council approve?",
)


@pytest.fixture
def corpus(empty_corpus: Path, monkeypatch: pytest.MonkeyPatch, reader_on: None) -> Path:
    monkeypatch.delenv("NEWSDESK_INDEX", raising=False)
    return empty_corpus


@pytest.fixture
def pages(tmp_path: Path) -> Path:
    folder = tmp_path / "pages"
    folder.mkdir()
    for name in PAGES:
        shutil.copy(HTML_DIR / name, folder / name)
    return folder


def ask(question: str) -> dict:
    result = CliRunner().invoke(main, ["ask", "--no-log", "--json", question], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def answers() -> list[dict]:
    return [ask(q) for q in QUESTIONS]


def cited(answer: dict) -> list[tuple[str, str]]:
    return [(r["article_id"], r["excerpt"]) for r in answer["results"]]


def one_step_answers(corpus: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[dict]:
    """The same corpus files, indexed by a plain load (one step, the vectors built with the index)."""
    copy = tmp_path / "copy"
    copy.mkdir()
    for path in corpus.glob("*.md"):
        shutil.copy2(path, copy / path.name)
    monkeypatch.setenv("NEWSDESK_CORPUS", str(copy))
    try:
        return answers()
    finally:
        monkeypatch.setenv("NEWSDESK_CORPUS", str(corpus))


def interrupt(*args: object, **kwargs: object) -> None:
    raise KeyboardInterrupt


def test_ingest_says_when_searchable_then_when_read_and_answers_as_a_one_step_build(
    corpus: Path, pages: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    result = CliRunner().invoke(main, ["ingest", str(pages)])
    assert result.exit_code == 0, result.output
    searchable = result.output.index("searchable now by their words, read for meaning next")
    assert result.output.index("read for meaning: ") > searchable
    assert not Library(corpus).vectors_pending()
    two_steps = answers()
    assert all(a["answered"] for a in two_steps), [a for a in two_steps if not a["answered"]]
    assert two_steps == one_step_answers(corpus, monkeypatch, tmp_path)


def test_pages_are_searchable_by_their_words_while_their_vectors_are_made_elsewhere(
    corpus: Path, pages: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(vectors, "with_vectors", interrupt)  # stops after the first step
    CliRunner().invoke(main, ["ingest", str(pages)])
    assert Library(corpus).vectors_pending()
    monkeypatch.undo()
    monkeypatch.setenv("NEWSDESK_CORPUS", str(corpus))
    monkeypatch.setenv("NEWSDESK_READER", "on")
    archive_file = Places(corpus, None).archive_file
    with vectors.making_vectors(archive_file) as ours:  # as another process making them would
        assert ours
        meanwhile = answers()
        assert Library(corpus).vectors_pending()  # asking did not make them: the other process does
    monkeypatch.setenv("NEWSDESK_READER", "off")
    # Answered by words: the articles and excerpts the reader-off archive gives, in its order.
    assert [cited(a) for a in meanwhile] == [cited(a) for a in answers()]
    assert all(a["answered"] for a in meanwhile)


def test_ctrl_c_while_reading_keeps_the_pages_and_the_next_load_reads_them(
    corpus: Path, pages: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    with monkeypatch.context() as patch:
        patch.setattr(vectors, "with_vectors", interrupt)
        stopped = CliRunner().invoke(main, ["ingest", str(pages)])
    assert stopped.exit_code == 130
    assert "searchable now by their words" in stopped.output
    assert "reading for meaning interrupted: the pages stay searchable" in stopped.output
    assert len(list(corpus.glob("*.md"))) == 5 and Library(corpus).vectors_pending()
    after = answers()  # this load makes the vectors, and saves them
    assert not Library(corpus).vectors_pending()
    assert after == one_step_answers(corpus, monkeypatch, tmp_path)


def test_the_next_ingest_reads_for_meaning_what_an_interrupted_one_left(
    corpus: Path, pages: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with monkeypatch.context() as patch:
        patch.setattr(vectors, "with_vectors", interrupt)
        CliRunner().invoke(main, ["ingest", str(pages)])
    assert Library(corpus).vectors_pending()
    again = CliRunner().invoke(main, ["ingest", str(pages)])
    assert again.exit_code == 0, again.output
    assert "read for meaning: " in again.output and "0 added" in again.output
    assert not Library(corpus).vectors_pending()


def test_ingest_json_saves_by_words_first_and_says_when_searchable_and_when_read(
    corpus: Path, pages: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    seen_before_reading: list[bool] = []
    real = vectors.with_vectors

    def reading(*args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        seen_before_reading.append(Library(corpus).vectors_pending())  # saved by its words already
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(vectors, "with_vectors", reading)
    result = CliRunner().invoke(main, ["ingest", str(pages), "--json"])
    assert result.exit_code == 0, result.output
    index = json.loads(result.stdout)["index"]  # exactly one object, printed once both steps are done
    assert seen_before_reading == [True] and not Library(corpus).vectors_pending()
    assert index["state"] == "updated" and index["vectors"] == "done"
    assert 0 < index["searchable_after_s"] <= index["vectors_done_after_s"]
    monkeypatch.undo()
    monkeypatch.setenv("NEWSDESK_CORPUS", str(corpus))
    monkeypatch.setenv("NEWSDESK_READER", "on")
    assert answers() == one_step_answers(corpus, monkeypatch, tmp_path)


def test_ingest_json_interrupted_while_reading_says_the_pages_are_searchable_but_not_read(
    corpus: Path, pages: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with monkeypatch.context() as patch:
        patch.setattr(vectors, "with_vectors", interrupt)
        stopped = CliRunner().invoke(main, ["ingest", str(pages), "--json"])
    assert stopped.exit_code == 130
    index = json.loads(stopped.stdout)["index"]
    assert index["vectors"] == "interrupted" and index["vectors_done_after_s"] is None
    assert index["searchable_after_s"] > 0 and Library(corpus).vectors_pending()
    again = CliRunner().invoke(main, ["ingest", str(pages), "--json"])  # adds nothing, reads what was left
    assert again.exit_code == 0, again.output
    index = json.loads(again.stdout)["index"]
    assert index["vectors"] == "done" and index["vectors_done_after_s"] > 0 and not Library(corpus).vectors_pending()
    assert json.loads(again.stdout)["summary"].startswith("0 added")


def test_ingest_json_with_the_reader_off_says_so(corpus: Path, pages: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSDESK_READER", "off")
    result = CliRunner().invoke(main, ["ingest", str(pages / "article.html"), "--json"])
    index = json.loads(result.stdout)["index"]
    assert index["vectors"] == "off" and index["vectors_done_after_s"] is None and index["searchable_after_s"] > 0
