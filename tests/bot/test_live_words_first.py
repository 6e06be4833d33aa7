"""The running bot and an archive saved by its words only (its reader vectors made in a second
step, retrieval/store/vectors.py): it answers by words meanwhile, then swaps in the archive
read for meaning, in the background."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

from bot.desk import Desk
from bot.live import LiveArchive
from bot.settings import Settings
from retrieval.index.scoring import MeaningAware
from retrieval.library import Library
from retrieval.store import vectors
from tests.paths import FIXTURE_CORPUS

QUESTION = "Why did engineers open the spillway of the Orin dam?"


async def test_a_bot_loaded_while_vectors_are_made_elsewhere_swaps_them_in_once_they_exist(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(FIXTURE_CORPUS, corpus)
    settings = dataclasses.replace(Settings(corpus_dir=corpus, semantic=True), watch_seconds=0.05)
    library = Library(corpus, semantic=True, analyzer=settings.analyzer())
    assert library.refresh(words_first=True).vectors_pending  # saved by its words only
    with vectors.making_vectors(library.places.archive_file) as ours:  # as another process making them
        assert ours
        desk = Desk(library.load(), None, library=library)
        assert not isinstance(desk.archive.index, MeaningAware)  # loaded by its words
        assert desk.ask(QUESTION).answer.answered
        live = LiveArchive(desk, settings)
        await live.start_watching()
        assert not await live.check()
        assert live.reading is not None
        await live.reading  # the load finds them still being made: the words keep answering
        assert not isinstance(desk.archive.index, MeaningAware)
    assert not await live.check()  # no corpus change, but the archive is read for meaning now
    assert live.reading is not None
    await live.reading
    assert isinstance(desk.archive.index, MeaningAware) and not library.vectors_pending()
    assert desk.ask(QUESTION).answer.answered
    live.stop()
