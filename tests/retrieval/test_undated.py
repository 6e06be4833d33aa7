"""An article whose page gives no date is kept: cited with "date unknown", left out by date filters,
and a refusal under a date filter says how much it left out for that reason."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from retrieval.answer.answerer import ask
from retrieval.answer.filters import Filters
from retrieval.archive import Archive
from retrieval.corpus import Article, format_article, load_corpus

from bot.render_text import citation

BODY = "The harbour council voted to rebuild the old pier. Fishermen said the pier had been unsafe for years."
UNDATED = Article(id="ledger-undated-pier", title="Pier rebuilt", source="Ledger", published=None, body=BODY)
DATED = Article(
    id="ledger-2024-01-02-tram", title="Tram line opens", source="Ledger", published=dt.date(2024, 1, 2),
    body="The new tram line opened on Tuesday. Passengers crowded the first trams to the station.",
)


def test_an_undated_article_is_written_and_read_back_undated(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text(format_article(UNDATED), encoding="utf-8")
    assert "published: unknown" in (tmp_path / "a.md").read_text(encoding="utf-8")
    loaded = load_corpus(tmp_path)
    assert loaded.errors == [] and loaded.articles[0].published is None


def test_an_undated_article_is_cited_with_date_unknown() -> None:
    answer = ask(Archive.build([UNDATED, DATED]), "why was the pier rebuilt?")
    assert answer.answered
    assert citation(answer.results[0]) == "Ledger, \u201cPier rebuilt\u201d, date unknown"


def test_a_date_filter_leaves_it_out_and_the_refusal_says_so() -> None:
    archive = Archive.build([UNDATED, DATED])
    answer = ask(archive, "why was the pier rebuilt?", filters=Filters(since=dt.date(2023, 1, 1)))
    assert not answer.answered
    assert "The date filter leaves out 1 passage of undated articles (date unknown)." in (answer.reason or "")
    outlet_only = ask(archive, "who rode the tram to the harbour?", filters=Filters(outlet="nobody"))
    assert "undated" not in (outlet_only.reason or "")
