"""Ingest's view of the corpus comes from a catalog: unchanged files are not read again, changed ones are."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from retrieval.ingest import catalog as corpus_index
from retrieval.ingest.catalog import CorpusIndex
from retrieval.ingest.pages import DuplicateArticleError, ingest_file
from tests.paths import HTML_DIR, ROOT


@pytest.fixture()
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    shutil.copytree(ROOT / "corpus", folder, ignore=shutil.ignore_patterns(".index"))
    return folder


def counting_reads(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    reads: list[Path] = []
    real = corpus_index.read_article

    def read(path: Path):  # type: ignore[no-untyped-def]
        reads.append(path)
        return real(path)

    monkeypatch.setattr(corpus_index, "read_article", read)
    return reads


def test_unchanged_files_are_not_read_again(corpus: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = CorpusIndex(corpus)
    reads = counting_reads(monkeypatch)
    again = CorpusIndex(corpus)
    assert reads == [] and again.by_id == first.by_id and again.by_body == first.by_body
    edited = sorted(corpus.glob("*.md"))[0]
    edited.write_text(edited.read_text(encoding="utf-8").replace("Iran", "Oman"), encoding="utf-8")
    CorpusIndex(corpus)
    assert reads == [edited]


def test_a_page_is_refused_as_a_duplicate_through_the_catalog(corpus: Path) -> None:
    written = ingest_file(HTML_DIR / "article.html", corpus).path
    assert (corpus / ".index" / corpus_index.CATALOG_FILENAME).is_file()
    with pytest.raises(DuplicateArticleError) as refused:
        ingest_file(HTML_DIR / "article.html", corpus)
    assert refused.value.existing == written
    replaced = ingest_file(HTML_DIR / "article.html", corpus, overwrite=True)
    assert replaced.replaced and replaced.path == written


def test_a_damaged_catalog_is_rebuilt_from_the_files(corpus: Path) -> None:
    expected = CorpusIndex(corpus).by_id
    (corpus / ".index" / corpus_index.CATALOG_FILENAME).write_text("{not json", encoding="utf-8")
    assert CorpusIndex(corpus).by_id == expected


def test_building_the_archive_writes_the_catalog(corpus: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from retrieval.store.saved import load_or_build

    (corpus / "broken.md").write_text("no header\n", encoding="utf-8")
    load_or_build(corpus, semantic=False)
    reads = counting_reads(monkeypatch)
    index = CorpusIndex(corpus)
    assert reads == [] and len(index.by_id) == 5
