"""The running bot answers from files copied into the corpus by their words at once, and reads
them for meaning afterwards, in the background (bot/live.py): the reader's vectors of the new
passages are made in a thread of their own, then the archive with them is swapped in."""

from __future__ import annotations

import dataclasses
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.desk import Desk
from bot.live import LiveArchive
from bot.settings import Settings
from retrieval.archive import Archive
from retrieval.index.meaning import FusedScorer
from retrieval.index.scoring import MeaningAware
from retrieval.ingest.pages import ingest_file
from retrieval.library import Library
from retrieval.library import core as library_core
from tests.paths import HTML_DIR, ROOT

PIER_QUESTION = "Why was the Harbour Town pier closed?"
KEEPER_QUESTION = "Who is the lighthouse keeper Ingrid Solberg?"


class Arrivals:
    """Records what the live archive fires (the real hook's checks are tested elsewhere)."""

    def __init__(self) -> None:
        self.fired: list[list[str]] = []

    def fire_soon(self, article_ids: list[str], *, source: str) -> None:
        self.fired.append(list(article_ids))

    def stop(self) -> None:
        pass


class HeldReader:
    """The reading of new passages for meaning, held until the test lets it go."""

    def __init__(self) -> None:
        self.go = threading.Event()
        self.read: list[int] = []  # how many new passages each reading read

    def __call__(self, archive: Archive, read: FusedScorer) -> Archive:
        if not self.go.wait(timeout=120):  # only if the test failed before letting it go
            raise RuntimeError("the test never let the reading go")
        self.read.append(len(archive.passages) - len(read))
        return real_with_new_vectors(archive, read)


real_with_new_vectors = library_core.with_new_vectors


@pytest.fixture
def held(monkeypatch: pytest.MonkeyPatch) -> Iterator[HeldReader]:
    reader = HeldReader()
    monkeypatch.setattr(library_core, "with_new_vectors", reader)
    try:
        yield reader
    finally:
        reader.go.set()  # never leave a thread waiting


def top_result(desk: Desk, question: str) -> tuple[str, str, float]:
    result = desk.ask(question).answer.results[0]
    return result.article_id, result.excerpt, round(result.score, 4)


async def test_a_file_copied_in_is_answered_by_its_words_before_its_vectors_are_made(
    tmp_path: Path, held: HeldReader
) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(ROOT / "corpus", corpus, ignore=shutil.ignore_patterns(".index"))
    settings = dataclasses.replace(Settings(corpus_dir=corpus, semantic=True), watch_seconds=0.05)
    library = Library(corpus, semantic=True, analyzer=settings.analyzer())
    desk = Desk(library.load(), None, library=library)
    assert isinstance(desk.archive.index, MeaningAware)
    arrivals = Arrivals()
    live = LiveArchive(desk, settings, arrivals=arrivals)  # type: ignore[arg-type]
    await live.start_watching()
    assert not desk.ask(PIER_QUESTION).answer.answered
    before = len(desk.archive.passages)

    added = ingest_file(HTML_DIR / "article.html", corpus).path
    assert await live.check()  # returns while the reading is held
    first = len(desk.archive.passages)
    assert not isinstance(desk.archive.index, MeaningAware)  # by its words, meanwhile
    assert desk.ask(PIER_QUESTION).answer.answered
    assert arrivals.fired == []  # watches and late answers wait for the reader

    # A change during the reading is applied by its words too, and read in a second round.
    added.write_text(added.read_text(encoding="utf-8") + "\nThe lighthouse keeper, Ingrid Solberg, welcomed the vote.\n", encoding="utf-8")
    assert await live.check() and desk.ask(KEEPER_QUESTION).answer.answered
    assert live.reading_new is not None and not live.reading_new.done()
    second = len(desk.archive.passages)

    held.go.set()
    await live.reading_new
    assert isinstance(desk.archive.index, MeaningAware)
    assert held.read == [first - before, second - first]  # the second round reads only what came since
    assert arrivals.fired == [[added.stem]]
    # What it answers now is what an archive built with the reader from the start answers.
    rebuilt = Desk(Library(corpus, semantic=True, analyzer=settings.analyzer()).load(merge=True), None)
    assert isinstance(rebuilt.archive.index, MeaningAware)
    for question in (PIER_QUESTION, KEEPER_QUESTION):
        assert top_result(desk, question) == top_result(rebuilt, question)
    live.stop()


async def test_a_reading_that_fails_leaves_the_words_answering_and_the_arrivals_fired(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(archive: Archive, read: FusedScorer) -> Archive:
        raise MemoryError("no room for the vectors")

    monkeypatch.setattr(library_core, "with_new_vectors", broken)
    corpus = tmp_path / "corpus"
    shutil.copytree(ROOT / "corpus", corpus, ignore=shutil.ignore_patterns(".index"))
    settings = Settings(corpus_dir=corpus, semantic=True)
    library = Library(corpus, semantic=True, analyzer=settings.analyzer())
    desk = Desk(library.load(), None, library=library)
    arrivals = Arrivals()
    live = LiveArchive(desk, settings, arrivals=arrivals)  # type: ignore[arg-type]
    await live.start_watching()
    added = ingest_file(HTML_DIR / "article.html", corpus).path
    assert await live.check() and live.reading_new is not None
    await live.reading_new
    assert not isinstance(desk.archive.index, MeaningAware) and desk.ask(PIER_QUESTION).answer.answered
    assert arrivals.fired == [[added.stem]]
    live.stop()
