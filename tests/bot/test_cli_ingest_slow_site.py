"""`newsdesk ingest URL` against a site that trickles its headers: one line at the stated deadline."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import main
from retrieval.corpus import load_corpus
from tests.local_web import serve
from tests.paths import HTML_DIR
from tests.trickle_web import trickling


@pytest.fixture
def corpus(empty_corpus: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("NEWSDESK_FETCH_PRIVATE", "1")  # the test sites are on this machine
    monkeypatch.setenv("NEWSDESK_FETCH_DEADLINE", "1")  # each header byte comes in time: only this ends it
    return empty_corpus


def test_a_site_that_trickles_its_headers_fails_at_the_deadline_and_the_others_are_added(corpus: Path) -> None:
    with serve() as web, trickling() as slow:
        good = web.add("/news/pier", (HTML_DIR / "article.html").read_bytes())
        hung = slow.url("/news/hung")
        result = CliRunner().invoke(main, ["ingest", hung, good])
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert errors == [
        f"error: {hung} did not finish within the 1 s deadline for a whole fetch (connect, headers and body); "
        "the site is too slow, try again later"
    ]
    assert result.stderr.rstrip().endswith("1 added, 0 skipped, 1 failed (1 timeout)")
    assert [a.url for a in load_corpus(corpus).articles] == ["https://ledger.example.org/news/2024/03/05/pier-rebuild"]


@pytest.mark.parametrize("value", ["0", "601", "soon"])
def test_a_deadline_out_of_range_is_one_line(corpus: Path, monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("NEWSDESK_FETCH_DEADLINE", value)
    result = CliRunner().invoke(main, ["ingest", "https://example.org/news"])
    assert result.exit_code != 0 and result.output.count("\n") == 1
    assert "NEWSDESK_FETCH_DEADLINE" in result.output
