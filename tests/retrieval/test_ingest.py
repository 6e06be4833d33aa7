"""Ingesting raw pages into a corpus folder."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from retrieval.corpus import load_corpus
from retrieval.ingest.pages import DuplicateArticleError, IngestError, ingest_file, ingest_many

from tests.paths import SEEDS_DIR
needs_seeds = pytest.mark.skipif(not SEEDS_DIR.is_dir(), reason=f"raw seed pages not found at {SEEDS_DIR}")

RAW_WITHOUT_OUTLET = "A quiet day in Tehran\n\nJanuary 6, 2014\n\nNothing much happened.\n\nThen it rained.\n"


def seed(prefix: str) -> Path:
    (path,) = SEEDS_DIR.glob(f"{prefix}_*.txt")
    return path


@needs_seeds
def test_ingested_file_reads_back_equal(tmp_path: Path) -> None:
    result = ingest_file(seed("000"), tmp_path)
    assert result.path == tmp_path / "dw-2014-10-21-iran-pledges-to-help-iraq-against-is-militants.md"
    loaded = load_corpus(tmp_path)
    assert loaded.errors == []
    assert loaded.articles == [result.article]
    article = loaded.articles[0]
    assert (article.source, article.published) == ("DW", dt.date(2014, 10, 21))
    assert result.warnings == []


@needs_seeds
def test_same_file_twice_is_refused(tmp_path: Path) -> None:
    first = ingest_file(seed("001"), tmp_path)
    with pytest.raises(DuplicateArticleError) as info:
        ingest_file(seed("001"), tmp_path)
    assert info.value.existing == first.path
    assert first.path.name in str(info.value)
    assert str(info.value).endswith(", unchanged")  # nothing to replace
    assert len(load_corpus(tmp_path).articles) == 1


@needs_seeds
def test_same_text_under_another_title_is_refused(tmp_path: Path) -> None:
    first = ingest_file(seed("001"), tmp_path)
    with pytest.raises(DuplicateArticleError, match="same text") as info:
        ingest_file(seed("001"), tmp_path, title="A different headline")
    assert info.value.existing == first.path


@needs_seeds
def test_overwrite_replaces_the_article(tmp_path: Path) -> None:
    ingest_file(seed("004"), tmp_path)
    result = ingest_file(seed("004"), tmp_path, overwrite=True)
    assert result.replaced
    assert [a.id for a in load_corpus(tmp_path).articles] == [result.article.id]


@needs_seeds
def test_a_page_without_a_date_is_kept_undated_with_a_note_naming_the_fix(tmp_path: Path) -> None:
    result = ingest_file(seed("002"), tmp_path)
    assert result.article.published is None
    assert any("no publication date found" in w and "--published YYYY-MM-DD" in w for w in result.warnings)
    assert "published: unknown" in result.path.read_text(encoding="utf-8")
    loaded = load_corpus(tmp_path)
    assert [a.published for a in loaded.articles] == [None] and loaded.errors == []


@needs_seeds
def test_missing_date_is_accepted_with_an_override(tmp_path: Path) -> None:
    result = ingest_file(seed("002"), tmp_path, published=dt.date(2014, 8, 20))
    assert result.article.published == dt.date(2014, 8, 20)
    assert result.article.source == "Middle East Eye"
    assert result.article.id.startswith("middle-east-eye-2014-08-20-")
    assert any("--published" in warning for warning in result.warnings)
    assert load_corpus(tmp_path).articles == [result.article]


def test_missing_outlet_is_refused_then_accepted_with_source(tmp_path: Path) -> None:
    raw = tmp_path / "raw.txt"
    raw.write_text(RAW_WITHOUT_OUTLET, encoding="utf-8")
    corpus = tmp_path / "corpus"
    with pytest.raises(IngestError, match="no outlet found.*--source"):
        ingest_file(raw, corpus)
    result = ingest_file(raw, corpus, source="Reuters")
    assert result.path.name == "reuters-2014-01-06-a-quiet-day-in-tehran.md"
    assert result.article.paragraphs == ["Nothing much happened.", "Then it rained."]


def test_title_override_sets_title_and_id(tmp_path: Path) -> None:
    raw = tmp_path / "raw.txt"
    raw.write_text(RAW_WITHOUT_OUTLET, encoding="utf-8")
    result = ingest_file(raw, tmp_path / "corpus", source="Reuters", title="Rain in Tehran")
    assert result.article.title == "Rain in Tehran"
    assert result.article.id == "reuters-2014-01-06-rain-in-tehran"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "is empty"),
        (b"  \n\n \n", "is empty"),
        ("Titre\n\n6 janvier 2014\n\nÉté".encode("latin-1"), "not UTF-8"),
    ],
)
def test_unreadable_raw_file_is_refused_clearly(tmp_path: Path, content: bytes, expected: str) -> None:
    raw = tmp_path / "raw.txt"
    raw.write_bytes(content)
    with pytest.raises(IngestError, match=expected) as info:
        ingest_file(raw, tmp_path / "corpus", source="X", published=dt.date(2014, 1, 6))
    assert "raw.txt" in str(info.value)


def test_missing_raw_file_is_an_ingest_error(tmp_path: Path) -> None:
    with pytest.raises(IngestError, match="cannot read"):
        ingest_file(tmp_path / "nope.txt", tmp_path / "corpus")


@needs_seeds
def test_ingest_many_continues_past_bad_files(tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    paths = [seed("000"), empty, seed("002"), seed("003"), seed("000")]
    outcomes = list(ingest_many(paths, tmp_path / "corpus"))

    assert [o.raw_path for o in outcomes] == paths
    assert [o.ok for o in outcomes] == [True, False, True, True, False]
    assert outcomes[2].result is not None and outcomes[2].result.article.published is None  # kept undated
    assert isinstance(outcomes[4].error, DuplicateArticleError)  # already added earlier in the batch
    loaded = load_corpus(tmp_path / "corpus")
    assert sorted(a.source for a in loaded.articles) == ["DW", "Middle East Eye", "TRT World"]
    assert loaded.errors == []


def test_a_page_not_in_english_is_added_with_a_note_saying_so(tmp_path: Path) -> None:
    raw = tmp_path / "jetee.txt"
    raw.write_text(
        "Le conseil vote la reconstruction de la jetée\n\n"
        "Le conseil municipal a voté mardi la reconstruction de la vieille jetée, qui est fermée depuis 2016.\n\n"
        "Les travaux dureront deux ans et seront payés par un fonds régional pour les côtes.\n",
        encoding="utf-8",
    )
    result = ingest_file(raw, tmp_path / "corpus", published=dt.date(2024, 3, 5), source="Le Littoral")
    assert result.article.title == "Le conseil vote la reconstruction de la jetée"  # added all the same
    assert any(w.startswith("the page does not look English") for w in result.warnings), result.warnings
