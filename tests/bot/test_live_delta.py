"""The running bot applies corpus changes in memory as deltas, and merges them in the background."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot import live as live_module
from bot.live import LiveArchive
from retrieval.archive import Archive
from retrieval.index.changes import delta_size
from retrieval.ingest.pages import ingest_file
from retrieval.store import delta as store_delta
from retrieval.store.saved import load_or_build
from tests.bot.test_live import PIER_QUESTION, answered, corpus, desk_for  # noqa: F401 - fixture
from tests.paths import HTML_DIR


def no_loading() -> Archive:
    raise AssertionError("the archive was loaded again instead of changed in memory")


async def test_changes_are_applied_in_memory_without_loading(corpus: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    monkeypatch.setattr(store_delta, "DELTA_MAX_SHARE", 1.0)
    desk, settings = desk_for(corpus)
    live = LiveArchive(desk, settings, load=no_loading)
    await live.start_watching()
    added = ingest_file(HTML_DIR / "article.html", corpus).path
    assert await live.check() and answered(desk, PIER_QUESTION)
    assert delta_size(desk.archive)[0] == 1
    added.unlink()
    assert await live.check() and not answered(desk, PIER_QUESTION)
    assert delta_size(desk.archive)[0] == 2
    assert sorted(a.id for a in desk.archive.articles) == sorted(a.id for a in load_or_build(corpus, semantic=False).articles)


async def test_deltas_are_merged_in_the_background_into_a_new_saved_base(
    corpus: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture  # noqa: F811
) -> None:
    monkeypatch.setattr(live_module, "MERGE_SEGMENTS", 2)
    monkeypatch.setattr(store_delta, "DELTA_MAX_SHARE", 1.0)
    desk, settings = desk_for(corpus)
    live = LiveArchive(desk, settings)
    await live.start_watching()
    added = ingest_file(HTML_DIR / "article.html", corpus).path
    assert await live.check() and live._merging is None
    added.write_text(added.read_text(encoding="utf-8") + "\nThe pier reopens in May.\n", encoding="utf-8")
    assert await live.check() and live._merging is not None
    await live._merging
    assert live.merges == 1 and delta_size(desk.archive) == (0, 0) and answered(desk, PIER_QUESTION)
    caplog.set_level(logging.INFO)
    load_or_build(corpus, semantic=False)  # the merge saved the new base: nothing to rebuild or apply
    assert any(r.getMessage().startswith("loaded index") for r in caplog.records)
    assert not any("as a delta" in r.getMessage() or "; rebuilding" in r.getMessage() for r in caplog.records)
