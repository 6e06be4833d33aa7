"""`newsdesk ingest PAGE --published DATE` on an article stored undated gives it that date (its
file rewritten whole, its id kept, no second copy); one dated otherwise is skipped with one line
saying how to change its date."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import main
from retrieval.corpus import read_article
from tests.local_web import serve
from tests.paths import SEEDS_DIR

UNDATED_SEED = sorted(SEEDS_DIR.glob("*.txt"))[2]  # the seed page that shows no date
PARAGRAPH = (
    "<p>Work on the river embankment at Millbrook resumed on Monday after the council found the money "
    "to finish the flood wall, the engineers in charge of the works said in a statement.</p>"
)
UNDATED_PAGE = (
    '<html><head><title>Millbrook embankment works resume</title>'
    '<meta property="og:site_name" content="Riverside Times"></head>'
    f"<body><article><h1>Millbrook embankment works resume</h1>{PARAGRAPH * 4}</article></body></html>"
)


@pytest.fixture
def corpus(empty_corpus: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("NEWSDESK_READER", "off")
    monkeypatch.setenv("NEWSDESK_FETCH_PRIVATE", "1")  # the test site is on this machine
    return empty_corpus


def ingest(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, ["ingest", *args], catch_exceptions=False)


def stored(corpus: Path) -> list[Path]:
    return sorted(corpus.glob("*.md"))


def test_an_undated_article_takes_the_date_published_names_and_keeps_its_file(corpus: Path) -> None:
    first = ingest(str(UNDATED_SEED))
    assert first.exit_code == 0 and "date unknown" in first.output
    (undated,) = stored(corpus)
    article = read_article(undated)
    assert article.published is None

    dated = ingest(str(UNDATED_SEED), "--published", "2014-08-20")
    assert dated.exit_code == 0, dated.output
    assert f"re-dated {undated}: " in dated.output and dated.output.splitlines()[0].endswith(", 2014-08-20")
    assert dated.output.rstrip().endswith("0 added, 1 re-dated, 0 skipped, 0 failed")
    assert stored(corpus) == [undated]  # the same file, rewritten: no second copy
    again = read_article(undated)
    assert again.published.isoformat() == "2014-08-20" and again.id == article.id and again.body == article.body
    assert not [p for p in corpus.iterdir() if p.name.startswith(".") and p.suffix == ".tmp"]  # no temporary left
    asked = json.loads(CliRunner().invoke(main, ["ask", "What did Fabius say about the P5?", "--json", "--no-log"]).output)
    assert asked["results"][0]["published"] == "2014-08-20"  # the index follows the new date

    same = ingest(str(UNDATED_SEED), "--published", "2014-08-20")  # nothing left to change
    assert same.output.rstrip().endswith("0 added, 1 skipped (1 already in the corpus), 0 failed")
    assert ", unchanged" in same.output and stored(corpus) == [undated]


def test_an_article_dated_otherwise_is_skipped_with_how_to_change_its_date(corpus: Path) -> None:
    ingest(str(UNDATED_SEED), "--published", "2014-08-20")
    (path,) = stored(corpus)
    text = path.read_text(encoding="utf-8")
    other = ingest(str(UNDATED_SEED), "--published", "2014-09-01")
    assert other.exit_code == 0  # a skip, not a failure
    (line,) = [line for line in other.output.splitlines() if line.startswith("skipped: ")]
    assert "dated 2014-08-20, not 2014-09-01: pass --overwrite with --published to change its date" in line
    assert other.output.rstrip().endswith("0 added, 1 skipped (1 dated otherwise), 0 failed")
    assert path.read_text(encoding="utf-8") == text and stored(corpus) == [path]

    changed = ingest(str(UNDATED_SEED), "--published", "2014-09-01", "--overwrite")
    assert changed.exit_code == 0 and changed.output.rstrip().endswith("0 added, 1 re-dated, 0 skipped, 0 failed")
    assert stored(corpus) == [path] and read_article(path).published.isoformat() == "2014-09-01"


def test_a_web_page_stored_undated_is_re_dated_by_its_address(corpus: Path) -> None:
    with serve() as web:
        url = web.add("/news/river-works", UNDATED_PAGE.encode())
        first = ingest(url)
        assert first.exit_code == 0 and "date unknown" in first.output, first.output
        (path,) = stored(corpus)
        dated = ingest(url, "--published", "2024-05-02", "--json")
    assert dated.exit_code == 0, dated.output
    (entry,) = json.loads(dated.stdout)["added"]
    assert entry["redated"] and entry["published"] == "2024-05-02" and entry["file"] == str(path)
    assert stored(corpus) == [path] and read_article(path).url == url
