"""Ids stay unique in every script, --overwrite only replaces the same article, and size is capped."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from retrieval.corpus import MAX_ARTICLE_BYTES, load_corpus
from retrieval.ingest.pages import (
    DuplicateArticleError,
    IngestError,
    Overrides,
    RawPage,
    extract_page,
    ingest_file,
    ingest_many,
    ingest_pages,
    summarise,
)

from tests.paths import HTML_DIR

DAY = dt.date(2014, 10, 21)


def text_page(tmp_path: Path, name: str, title: str, body: str) -> Path:
    raw = tmp_path / name
    raw.write_text(f"{title}\n\nOctober 21, 2014\n\n{body}\n", encoding="utf-8")
    return raw


def html_page(tmp_path: Path, name: str, *, url: str, title: str, extra: str = "") -> Path:
    html = (HTML_DIR / "article.html").read_text(encoding="utf-8")
    html = html.replace("https://ledger.example.org/news/2024/03/05/pier-rebuild", url)
    html = html.replace("Harbour Town council votes to rebuild the old pier", title)
    html = html.replace("Opponents had argued", f"{extra} Opponents had argued")
    raw = tmp_path / name
    raw.write_text(html, encoding="utf-8")
    return raw


def test_two_arabic_titles_from_one_outlet_and_day_get_different_readable_ids(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    first = text_page(tmp_path, "a.txt", "إيران تتعهد بمساعدة العراق ضد مسلحي داعش", "قال الرئيس الإيراني إن بلاده ستساعد.")
    second = text_page(tmp_path, "b.txt", "إيران تعرض المساعدة العسكرية على العراق", "عرضت طهران المزيد من الدعم.")
    ids = [ingest_file(raw, corpus, source="DW").article.id for raw in (first, second)]
    assert ids[0] != ids[1]
    assert all(i.startswith("dw-2014-10-21-") and i.isascii() for i in ids)
    assert sorted(a.id for a in load_corpus(corpus).articles) == sorted(ids)


def test_overwrite_never_replaces_a_different_article_with_the_same_id(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    stem = "Iran pledges to help Iraq against militants in a long fight"
    one = text_page(tmp_path, "one.txt", f"{stem} near Baghdad", "First story about Baghdad.")
    two = text_page(tmp_path, "two.txt", f"{stem} near Mosul", "Second story about Mosul.")
    kept = ingest_file(one, corpus, source="DW")
    other = ingest_file(two, corpus, source="DW", overwrite=True)
    assert not other.replaced and other.article.id != kept.article.id
    assert sorted(a.title for a in load_corpus(corpus).articles) == sorted([f"{stem} near Baghdad", f"{stem} near Mosul"])


def test_same_url_is_the_same_article_even_under_a_new_title(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    url = "https://ledger.example.org/news/pier"
    first = ingest_file(html_page(tmp_path, "v1.html", url=url, title="Council votes on the pier"), corpus)
    updated = html_page(tmp_path, "v2.html", url=url, title="Council votes to rebuild the pier", extra="Update: work starts in May.")
    with pytest.raises(DuplicateArticleError, match="same URL.*--overwrite"):
        ingest_file(updated, corpus)
    second = ingest_file(updated, corpus, overwrite=True)
    assert second.replaced and second.article.id == first.article.id
    (article,) = load_corpus(corpus).articles
    assert article.title == "Council votes to rebuild the pier" and "work starts in May" in article.body


def test_a_canonical_link_to_the_site_s_home_page_does_not_make_two_articles_one(tmp_path: Path) -> None:
    # Some sites give every page their home page as its canonical address.
    corpus = tmp_path / "corpus"
    for name, title in (("a.html", "Storm hits the pier"), ("b.html", "Council picks a new mayor")):
        raw = html_page(tmp_path, name, url="https://ledger.example.org/", title=title, extra=f"{title}.")
        assert not ingest_file(raw, corpus, overwrite=True).replaced
    articles = load_corpus(corpus).articles
    assert sorted(a.title for a in articles) == ["Council picks a new mayor", "Storm hits the pier"]
    assert not any(a.url for a in articles)  # a home page is no article's address
    fetched = "https://ledger.example.org/news/storm"
    page = RawPage(fetched, (tmp_path / "a.html").read_bytes(), url=fetched, is_html=True)
    assert extract_page(page).url == fetched  # the address it came from instead


def test_tracking_parameters_and_fragments_are_not_part_of_an_article_s_address(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    html = (HTML_DIR / "article.html").read_bytes().replace(
        b'<link rel="canonical" href="https://ledger.example.org/news/2024/03/05/pier-rebuild">', b""
    )
    shared = "https://ledger.example.org/news/pier?id=7&utm_source=rss&utm_medium=feed#comments"
    first = ingest_pages([lambda: RawPage(shared, html, url=shared, is_html=True)], corpus, Overrides())
    assert [o.result.article.url for o in first] == ["https://ledger.example.org/news/pier?id=7"]
    updated = html.replace(b"Opponents had argued", b"Update: work starts in May. Opponents had argued")
    again = "https://ledger.example.org/news/pier?fbclid=XYZ&id=7"
    (outcome,) = ingest_pages([lambda: RawPage(again, updated, url=again, is_html=True)], corpus, Overrides())
    assert "same URL https://ledger.example.org/news/pier?id=7" in str(outcome.error)  # the same article, changed


def test_a_page_ingested_again_says_whether_it_changed_since(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    url = "https://ledger.example.org/news/pier"
    ingest_file(html_page(tmp_path, "v1.html", url=url, title="Council votes on the pier"), corpus)
    same = html_page(tmp_path, "v1-again.html", url=url, title="Council votes on the pier")
    updated = html_page(tmp_path, "v2.html", url=url, title="Council votes on the pier", extra="Update: work starts in May.")
    outcomes = list(ingest_many([same, updated], corpus))
    unchanged, changed = (str(o.error) for o in outcomes)
    assert unchanged.endswith("(same URL https://ledger.example.org/news/pier), unchanged") and "--overwrite" not in unchanged
    assert changed.endswith("(same URL https://ledger.example.org/news/pier); its text has changed since: pass --overwrite to replace it")
    assert summarise(outcomes) == "0 added, 2 skipped (1 already in the corpus, 1 changed since it was added), 0 failed"


def test_an_article_a_moderator_removed_is_not_brought_back_by_running_a_batch_again(tmp_path: Path) -> None:
    from retrieval.ingest.admin import remove_article

    corpus = tmp_path / "corpus"
    raw = html_page(tmp_path, "pier.html", url="https://ledger.example.org/news/pier", title="Council votes on the pier")
    added = ingest_file(raw, corpus)
    remove_article(corpus, added.article.id)  # /archive remove
    (outcome,) = ingest_many([raw], corpus)
    assert outcome.skipped and outcome.error.reason == "removed from the archive"
    assert str(outcome.error) == (
        f"{raw} was removed from the archive (kept as .removed/{added.path.name}); pass --overwrite to add it again"
    )
    assert load_corpus(corpus).articles == []
    assert ingest_file(raw, corpus, overwrite=True).article.id == added.article.id  # on purpose, it comes back


def test_another_url_with_the_same_title_is_a_different_article(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    title = "Council votes on the pier"
    ingest_file(html_page(tmp_path, "a.html", url="https://ledger.example.org/a", title=title), corpus)
    other = html_page(tmp_path, "b.html", url="https://ledger.example.org/b", title=title, extra="Another text.")
    with pytest.raises(DuplicateArticleError, match="same title and date"):  # refused, not replaced
        ingest_file(other, corpus, overwrite=True)
    assert [a.url for a in load_corpus(corpus).articles] == ["https://ledger.example.org/a"]


def test_a_page_over_the_size_cap_is_refused_clearly(tmp_path: Path) -> None:
    giant = tmp_path / "giant.txt"
    giant.write_text("Giant page\n\nOctober 21, 2014\n\n" + "word " * (MAX_ARTICLE_BYTES // 5 + 10), encoding="utf-8")
    with pytest.raises(IngestError, match=r"giant.txt is 5\.0 MB, over the 5 MB limit") as info:
        ingest_file(giant, tmp_path / "corpus", source="DW")
    assert info.value.reason == "too large"
    assert not (tmp_path / "corpus").exists()


def test_a_corpus_file_over_the_size_cap_is_skipped_at_load(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    ingest_file(text_page(tmp_path, "small.txt", "A small story", "Short text."), corpus, source="DW")
    big = corpus / "dw-2014-10-21-big.md"
    big.write_text("---\nid: dw-2014-10-21-big\ntitle: Big\nsource: DW\npublished: 2014-10-21\n---\n" + "x" * MAX_ARTICLE_BYTES)
    loaded = load_corpus(corpus)
    assert [a.title for a in loaded.articles] == ["A small story"]
    assert [e.path for e in loaded.errors] == [big] and "5 MB limit" in str(loaded.errors[0])


def test_batch_summary_counts_added_skipped_and_failed_with_reasons(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    good = text_page(tmp_path, "good.txt", "A small story", "Short text.")
    undated = tmp_path / "undated.txt"
    undated.write_text("No date here\n\nJust text.\n", encoding="utf-8")
    outcomes = list(ingest_many([good, good, undated, tmp_path / "missing.txt"], corpus, source="DW"))
    assert summarise(outcomes) == (
        "2 added (1 undated), 1 skipped (1 already in the corpus), 1 failed (1 cannot read)"
    )


def _prepared_then_raced(tmp_path: Path, mine: Path, theirs: Path):
    """``mine`` is prepared (its id chosen), then another ingest adds ``theirs`` before ``mine`` is written."""
    from retrieval.ingest.pages import Overrides, open_index, prepare_page
    from retrieval.ingest.raw_page import read_file

    corpus = tmp_path / "corpus"
    index = open_index(corpus)
    prepared = prepare_page(read_file(mine), corpus, index, Overrides(source="DW"))
    other = ingest_file(theirs, corpus, source="DW")  # another process, its own view of the corpus
    assert other.article.id == prepared.article.id  # both chose the same free id
    return corpus, index, prepared, other


def test_two_ingests_at_once_never_overwrite_each_other_s_new_article(tmp_path: Path) -> None:
    from retrieval.ingest.pages import commit

    stem = "Iran pledges to help Iraq against militants in a long fight"
    mine = text_page(tmp_path, "one.txt", f"{stem} near Baghdad", "First story about Baghdad.")
    theirs = text_page(tmp_path, "two.txt", f"{stem} near Mosul", "Second story about Mosul.")
    corpus, index, prepared, other = _prepared_then_raced(tmp_path, mine, theirs)
    written = commit(prepared, corpus, index)
    assert written.path != other.path and not written.replaced  # the next free id
    assert sorted(a.title for a in load_corpus(corpus).articles) == sorted([f"{stem} near Baghdad", f"{stem} near Mosul"])


def test_an_ingest_that_lost_the_race_to_the_same_title_is_skipped_as_a_duplicate(tmp_path: Path) -> None:
    from retrieval.ingest.pages import commit

    mine = text_page(tmp_path, "one.txt", "Iran pledges help", "The first report of the pledge.")
    theirs = text_page(tmp_path, "two.txt", "Iran pledges help", "Another report, other words.")
    corpus, index, prepared, other = _prepared_then_raced(tmp_path, mine, theirs)
    with pytest.raises(DuplicateArticleError, match="already in the corpus .*same id .* and title") as caught:
        commit(prepared, corpus, index)  # as it would be had the other ingest finished first
    assert caught.value.existing == other.path
    assert [a.body for a in load_corpus(corpus).articles] == ["Another report, other words."]
