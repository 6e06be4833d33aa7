"""The Library: every change to an archive goes through it, and its results say what happened."""

from __future__ import annotations

import json

import datetime as dt
import shutil
from pathlib import Path

import pytest

from retrieval.library import (
    ArchiveAdminError, IndexState, IngestError, Library, NoSuchPage, Overrides, Places,
)
from retrieval.answer.answerer import ask
from retrieval.archive import Archive
from retrieval.ingest.fetch import FetchLimits
from tests.local_web import serve
from tests.paths import FIXTURE_CORPUS, HTML_DIR, SEEDS_DIR

PIER_QUESTION = "Why was the Harbour Town pier closed?"
PIER_URL = "https://ledger.example.org/news/2024/03/05/pier-rebuild"
LOCAL = FetchLimits(allow_private=True)  # the test pages are on this machine, on any free port


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    shutil.copytree(FIXTURE_CORPUS, folder, ignore=shutil.ignore_patterns(".index"))
    return folder


def library(corpus: Path, **settings: object) -> Library:
    return Library(corpus, semantic=False, **settings)  # type: ignore[arg-type]


def cites_the_pier(archive: Archive) -> bool:
    """Whether the pier article (tests/fixtures/html/article.html) answers the question about it."""
    return any(result.url == PIER_URL for result in ask(archive, PIER_QUESTION, 3).results)


def test_the_index_folder_and_the_feed_state_are_where_the_setting_says(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    assert Places(corpus).index_dir == corpus / ".index"
    assert Places(corpus).feed_state == corpus / ".feeds.json"  # with the corpus, not in the index cache
    assert Places(corpus, tmp_path / "cache").archive_file == tmp_path / "cache" / "archive.npz"
    named = Places(corpus, tmp_path / "cache" / "news.npz")  # NEWSDESK_INDEX naming the archive file
    assert named.archive_file == tmp_path / "cache" / "news.npz"
    assert named.feed_state == corpus / ".feeds.json" and named.old_feed_state == tmp_path / "cache" / "feeds.json"
    assert named.corpus_cache == corpus / ".index"  # ingest's catalog stays with the corpus


def test_pages_added_are_reported_one_by_one_and_searchable_after_a_refresh(corpus: Path) -> None:
    lib = library(corpus)
    assert not cites_the_pier(lib.load())
    batch = lib.add(lib.pages([str(HTML_DIR / "article.html")]))
    assert [r.article.url for r in batch.added] == [PIER_URL]
    assert batch.changed and not batch.interrupted and batch.summary() == "1 added, 0 skipped, 0 failed"
    refreshed = lib.refresh()
    assert refreshed.state is IndexState.UPDATED and refreshed.saved and refreshed.problem is None
    assert refreshed.articles == 8 and refreshed.passages > 0
    assert lib.places.archive_file.is_file() and cites_the_pier(lib.load())


def test_a_batch_says_what_was_skipped_and_what_failed_and_why(corpus: Path) -> None:
    lib = library(corpus)
    first = lib.add(lib.pages([str(SEEDS_DIR)]))
    assert len(first.added) == 5 and first.summary() == "5 added (1 undated), 0 skipped, 0 failed"
    again = lib.add(lib.pages([str(SEEDS_DIR)]))
    assert not again.changed and len(again.skipped) == 5 and not again.failed
    assert again.summary() == "0 added, 5 skipped (5 already in the corpus), 0 failed"


def test_ctrl_c_between_two_pages_keeps_those_written_and_says_it_was_interrupted(corpus: Path) -> None:
    lib = library(corpus)
    pages = lib.pages([str(SEEDS_DIR)])

    def interrupted() -> None:
        raise KeyboardInterrupt

    batch = lib.add([pages[0], pages[1], interrupted, pages[3]])
    assert batch.interrupted and len(batch.added) == 2
    assert all(result.path.is_file() for result in batch.added)


def test_a_name_that_is_neither_a_page_nor_an_address_is_refused_before_anything_is_read(corpus: Path) -> None:
    with pytest.raises(NoSuchPage, match="www.dw.com/en/x does not exist; a web address starts with https://"):
        library(corpus).pages([str(HTML_DIR / "article.html"), "www.dw.com/en/x"])


def test_an_index_folder_that_cannot_be_written_is_a_problem_value_not_an_update(corpus: Path, tmp_path: Path) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder", encoding="utf-8")
    lib = library(corpus, index_path=blocked / "index")
    lib.add(lib.pages([str(HTML_DIR / "article.html")]))
    refreshed = lib.refresh()
    assert refreshed.state is IndexState.NOT_SAVED and not refreshed.saved
    assert refreshed.articles == 8 and str(refreshed.problem) == f"{blocked / 'index'} cannot be written"
    assert cites_the_pier(lib.load())  # rebuilt in memory: it still answers


def test_removing_an_article_keeps_its_file_aside_and_takes_it_out_of_answers(corpus: Path) -> None:
    lib = library(corpus)
    (added,) = lib.add(lib.pages([str(HTML_DIR / "article.html")])).added
    removed = lib.remove(added.article.id)
    assert removed.article.url == PIER_URL and removed.kept_name == f".removed/{added.path.name}"
    assert removed.kept.is_file() and not added.path.exists()
    assert not cites_the_pier(lib.load())
    with pytest.raises(ArchiveAdminError, match="no article with id 'nope'"):
        lib.remove("nope")
    again = lib.add(lib.pages([str(HTML_DIR / "article.html")]))  # not added back unasked
    assert [o.error.reason for o in again.skipped] == ["removed from the archive"]


def test_a_preview_writes_nothing_until_it_is_added(corpus: Path) -> None:
    lib = library(corpus, limits=LOCAL)
    with serve() as web:
        preview = lib.preview(web.add("/pier", (HTML_DIR / "article.html").read_bytes()))
        assert preview.article.url == PIER_URL and not preview.notes
        assert lib.recent(10)[0].url != PIER_URL
        added = lib.add_previewed(preview)
        assert lib.recent(1)[0].url == PIER_URL and added.path.is_file()
        with pytest.raises(IngestError, match="already in the corpus"):
            lib.add_previewed(preview)  # checked again when added


def feed_of(web: object, *links: str) -> str:
    items = "".join(f"<item><title>Pier</title><link>{link}</link></item>" for link in links)
    rss = f'<rss version="2.0"><channel><title>L</title>{items}</channel></rss>'.encode()
    return web.add("/rss", rss, Content_Type="application/rss+xml")  # type: ignore[attr-defined]


def test_a_poll_adds_each_feed_s_new_entries_once_and_records_what_it_saw(corpus: Path) -> None:
    lib = library(corpus, limits=LOCAL)
    with serve() as web:
        feed = feed_of(web, web.add("/pier", (HTML_DIR / "article.html").read_bytes()))
        first = lib.poll([feed])
        second = lib.poll([feed])
    assert [run.feed for run in first.runs] == [feed] and len(first.added) == 1
    assert first.recorded and first.problem is None and lib.places.feed_state.is_file()
    assert second.summary() == "0 added, 0 skipped, 0 failed"  # seen: not fetched again


@pytest.mark.parametrize("index_setting", [None, "cache"], ids=["default index folder", "NEWSDESK_INDEX"])
def test_a_feed_state_kept_in_the_index_folder_before_is_moved_beside_the_corpus_once(
    corpus: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture, index_setting: str | None
) -> None:
    lib = library(corpus, index_path=tmp_path / index_setting if index_setting else None, limits=LOCAL)
    with serve() as web:
        page = web.add("/pier", (HTML_DIR / "article.html").read_bytes())
        feed = feed_of(web, page)
        old = lib.places.old_feed_state
        old.parent.mkdir(parents=True, exist_ok=True)
        old.write_text(json.dumps({"seen": {feed: [page]}}), encoding="utf-8")  # what an older newsdesk kept
        caplog.set_level("INFO")
        first = lib.poll([feed])
        second = lib.poll([feed])
    assert first.summary() == second.summary() == "0 added, 0 skipped, 0 failed"  # what was seen is still seen
    assert web.pages() == ["/rss", "/rss"]  # the entry was not fetched again
    assert not old.exists() and json.loads(lib.places.feed_state.read_text(encoding="utf-8"))["seen"] == {feed: [page]}
    moved = [r.getMessage() for r in caplog.records if "feed state moved" in r.getMessage()]
    assert moved == [f"feed state moved from {old} to {corpus / '.feeds.json'}: it belongs with the corpus, the index folder is a cache"]


def test_a_poll_that_cannot_record_what_it_saw_adds_the_pages_and_says_why(corpus: Path, tmp_path: Path) -> None:
    (corpus / ".feeds.json").mkdir(parents=True)  # in the way of the file
    lib = library(corpus, index_path=tmp_path / "index", limits=LOCAL)
    with serve() as web:
        polled = lib.poll([feed_of(web, web.add("/pier", (HTML_DIR / "article.html").read_bytes()))])
    assert len(polled.added) == 1 and not polled.recorded
    assert polled.problem is not None and polled.problem.path == corpus / ".feeds.json"
    assert "fetched again next run" in str(polled.problem)


def test_the_archive_in_memory_takes_changed_files_without_a_rebuild(corpus: Path) -> None:
    lib = library(corpus)
    archive = lib.load()
    before = lib.snapshot()
    (added,) = lib.add(lib.pages([str(HTML_DIR / "article.html")])).added
    changed = lib.with_changes(archive, before, lib.snapshot())
    assert changed is not None and cites_the_pier(changed)
    assert not cites_the_pier(archive)  # the one answering meanwhile is left as it was
    assert lib.merge_due(changed, max_segments=1) and not lib.merge_due(archive, max_segments=1)
