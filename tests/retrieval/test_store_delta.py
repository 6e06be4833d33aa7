"""A saved archive plus changed corpus files: applied as a delta, answering as a rebuild does."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from retrieval.store import delta as store_delta
from retrieval.store.saved import load_or_build
from tests.retrieval.test_store import NEW_ARTICLE, QUESTIONS, built_afresh, corpus  # noqa: F401 - fixture
from retrieval.answer.answerer import ask

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture()
def deltas(monkeypatch: pytest.MonkeyPatch) -> None:
    """Treat the small test corpus as one large enough for deltas."""
    monkeypatch.setattr(store_delta, "DELTA_MIN_CORPUS_BYTES", 0)
    monkeypatch.setattr(store_delta, "DELTA_MAX_SHARE", 1.0)


def results(archive) -> list[tuple[bool, list[tuple[str, str, float]]]]:  # type: ignore[no-untyped-def]
    return [
        (a.answered, [(r.passage_id, r.excerpt, round(r.score, 9)) for r in a.results])
        for a in (ask(archive, q, 3) for q in QUESTIONS + ["How much snow fell in Oslo?"])
    ]


def rebuilt_log(caplog: pytest.LogCaptureFixture) -> bool:
    return any("rebuilding" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("change", ["add", "edit", "remove", "fix broken", "break one"])
def test_changed_files_are_applied_as_a_delta(
    corpus: Path, deltas: None, change: str, caplog: pytest.LogCaptureFixture  # noqa: F811
) -> None:
    load_or_build(corpus)
    first = sorted(corpus.glob("dw-*.md"))[0]
    if change == "add":
        (corpus / "test-2015-01-01-oslo-weather.md").write_text(NEW_ARTICLE, encoding="utf-8")
    elif change == "edit":
        first.write_text(first.read_text(encoding="utf-8") + "\nSnow fell in Oslo, 40 cm of it.\n", encoding="utf-8")
    elif change == "remove":
        first.unlink()
    elif change == "fix broken":
        (corpus / "broken.md").write_text(NEW_ARTICLE, encoding="utf-8")
    else:
        first.write_text("no header any more\n", encoding="utf-8")
    caplog.set_level(logging.INFO)
    updated = load_or_build(corpus)
    assert not rebuilt_log(caplog)
    assert any("as a delta" in r.getMessage() for r in caplog.records)
    fresh = built_afresh(corpus)
    assert sorted(a.id for a in updated.articles) == sorted(a.id for a in fresh.articles)
    assert [(e.path, e.problem) for e in updated.errors] == [(e.path, e.problem) for e in fresh.errors]
    assert results(updated) == results(fresh)


def test_a_large_change_merges_into_a_new_base(corpus: Path, deltas: None, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:  # noqa: F811
    load_or_build(corpus)
    (corpus / "test-2015-01-01-oslo-weather.md").write_text(NEW_ARTICLE, encoding="utf-8")
    monkeypatch.setattr(store_delta, "DELTA_MAX_SHARE", 0.01)
    caplog.set_level(logging.INFO)
    merged = load_or_build(corpus)
    assert rebuilt_log(caplog)
    caplog.clear()
    again = load_or_build(corpus)  # the new base holds the article: no delta
    assert not any("as a delta" in r.getMessage() for r in caplog.records)
    assert results(again) == results(merged)


READER = textwrap.dedent(
    """
    import sys, time
    from retrieval.store.saved import load_or_build
    from retrieval.answer.answerer import ask
    archive = load_or_build(sys.argv[1], semantic=False)
    print("ready", flush=True)
    deadline = time.monotonic() + 20
    answered = 0
    while time.monotonic() < deadline:
        for question in ("Iran Iraq help", "militants war", "prime minister promise"):
            answered += ask(archive, question, 3).answered
            archive.sentences(archive.articles[0].id)
        if sys.stdin.readline().strip() == "stop":
            break
    print("answered", answered, flush=True)
    """
)


def test_a_reader_keeps_working_while_another_process_replaces_the_archive(corpus: Path) -> None:  # noqa: F811
    load_or_build(corpus, semantic=False)
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(corpus)],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert reader.stdout is not None and reader.stdin is not None
    assert reader.stdout.readline().strip() == "ready"
    for n in range(3):  # each change rebuilds the small corpus and replaces the saved file
        (corpus / f"test-{n}.md").write_text(NEW_ARTICLE.replace("oslo-weather", f"oslo-{n}"), encoding="utf-8")
        subprocess.run([sys.executable, "-c", "import sys; from retrieval.store.saved import load_or_build; "
                        "load_or_build(sys.argv[1], semantic=False)", str(corpus)], cwd=ROOT, check=True,
                       env={**os.environ, "PYTHONPATH": str(ROOT)})
        reader.stdin.write("go\n")
        reader.stdin.flush()
    reader.stdin.write("stop\n")
    reader.stdin.flush()
    out, _ = reader.communicate(timeout=60)
    assert reader.returncode == 0, f"the reader died ({reader.returncode}): a mapped file was rewritten in place"
    assert int(out.split()[-1]) > 0
