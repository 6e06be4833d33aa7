"""Spellings of one outlet that differ only in case or spacing are shown as one outlet, its most common."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import main
from bot.render_text import citation
from retrieval.answer.answerer import ask
from retrieval.answer.filters import Filters
from retrieval.answer.outlets import outlet_summary
from retrieval.archive import Archive
from retrieval.corpus import Article, format_article, load_corpus
from retrieval.index.changes import apply_changes

TOPICS = [
    ("pier", "The harbour council voted to rebuild the old pier after the winter storms."),
    ("tram", "The new tram line to the airport opened on Tuesday with free rides all week."),
    ("dam", "Engineers opened the spillway of the Orin dam as the reservoir rose after the rains."),
    ("market", "The fish market moves to the old customs hall on the quay next month."),
    ("ferry", "Ferries to the islands sailed again on Saturday, three days after the storm."),
]
SPELLINGS = ["PolitiFact", "Politifact", "PolitiFact", "Al Bawaba", "AlBawaba"]


def _articles() -> list[Article]:
    return [
        Article(id=f"a-{n}-{topic}", title=f"About the {topic}", source=source, published=dt.date(2024, 1, n + 1), body=body)
        for n, ((topic, body), source) in enumerate(zip(TOPICS, SPELLINGS))
    ]


def test_one_outlet_under_its_most_common_spelling_everywhere() -> None:
    archive = Archive.build(_articles())
    assert sorted(row.name for row in outlet_summary(archive.articles)) == ["Al Bawaba", "PolitiFact"]
    assert [row.articles for row in outlet_summary(archive.articles)][:1] == [3]
    answer = ask(archive, "when will the fish market move to the customs hall?")
    assert answer.answered and citation(answer.results[0]).startswith("Al Bawaba, ")
    answer = ask(archive, "what did the harbour council vote about the old pier?")
    assert answer.answered and citation(answer.results[0]).startswith("PolitiFact, ")
    mask = Filters(outlet="Al Bawaba").mask(archive.outlet_codes, archive.outlet_names, archive.published)
    assert mask is not None and int(mask.sum()) == 2  # both spellings' passages


def test_an_article_added_later_takes_the_spelling_the_archive_shows() -> None:
    archive = Archive.build(_articles())
    late = Article(id="late", title="Dam report", source="POLITI FACT", published=dt.date(2024, 2, 1), body=TOPICS[2][1])
    changed = apply_changes(archive, [late])
    assert {a.source for a in changed.articles} == {"PolitiFact", "Al Bawaba"}


def test_newsdesk_outlets_shows_merged_names_and_the_files_keep_their_own(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for article in _articles():
        (corpus / f"{article.id}.md").write_text(format_article(article), encoding="utf-8")
    monkeypatch.setenv("NEWSDESK_CORPUS", str(corpus))
    monkeypatch.setenv("NEWSDESK_DB", str(tmp_path / "log.db"))
    monkeypatch.setenv("NEWSDESK_READER", "off")
    result = CliRunner().invoke(main, ["outlets", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [(row["outlet"], row["articles"]) for row in rows] == [("PolitiFact", 3), ("Al Bawaba", 2)]
    assert sorted(a.source for a in load_corpus(corpus).articles) == sorted(SPELLINGS)
