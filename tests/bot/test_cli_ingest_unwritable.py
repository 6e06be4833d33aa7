"""`newsdesk ingest` when the index folder cannot be written: the articles are added, and it says so truly."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import main

from tests.paths import HTML_DIR


@pytest.fixture
def corpus(empty_corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder", encoding="utf-8")  # nothing can be made under it, even by root
    monkeypatch.setenv("NEWSDESK_INDEX", str(blocked / "index"))
    monkeypatch.setenv("NEWSDESK_SEMANTIC", "off")
    monkeypatch.setenv("NEWSDESK_FETCH_PRIVATE", "1")  # the test pages are on this machine, on any free port
    return empty_corpus


def test_an_index_that_cannot_be_saved_is_not_reported_as_updated(corpus: Path) -> None:
    result = CliRunner().invoke(main, ["ingest", str(HTML_DIR / "article.html")])
    assert result.exit_code == 0, result.output
    assert "index updated" not in result.output
    assert "but not saved" in result.output and "NEWSDESK_INDEX" in result.output
    assert result.output.rstrip().endswith("1 added, 0 skipped, 0 failed")
    assert len(list(corpus.glob("*.md"))) == 1


def test_a_feed_whose_seen_entries_cannot_be_recorded_is_one_warning_not_a_traceback(corpus: Path) -> None:
    from tests.local_web import serve

    (corpus / ".feeds.json").mkdir(parents=True)  # in the way of the file: what was seen cannot be recorded
    with serve() as web:
        page = web.add("/news/pier", (HTML_DIR / "article.html").read_bytes())
        item = f"<item><title>Pier</title><link>{page}</link></item>"
        rss = f'<rss version="2.0"><channel><title>L</title>{item}</channel></rss>'.encode()
        feed = web.add("/rss", rss, Content_Type="application/rss+xml")
        result = CliRunner().invoke(main, ["ingest", "--feed", feed])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert result.exit_code == 0, result.output
    assert "feeds.json" in result.output and "fetched again" in result.output
    assert result.output.rstrip().endswith("1 added, 0 skipped, 0 failed")
    assert len(list(corpus.glob("*.md"))) == 1
