"""`newsdesk ingest URL`: a page that shows no date of its own is dated by its web server's
Last-Modified day, with a note; a date the page states always wins, and an implausible one is not used."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import main
from retrieval.corpus import load_corpus
from tests.local_web import serve

PAGE = """<html><head><title>Harbour ferry timetable changes</title>
<meta property="og:site_name" content="Harbour Gazette">{meta}
</head><body><article><h1>Harbour ferry timetable changes</h1>
<p>The harbour authority changed the ferry timetable on Monday after complaints from commuters.</p>
<p>Morning crossings now leave every twenty minutes, and the last evening ferry leaves at eleven.</p>
</article></body></html>"""


@pytest.fixture
def corpus(empty_corpus: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("NEWSDESK_FETCH_PRIVATE", "1")  # the test site is on this machine
    return empty_corpus


def _ingest(meta: str, last_modified: str) -> tuple[int, str]:
    with serve() as web:
        url = web.add("/ferries/timetable", PAGE.format(meta=meta).encode(), Last_Modified=last_modified)
        result = CliRunner().invoke(main, ["ingest", url])
    return result.exit_code, result.output


def test_a_page_without_a_date_takes_its_server_s_last_modified_day_and_says_so(corpus: Path) -> None:
    code, output = _ingest("", "Tue, 14 Jan 2014 23:30:00 GMT")
    assert code == 0, output
    (article,) = load_corpus(corpus).articles
    assert article.published is not None and article.published.isoformat() == "2014-01-14"
    assert "web server says it last changed (2014-01-14)" in output and "--published" in output


def test_the_page_s_own_date_wins_over_last_modified(corpus: Path) -> None:
    meta = '\n<meta property="article:published_time" content="2013-11-02T09:00:00Z">'
    code, output = _ingest(meta, "Tue, 14 Jan 2014 23:30:00 GMT")
    assert code == 0, output
    (article,) = load_corpus(corpus).articles
    assert article.published is not None and article.published.isoformat() == "2013-11-02"
    assert "last changed" not in output


@pytest.mark.parametrize("header", ["Fri, 31 Dec 9999 23:59:59 GMT", "yesterday-ish", ""])
def test_a_future_or_unreadable_last_modified_leaves_the_article_undated(corpus: Path, header: str) -> None:
    code, output = _ingest("", header)
    assert code == 0, output
    (article,) = load_corpus(corpus).articles
    assert article.published is None
    assert "last changed" not in output
