"""The saved archive: loaded when current, rebuilt when the corpus or the file changes."""

from __future__ import annotations

import json
import logging
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from retrieval.archive import Archive
from retrieval.corpus import load_corpus
from retrieval.store.saved import (
    ARCHIVE_FILENAME,
    INDEX_DIRNAME,
    archive_file,
    load_or_build,
)

from retrieval.index.meaning import FusedScorer
from retrieval.answer.answerer import ask

ROOT = Path(__file__).resolve().parents[2]


def built_afresh(corpus: Path) -> Archive:
    """The archive built straight from the files, with no saved index involved."""
    loaded = load_corpus(corpus)
    return Archive.build(loaded.articles, errors=loaded.errors, scorer=FusedScorer.build)

QUESTIONS = [
    "What did Iran's supreme leader promise the Iraqi prime minister?",
    "When were Iran and Iraq at war with each other?",
    "Did Iran send troops to Iraq?",
    "What is the weather in Oslo tomorrow?",
]
NEW_ARTICLE = """---
id: test-2015-01-01-oslo-weather
title: Snow in Oslo
source: Test Wire
published: 2015-01-01
author:
url:
---
Heavy snow fell on Oslo on Thursday, and the weather service expects more snow in Oslo tomorrow.

Trains between Oslo and Bergen were cancelled because of the snow.
"""


@pytest.fixture()
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    shutil.copytree(ROOT / "corpus", folder, ignore=shutil.ignore_patterns(INDEX_DIRNAME))
    (folder / "broken.md").write_text("no header here\n", encoding="utf-8")
    return folder


def answers(archive: Archive) -> list[object]:
    return [ask(archive, q, 3, more=2) for q in QUESTIONS]


def loaded_from_file(caplog: pytest.LogCaptureFixture) -> bool:
    return any(r.getMessage().startswith("loaded index") for r in caplog.records)


def test_round_trip_gives_identical_archive_and_answers(corpus: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="retrieval.store.saved")
    built = load_or_build(corpus)
    assert not loaded_from_file(caplog)
    assert (corpus / INDEX_DIRNAME / ARCHIVE_FILENAME).is_file()
    caplog.clear()
    loaded = load_or_build(corpus)
    assert loaded_from_file(caplog)
    fresh = built_afresh(corpus)
    assert loaded.articles == fresh.articles
    assert [a.path for a in loaded.articles] == [a.path for a in fresh.articles]
    assert loaded.passages == fresh.passages
    assert answers(loaded) == answers(built) == answers(fresh)
    assert np.array_equal(loaded.index.weights, fresh.index.weights)
    assert loaded.index.vocabulary == fresh.index.vocabulary


def test_malformed_files_are_still_reported_from_the_saved_index(corpus: Path) -> None:
    load_or_build(corpus)
    loaded = load_or_build(corpus)
    assert [(e.path, e.problem) for e in loaded.errors] == [(e.path, e.problem) for e in built_afresh(corpus).errors]
    assert [e.path.name for e in loaded.errors] == ["broken.md"]
    assert "broken.md" in str(loaded.errors[0])


@pytest.mark.parametrize("change", ["add", "edit", "remove", "fix broken"])
def test_corpus_change_rebuilds(corpus: Path, change: str, caplog: pytest.LogCaptureFixture) -> None:
    load_or_build(corpus)
    if change == "add":
        (corpus / "test-2015-01-01-oslo-weather.md").write_text(NEW_ARTICLE, encoding="utf-8")
    elif change == "edit":
        path = sorted(corpus.glob("dw-*.md"))[0]
        text = path.read_text(encoding="utf-8")
        # Same size, same modification time: only the content tells.
        stat = path.stat()
        path.write_text(text.replace("Iran", "Oslo", 1), encoding="utf-8")
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1))
    elif change == "remove":
        sorted(corpus.glob("dw-*.md"))[0].unlink()
    else:
        (corpus / "broken.md").unlink()
    caplog.set_level(logging.INFO, logger="retrieval.store.saved")
    updated = load_or_build(corpus)
    assert not loaded_from_file(caplog)
    fresh = built_afresh(corpus)
    assert updated.passages == fresh.passages
    assert [e.path for e in updated.errors] == [e.path for e in fresh.errors]
    assert answers(updated) == answers(fresh)
    caplog.clear()
    load_or_build(corpus)
    assert loaded_from_file(caplog)


def test_new_article_is_answered_after_the_corpus_changes(corpus: Path) -> None:
    before = load_or_build(corpus)
    assert not ask(before, "How much snow fell in Oslo?").answered
    (corpus / "test-2015-01-01-oslo-weather.md").write_text(NEW_ARTICLE, encoding="utf-8")
    seen: list[tuple[int, int]] = []
    after = load_or_build(corpus, None, progress=lambda done, total: seen.append((done, total)))
    answer = ask(after, "How much snow fell in Oslo?")
    assert answer.answered and answer.results[0].article_id == "test-2015-01-01-oslo-weather"
    assert seen and seen[-1][0] == seen[-1][1] == len(after.passages)


def test_touched_files_are_compared_by_content_not_rebuilt(corpus: Path, caplog: pytest.LogCaptureFixture) -> None:
    load_or_build(corpus)
    for path in corpus.glob("*.md"):
        os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    caplog.set_level(logging.INFO, logger="retrieval.store.saved")
    archive = load_or_build(corpus)
    assert loaded_from_file(caplog)
    assert answers(archive) == answers(built_afresh(corpus))
    # The new times were recorded: the next load reads no file but the one in error (whose
    # size and time prove nothing: it may have been made readable since).
    import retrieval.store.fingerprint as store

    real_digest = store.digest

    def no_hashing(path: Path) -> str:
        if path.name != "broken.md":
            raise AssertionError(f"hashed {path}")
        return real_digest(path)

    caplog.clear()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(store, "digest", no_hashing)
        load_or_build(corpus)
    assert loaded_from_file(caplog)


@pytest.mark.parametrize("damage", ["garbage", "truncated", "empty", "old format", "missing member"])
def test_damaged_or_old_index_is_rebuilt_with_a_warning(
    corpus: Path, damage: str, caplog: pytest.LogCaptureFixture
) -> None:
    load_or_build(corpus)
    path = corpus / INDEX_DIRNAME / ARCHIVE_FILENAME
    data = path.read_bytes()
    if damage == "garbage":
        path.write_bytes(b"not an index at all" * 100)
    elif damage == "truncated":
        path.write_bytes(data[: len(data) // 2])
    elif damage == "empty":
        path.write_bytes(b"")
    else:
        with np.load(path) as saved:
            arrays = {name: saved[name] for name in saved.files}
        if damage == "old format":
            meta = json.loads(arrays["store_meta"].tobytes())
            meta["format"] = 0
            arrays["store_meta"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
        else:
            del arrays["sentences"]
        with path.open("wb") as handle:
            np.savez(handle, **arrays)
    caplog.set_level(logging.INFO, logger="retrieval.store.saved")
    archive = load_or_build(corpus)
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings and str(path) in warnings[0].getMessage()
    assert answers(archive) == answers(built_afresh(corpus))
    caplog.clear()
    load_or_build(corpus)  # the rebuilt file is good again
    assert loaded_from_file(caplog)


def test_unwritable_index_location_still_answers(corpus: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    caplog.set_level(logging.WARNING, logger="retrieval.store.saved")
    archive = load_or_build(corpus, blocker / "index")  # cannot make a folder inside a file
    # One warning naming the file in the way, not "unreadable" and then "could not save".
    assert [r.getMessage().split(",")[0] for r in caplog.records] == [f"{blocker} is a file"]
    assert answers(archive) == answers(built_afresh(corpus))
    assert blocker.read_text() == "x"
    assert not list(tmp_path.glob("**/*.tmp"))


def test_failed_write_leaves_no_temporary_file(corpus: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(np, "savez", fail)
    archive = load_or_build(corpus)
    assert ask(archive, QUESTIONS[0]).answered
    assert list((corpus / INDEX_DIRNAME).iterdir()) == []


def test_explicit_index_path_folder_or_file(corpus: Path, tmp_path: Path) -> None:
    load_or_build(corpus, tmp_path / "cache")
    assert (tmp_path / "cache" / ARCHIVE_FILENAME).is_file()
    load_or_build(corpus, tmp_path / "one.npz")
    assert (tmp_path / "one.npz").is_file()
    assert archive_file(tmp_path / "one.npz") == tmp_path / "one.npz"
    assert not (corpus / INDEX_DIRNAME).exists()


def test_code_change_rebuilds(corpus: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    import retrieval.store.saved as store

    load_or_build(corpus)
    monkeypatch.setattr(store, "code_fingerprint", lambda: "different code")
    caplog.set_level(logging.INFO, logger="retrieval.store.saved")
    load_or_build(corpus)
    assert any("code changed" in r.getMessage() for r in caplog.records)


def test_a_change_to_the_layout_code_rebuilds(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # The packing code lives beside store.py: editing it must invalidate saved archives too.
    from retrieval.store import layout as store_layout

    load_or_build(corpus)
    edited = tmp_path / "store_layout.py"
    edited.write_text(Path(store_layout.__file__).read_text(encoding="utf-8") + "# edited\n", encoding="utf-8")
    monkeypatch.setattr(store_layout, "__file__", str(edited))
    caplog.set_level(logging.INFO, logger="retrieval.store.saved")
    load_or_build(corpus)
    assert any("code changed" in r.getMessage() for r in caplog.records)


def test_analyzer_settings_change_rebuilds(corpus: Path) -> None:
    from retrieval.text.analyzer import Analyzer

    load_or_build(corpus)
    fewer_stopwords = Analyzer(stopwords=frozenset({"the"}))
    archive = load_or_build(corpus, analyzer=fewer_stopwords)
    assert archive.analyzer is fewer_stopwords
    assert "what" in archive.index.vocabulary


def test_missing_corpus_folder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="NEWSDESK_CORPUS"):
        load_or_build(tmp_path / "nope")


def test_empty_corpus_round_trips(tmp_path: Path) -> None:
    folder = tmp_path / "empty"
    folder.mkdir()
    load_or_build(folder)
    archive = load_or_build(folder)
    assert archive.passages == [] and archive.articles == []
    assert not ask(archive, "Did Iran send troops?").answered


def test_desk_load_archive_uses_the_saved_index(corpus: Path, caplog: pytest.LogCaptureFixture) -> None:
    from bot.desk import load_archive

    load_archive(corpus, None)
    caplog.set_level(logging.INFO)
    archive = load_archive(corpus, None)
    assert loaded_from_file(caplog)
    assert any("corpus file skipped" in r.getMessage() and "broken.md" in r.getMessage() for r in caplog.records)
    assert ask(archive, QUESTIONS[0]).answered
