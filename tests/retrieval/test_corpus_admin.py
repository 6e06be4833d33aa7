"""Moderators' corpus chores: removing an article keeps its file, and a failure is one clear error."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import pytest

from retrieval.corpus import format_article, load_corpus, read_article
from retrieval.ingest.admin import REMOVED_DIRNAME, ArchiveAdminError, remove_article

from tests.retrieval.test_corpus import GOOD as ARTICLE


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / f"{ARTICLE.id}.md").write_text(format_article(ARTICLE), encoding="utf-8")
    return folder


def test_a_removed_article_is_kept_aside(corpus: Path) -> None:
    article, kept = remove_article(corpus, ARTICLE.id)
    assert article.title == ARTICLE.title and kept == corpus / REMOVED_DIRNAME / f"{ARTICLE.id}.md"
    assert load_corpus(corpus).articles == []


def test_a_removal_that_cannot_move_the_file_is_one_clear_error_and_loses_nothing(corpus: Path) -> None:
    (corpus / REMOVED_DIRNAME).write_text("in the way", encoding="utf-8")  # not a folder: nothing moves there
    with pytest.raises(ArchiveAdminError, match=r"cannot move .* into .*\.removed.*; make the corpus folder writable"):
        remove_article(corpus, ARTICLE.id)
    assert [a.id for a in load_corpus(corpus).articles] == [ARTICLE.id]


def test_recent_leaves_out_a_file_removed_while_it_sorts(corpus: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from retrieval.ingest import admin as corpus_admin

    gone = corpus / "gone-meanwhile.md"
    gone.write_text(format_article(ARTICLE).replace(ARTICLE.id, "gone-meanwhile"), encoding="utf-8")
    listed = corpus_admin.corpus_files(corpus)  # the listing still has it ...
    gone.unlink()  # ... but another moderator's /archive remove took it before its time was read
    monkeypatch.setattr(corpus_admin, "corpus_files", lambda _folder: listed)
    assert [a.id for a in corpus_admin.recent_articles(corpus, 5)] == [ARTICLE.id]


class _OneSecond(dt.datetime):
    """A clock stuck in one second: every removal in a test happens within it."""

    @classmethod
    def now(cls, tz: dt.tzinfo | None = None) -> _OneSecond:
        return cls(2026, 11, 27, 14, 30, 0, tzinfo=tz)


def test_an_article_removed_three_times_within_one_second_keeps_every_copy(
    corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from retrieval.ingest import admin as corpus_admin

    monkeypatch.setattr(corpus_admin, "dt", SimpleNamespace(datetime=_OneSecond, timezone=dt.timezone))
    versions = ["First version.", "Second version.", "Third version."]
    kept: list[Path] = []
    for body in versions:  # re-added (as a new version) and removed again, all within the second
        (corpus / f"{ARTICLE.id}.md").write_text(format_article(replace(ARTICLE, body=body)), encoding="utf-8")
        kept.append(remove_article(corpus, ARTICLE.id)[1])
    assert len(set(kept)) == 3 and load_corpus(corpus).articles == []
    bodies = sorted(read_article(path).body for path in (corpus / REMOVED_DIRNAME).iterdir())
    assert bodies == sorted(versions)  # no copy kept earlier was replaced


def test_a_copy_kept_by_another_removal_a_moment_before_the_move_is_not_replaced(
    corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from retrieval.ingest import admin as corpus_admin

    theirs = format_article(replace(ARTICLE, body="Kept by another moderator's removal."))
    move = corpus_admin.move_exclusively
    raced: list[Path] = []

    def after_another_removal(source: Path, target: Path) -> None:
        if not raced:  # the first name was free when chosen; another removal takes it first
            raced.append(target)
            target.write_text(theirs, encoding="utf-8")
        move(source, target)

    monkeypatch.setattr(corpus_admin, "move_exclusively", after_another_removal)
    _, kept = remove_article(corpus, ARTICLE.id)
    first = corpus / REMOVED_DIRNAME / f"{ARTICLE.id}.md"
    assert raced == [first] and kept != first and first.read_text(encoding="utf-8") == theirs
    assert read_article(kept).body == ARTICLE.body and load_corpus(corpus).articles == []
