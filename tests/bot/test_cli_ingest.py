"""`newsdesk ingest`: raw pages become corpus files that answer questions right away."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import main

from tests.paths import HTML_DIR
from tests.paths import SEEDS_DIR as SEEDS
pytestmark = pytest.mark.skipif(not SEEDS.is_dir(), reason=f"raw seed articles not found at {SEEDS}")


@pytest.fixture
def corpus(empty_corpus: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("NEWSDESK_INDEX", raising=False)
    monkeypatch.setenv("NEWSDESK_FETCH_PRIVATE", "1")  # the test pages are on this machine, on any free port
    return empty_corpus


def test_ingest_a_folder_reports_each_file_and_the_undated_one(corpus: Path) -> None:
    result = CliRunner().invoke(main, ["ingest", str(SEEDS)])
    assert result.exit_code == 0, result.output  # the page with no date is kept, undated
    assert len(re.findall(r"^added ", result.output, re.M)) == 5
    assert re.search(r"^added .*, date unknown$", result.output, re.M)
    assert "note: no publication date found; kept undated" in result.output and "--published YYYY-MM-DD" in result.output
    assert result.output.rstrip().endswith("5 added (1 undated), 0 skipped, 0 failed")
    assert len(list(corpus.glob("*.md"))) == 5


def test_a_batch_run_again_skips_what_the_corpus_has_and_says_why(corpus: Path) -> None:
    CliRunner().invoke(main, ["ingest", str(SEEDS)])
    again = CliRunner().invoke(main, ["ingest", str(SEEDS)])
    assert again.exit_code == 0  # skipping is not an error
    assert again.output.count("skipped: ") == 5 and again.output.count(", unchanged\n") == 5
    assert again.output.rstrip().endswith("0 added, 5 skipped (5 already in the corpus), 0 failed")
    same_day = CliRunner().invoke(main, ["ingest", str(SEEDS), "--published", "2014-08-20"])
    assert same_day.exit_code == 0, same_day.output  # nothing failed; skipping is not an error
    # Forcing one date on every page: the one stored undated takes it; the others keep their own
    # dates, each skipped with how to change it.
    assert same_day.output.rstrip().endswith("0 added, 1 re-dated, 4 skipped (4 dated otherwise), 0 failed")
    assert same_day.output.count("pass --overwrite with --published to change its date") == 4
    assert len(list(corpus.glob("*.md"))) == 5


def test_ingested_article_is_searchable_at_once_and_duplicates_are_refused(corpus: Path) -> None:
    raw = sorted(SEEDS.glob("*.txt"))[2]  # the page without a date
    first = CliRunner().invoke(main, ["ingest", str(raw), "--published", "2014-08-20"])
    assert first.exit_code == 0, first.output
    assert "Middle East Eye" in first.output and "2014-08-20" in first.output
    answer = json.loads(CliRunner().invoke(main, ["ask", "What did Fabius say about the P5?", "--json"]).output)
    assert answer["answered"] and answer["results"][0]["published"] == "2014-08-20"
    again = CliRunner().invoke(main, ["ingest", str(raw), "--published", "2014-08-20"])
    assert again.exit_code == 0
    assert "already in the corpus" in again.output and "unchanged" in again.output
    assert "0 added, 1 skipped (1 already in the corpus), 0 failed" in again.output


def test_missing_path_is_a_clear_error(corpus: Path) -> None:
    result = CliRunner().invoke(main, ["ingest", "no/such/file.txt"])
    assert result.exit_code == 2 and "does not exist" in result.output


def test_a_web_address_without_its_scheme_is_told_how_to_write_it(corpus: Path) -> None:
    result = CliRunner().invoke(main, ["ingest", "www.dw.com/en/iran-pledges-to-help-iraq"])
    assert result.exit_code == 2
    assert "www.dw.com/en/iran-pledges-to-help-iraq does not exist; a web address starts with https://" in result.output


def test_a_feed_given_as_a_page_is_told_to_use_feed(corpus: Path) -> None:
    from tests.local_web import serve

    with serve() as web:
        feed = web.add("/rss", b'<rss version="2.0"><channel><title>L</title></channel></rss>', Content_Type="application/rss+xml")
        result = CliRunner().invoke(main, ["ingest", feed])
    assert result.exit_code == 1
    assert f"error: {feed} is an RSS or Atom feed, not an article page; give it with --feed" in result.output


def test_hidden_files_in_a_folder_are_left_alone(corpus: Path, tmp_path: Path) -> None:
    from tests.paths import HTML_DIR

    folder = tmp_path / "saved-pages"
    folder.mkdir()
    (folder / "pier.html").write_bytes((HTML_DIR / "article.html").read_bytes())
    (folder / "._pier.html").write_bytes(b"\x00\x05\x16\x07\x00\x02\x00\x00Mac OS X        ")  # macOS metadata
    result = CliRunner().invoke(main, ["ingest", str(folder)])
    assert result.exit_code == 0, result.output
    assert result.output.rstrip().endswith("1 added, 0 skipped, 0 failed")


def test_html_page_is_ingested_as_plain_text_with_its_address(corpus: Path) -> None:
    from tests.paths import HTML_DIR

    result = CliRunner().invoke(main, ["ingest", str(HTML_DIR / "article.html")])
    assert result.exit_code == 0, result.output
    assert "The Coastal Ledger" in result.output and "2024-03-05" in result.output
    answer = json.loads(CliRunner().invoke(main, ["ask", "Why was the old pier closed?", "--json"]).output)
    top = answer["results"][0]
    assert top["url"] == "https://ledger.example.org/news/2024/03/05/pier-rebuild"
    assert "<" not in top["excerpt"] and "SCRIPT-TEXT" not in top["excerpt"]
    text = CliRunner().invoke(main, ["ask", "Why was the old pier closed?"]).output
    assert "The Coastal Ledger, \u201cHarbour Town council votes to rebuild the old pier\u201d, 2024-03-05" in text
    assert "   https://ledger.example.org/news/2024/03/05/pier-rebuild" in text


def test_pages_are_fetched_from_the_web_and_failures_are_one_line_each(corpus: Path) -> None:
    from tests.local_web import serve
    from tests.paths import HTML_DIR

    with serve() as web:
        page = web.add("/news/pier", (HTML_DIR / "article.html").read_bytes())
        missing = web.url("/news/missing")
        pdf = web.add("/report.pdf", b"%PDF-1.4", Content_Type="application/pdf")
        result = CliRunner().invoke(main, ["ingest", page, missing, pdf])
    assert result.exit_code == 1
    assert "added " in result.output and "The Coastal Ledger" in result.output
    assert f"error: {missing} answered HTTP 404 Not Found\n" in result.output
    assert f"error: {pdf} is application/pdf, not an HTML page\n" in result.output
    assert result.output.rstrip().endswith("1 added, 0 skipped, 2 failed (1 HTTP 404, 1 wrong content type)")
    (stored,) = corpus.glob("*.md")
    assert "url: https://ledger.example.org/news/2024/03/05/pier-rebuild" in stored.read_text(encoding="utf-8")


def test_a_feed_is_read_and_only_its_new_entries_are_fetched_next_time(corpus: Path) -> None:
    from tests.local_web import serve
    from tests.paths import HTML_DIR

    with serve() as web:
        page = web.add("/news/pier", (HTML_DIR / "article.html").read_bytes())
        item = f"<item><title>Pier</title><link>{page}</link></item>"
        feed = web.add("/rss", f'<rss version="2.0"><channel><title>L</title>{item}</channel></rss>'.encode(), Content_Type="application/rss+xml")
        first = CliRunner().invoke(main, ["ingest", "--feed", feed])
        second = CliRunner().invoke(main, ["ingest", "--feed", feed])
        requests = web.pages()
        robots = len(web.requests) - len(requests)
    assert first.exit_code == 0, first.output
    assert "The Coastal Ledger" in first.output and first.output.rstrip().endswith("1 added, 0 skipped, 0 failed")
    assert second.exit_code == 0 and second.output.rstrip().endswith("0 added, 0 skipped, 0 failed")
    assert requests == ["/rss", "/news/pier", "/rss"] and robots == 1  # robots.txt: asked once, remembered
    assert (corpus / ".feeds.json").is_file() and not (corpus / ".index" / "feeds.json").exists()  # with the corpus


def test_ingest_with_nothing_to_ingest_says_what_to_give(corpus: Path) -> None:
    result = CliRunner().invoke(main, ["ingest"])
    assert result.exit_code == 2 and "--feed URL" in result.output


def test_one_page_into_a_large_archive_is_a_delta_not_a_rebuild(corpus: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from retrieval.store import delta as store_delta
    from retrieval.store import saved as store
    from tests.paths import HTML_DIR

    first = CliRunner().invoke(main, ["ingest", str(SEEDS)])
    assert "index updated:" in first.output  # a new archive is built and saved
    monkeypatch.setattr(store_delta, "DELTA_MIN_CORPUS_BYTES", 0)  # this small corpus counts as large
    monkeypatch.setattr(store_delta, "DELTA_MAX_SHARE", 1.0)
    open_saved = store.open_saved
    monkeypatch.setattr(store, "open_saved", None)  # ingest must not load or rebuild the archive (load_or_build uses it)
    added = CliRunner().invoke(main, ["ingest", str(HTML_DIR / "article.html")])
    assert added.exit_code == 0, added.output
    assert "index: 1 changed file pending as a delta on the saved index" in added.output
    monkeypatch.setattr(store, "open_saved", open_saved)
    answer = json.loads(CliRunner().invoke(main, ["ask", "Why was the Harbour Town pier closed?", "--json"]).output)
    assert answer["answered"] and "Harbour Town" in answer["results"][0]["title"]


def test_a_replaced_article_is_counted_as_replaced_not_added(corpus: Path) -> None:
    from tests.paths import HTML_DIR

    page = str(HTML_DIR / "article.html")
    CliRunner().invoke(main, ["ingest", page])
    again = CliRunner().invoke(main, ["ingest", page, "--overwrite"])
    assert again.exit_code == 0, again.output
    assert "replaced " in again.output
    assert again.output.rstrip().endswith("0 added, 1 replaced, 0 skipped, 0 failed")
    assert len(list(corpus.glob("*.md"))) == 1


def test_an_interrupted_batch_reports_what_it_added_and_indexes_it(corpus: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from retrieval.library import sources

    read_file = sources.read_file
    calls = []

    def interrupted_at_the_third(path: Path):  # Ctrl-C while the third page is read
        calls.append(path)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return read_file(path)

    monkeypatch.setattr(sources, "read_file", interrupted_at_the_third)
    result = CliRunner().invoke(main, ["ingest", str(SEEDS)])
    assert result.exit_code == 130, result.output
    assert sum(line.startswith("added ") for line in result.output.splitlines()) == 2
    assert "index updated:" in result.output
    assert "interrupted: 3 page(s) not ingested; run the same command again to go on" in result.output
    assert result.output.rstrip().endswith("2 added, 0 skipped, 0 failed")
    assert len(list(corpus.glob("*.md"))) == 2


def test_ctrl_c_while_the_index_is_updated_keeps_the_pages_and_says_so(corpus: Path) -> None:
    from retrieval.store import saved as store

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    # Its own MonkeyPatch: undoing the interruption leaves the fixture's folder and settings in place
    # (monkeypatch.undo() undid them too, and the ask below ran in the checkout, on its corpus and log).
    with pytest.MonkeyPatch.context() as interruption:
        interruption.setattr(store, "open_saved", interrupted)  # Ctrl-C while the index is rebuilt
        result = CliRunner().invoke(main, ["ingest", str(SEEDS), "--published", "2014-08-20"])
    assert result.exit_code == 130, result.output
    assert sum(line.startswith("added ") for line in result.output.splitlines()) == 5
    assert "index not updated (interrupted): the new files are indexed when the archive next loads" in result.output
    assert result.output.rstrip().endswith("5 added, 0 skipped, 0 failed")
    answer = json.loads(CliRunner().invoke(main, ["ask", "What did Fabius say about the P5?", "--json"]).output)
    assert answer["answered"]  # nothing was lost


def test_a_corpus_setting_that_is_a_file_is_one_line_with_the_fix(corpus: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    corpus.parent.mkdir(parents=True, exist_ok=True)
    corpus.write_text("not a folder", encoding="utf-8")
    for args in (["ingest", str(SEEDS)], ["ingest", "--feed", "https://example.org/rss"]):
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 1, result.output
        assert result.output.strip().splitlines() == [
            f"Error: corpus folder {corpus} is not a folder; set NEWSDESK_CORPUS to the folder of article files"
        ]


def test_a_special_file_is_one_line_and_the_batch_goes_on(corpus: Path) -> None:
    import os

    os.mkfifo("pipe.txt")
    result = CliRunner().invoke(main, ["ingest", "pipe.txt", str(sorted(SEEDS.glob("*.txt"))[2]), "--published", "2014-08-20"])
    assert result.exit_code == 1, result.output
    assert "pipe.txt is not a regular file" in result.output
    assert "1 added, 0 skipped, 1 failed (1 not a regular file)" in result.output


@pytest.mark.parametrize("option", ["--source", "--title", "--published"])
def test_an_option_typed_in_a_terminal_that_is_not_utf8_is_one_line_and_nothing_is_written(
    corpus: Path, option: str
) -> None:
    raw = sorted(SEEDS.glob("*.txt"))[2]
    result = CliRunner().invoke(main, ["ingest", str(raw), option, "Harbour \udcfc"])  # Latin-1 "ü"
    assert result.exit_code == 2, result.exception
    assert "not UTF-8" in result.output and "0xfc" in result.output
    assert not list(corpus.glob("*.md"))


def test_a_feed_run_stopped_by_ctrl_c_goes_on_where_it_stopped(corpus: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from retrieval.ingest.fetch import Outages
    from tests.local_web import serve
    from tests.retrieval.test_feed_state_saves import a_feed, ctrl_c_at

    with serve() as web:
        feed, _ = a_feed(web, "news", 5)
        with monkeypatch.context() as patch:
            ctrl_c_at(patch, Outages, "/news/3")  # Ctrl-C while the 4th entry is fetched
            first = CliRunner().invoke(main, ["ingest", "--feed", feed])
        before = len(web.pages())
        second = CliRunner().invoke(main, ["ingest", "--feed", feed])
        again = web.pages()[before:]
    assert first.exit_code == 130, first.output
    assert "interrupted: the feeds' other entries not ingested" in first.output
    assert "3 added, 0 skipped, 0 failed" in first.output
    assert second.exit_code == 0 and second.output.rstrip().endswith("2 added, 0 skipped, 0 failed")
    assert again == ["/news.xml", "/news/3", "/news/4"]  # none of the 3 added before Ctrl-C is fetched again


def test_a_page_whose_text_looks_wrong_is_added_and_the_summary_says_to_check_it(corpus: Path) -> None:
    result = CliRunner().invoke(main, ["ingest", str(HTML_DIR / "messy-body.html")])
    assert result.exit_code == 0, result.output
    assert "note: the extracted text looks wrong (2 repeated blocks dropped): check the article file" in result.output
    assert result.output.rstrip().endswith("1 added (1 text to check), 0 skipped, 0 failed")
