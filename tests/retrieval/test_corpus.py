"""The bundled corpus and how bad corpus files are reported."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from retrieval.corpus import Article, format_article, load_corpus, parse_article

BUNDLED_CORPUS = Path(__file__).resolve().parents[2] / "corpus"

GOOD = Article(
    id="dw-2014-01-06-iran-offers-help-to-iraq",
    title="Iran offers help to Iraq",
    source="DW",
    published=dt.date(2014, 1, 6),
    body="First paragraph.\n\nSecond paragraph.",
)
OTHER = Article(
    id="trt-world-2015-07-28-iran-offers-more",
    title="Iran offers more",
    source="TRT World",
    published=dt.date(2015, 7, 28),
    body="Only paragraph.",
    author="Jane Doe",
    url="https://example.org/a",
)


def test_bundled_corpus_loads_without_errors() -> None:
    loaded = load_corpus(BUNDLED_CORPUS)
    assert loaded.errors == []
    assert {(a.source, a.published, a.title) for a in loaded.articles} == {
        ("DW", dt.date(2014, 10, 21), "Iran pledges to help Iraq against 'IS' militants"),
        (
            "The Independent",
            dt.date(2014, 6, 14),
            "Iraq crisis: Iran could join forces with US to half neighbour's jihadi threat",
        ),
        ("Middle East Eye", dt.date(2014, 8, 20), "Calls for Iran to join West in fight against Islamic State"),
        ("TRT World", dt.date(2015, 7, 28), "Iran offers more military support to Iraq"),
        ("DW", dt.date(2014, 1, 6), "Iran offers help to Iraq"),
    }


def test_bundled_articles_are_named_by_id_and_have_text() -> None:
    for article in load_corpus(BUNDLED_CORPUS).articles:
        assert article.path is not None and article.path.stem == article.id
        assert len(article.paragraphs) >= 10
        assert all("Skip to" not in p and "Image:" not in p for p in article.paragraphs)


def test_bundled_files_are_in_canonical_form() -> None:
    # Hand edits must keep the format the writer produces, so re-ingesting gives no diff.
    for article in load_corpus(BUNDLED_CORPUS).articles:
        assert article.path is not None
        assert article.path.read_text(encoding="utf-8") == format_article(article)


def test_format_and_parse_round_trip() -> None:
    for article in (GOOD, OTHER):
        assert parse_article(format_article(article)) == article


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


GOOD_TEXT = format_article(GOOD)
BAD_FILES = [
    ("no-header.md", "Just some text without metadata.\n", "missing metadata header"),
    ("unclosed.md", GOOD_TEXT.replace("---\nFirst", "First", 1), "not closed"),
    ("bad-date.md", GOOD_TEXT.replace("2014-01-06", "2014-13-45"), "'2014-13-45' is not a date"),
    ("empty-body.md", GOOD_TEXT.split("First paragraph.")[0] + "\n\n", "body is empty"),
    ("unknown-field.md", GOOD_TEXT.replace("author:", "editor: Someone\nauthor:", 1), "unknown field 'editor'"),
    ("missing-title.md", GOOD_TEXT.replace("title: Iran offers help to Iraq\n", ""), "missing required field(s): title"),
]


@pytest.mark.parametrize(("name", "text", "problem"), BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_bad_file_is_reported_and_the_rest_still_load(tmp_path: Path, name: str, text: str, problem: str) -> None:
    write(tmp_path, "a-good.md", format_article(OTHER))
    bad = write(tmp_path, name, text.replace(GOOD.id, "bad-article"))
    loaded = load_corpus(tmp_path)

    assert [a.id for a in loaded.articles] == [OTHER.id]
    (error,) = loaded.errors
    assert error.path == bad
    assert name in str(error)
    assert problem in str(error)


def test_duplicate_id_is_reported_and_the_first_still_loads(tmp_path: Path) -> None:
    write(tmp_path, "a.md", format_article(GOOD))
    write(tmp_path, "b.md", format_article(GOOD).replace("First paragraph.", "Changed paragraph."))
    loaded = load_corpus(tmp_path)

    assert [a.path.name for a in loaded.articles if a.path] == ["a.md"]
    (error,) = loaded.errors
    assert error.path.name == "b.md"
    assert "duplicate id" in str(error) and "a.md" in str(error)


def test_missing_corpus_folder_says_how_to_fix(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="NEWSDESK_CORPUS"):
        load_corpus(tmp_path / "nowhere")
