"""The question sets written for newsdesk (benchmarks/data) are well-formed and point at real text.

These check the data, never newsdesk's answers: each answerable news question's phrase is
in exactly one article of the corpus newsdesk builds from the pages, and each SQuAD answer
is the span its offset says.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from retrieval.corpus import load_corpus
from benchmarks.harness.evaluate import normalise, parse_jsonl, squad_articles
from tests.paths import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))

from news_written_corpus import PAGES, PAGES_DIR, QUESTIONS, CorpusBuildError, build_corpus  # noqa: E402

SQUAD = ROOT / "benchmarks" / "data" / "squad_written.json"
PAGES_MISSING = f"the article pages {PAGES_DIR} are not beside this checkout (they live in ../shared)"


def _rows() -> list[dict]:
    return [json.loads(line) for line in QUESTIONS.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_news_questions_parse_and_have_unique_ids_and_questions() -> None:
    questions = parse_jsonl(QUESTIONS.read_text(encoding="utf-8"), QUESTIONS)
    assert len({q.id for q in questions}) == len(questions) == len(_rows())
    assert len({normalise(q.text) for q in questions}) == len(questions)
    answerable = [q for q in questions if q.answerable]
    assert len(answerable) >= 40 and len(questions) - len(answerable) >= 25


def test_news_phrases_are_short_and_questions_are_typed_lowercase() -> None:
    for row in _rows():
        assert row["question"] == row["question"].lower(), row["id"]
        if row.get("answered") is not False:
            assert 2 <= len(row["phrase"].split()) <= 6, row["id"]


@pytest.fixture(scope="module")
def news_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not PAGES_DIR.is_dir():
        pytest.skip(PAGES_MISSING)
    return build_corpus(tmp_path_factory.mktemp("news-written") / "corpus")


def test_the_corpus_holds_every_chosen_page_with_its_date(news_corpus: Path) -> None:
    articles = load_corpus(news_corpus).articles
    assert len(articles) == len(PAGES) and all(a.published for a in articles)


def test_each_phrase_is_once_in_the_corpus_in_an_article_of_its_date(news_corpus: Path) -> None:
    articles = load_corpus(news_corpus).articles
    for row in _rows():
        if row.get("answered") is False:
            continue
        phrase = normalise(row["phrase"])
        where = [a for a in articles if phrase in normalise(a.body)]
        assert sum(normalise(a.body).count(phrase) for a in articles) == 1, row["id"]
        assert where[0].published.isoformat() == row["published"], row["id"]


def test_every_article_has_questions(news_corpus: Path) -> None:
    asked = {row["published"] for row in _rows() if "published" in row}
    assert {a.published.isoformat() for a in load_corpus(news_corpus).articles} == asked


def test_building_into_a_folder_that_holds_files_is_refused(tmp_path: Path) -> None:
    (tmp_path / "mine.md").write_text("keep me", encoding="utf-8")
    with pytest.raises(CorpusBuildError, match="not empty"):
        build_corpus(tmp_path, PAGES_DIR)
    assert (tmp_path / "mine.md").read_text(encoding="utf-8") == "keep me"


def test_building_from_a_folder_without_the_pages_names_a_missing_page(tmp_path: Path) -> None:
    with pytest.raises(CorpusBuildError, match=PAGES[0]):
        build_corpus(tmp_path / "corpus", tmp_path)


def test_squad_answers_are_the_spans_their_offsets_name() -> None:
    data = json.loads(SQUAD.read_text(encoding="utf-8"))
    qas = [(p["context"], qa) for article in data["data"] for p in article["paragraphs"] for qa in p["qas"]]
    assert len(data["data"]) == 4 and len(qas) >= 30
    assert len({qa["id"] for _, qa in qas}) == len(qas)
    for context, qa in qas:
        assert qa["is_impossible"] is False and qa["question"].endswith("?"), qa["id"]
        for answer in qa["answers"]:
            assert context[answer["answer_start"]:].startswith(answer["text"]), qa["id"]


def test_squad_paragraphs_are_of_article_length_and_load_as_a_corpus() -> None:
    data = json.loads(SQUAD.read_text(encoding="utf-8"))
    for article in data["data"]:
        assert 5 <= len(article["paragraphs"]) <= 6, article["title"]
        assert all(80 <= len(p["context"].split()) <= 150 for p in article["paragraphs"]), article["title"]
    articles, questions, skipped = squad_articles(data, SQUAD)
    assert skipped == 0 and all(questions) and len({a.id for a in articles}) == 4
