"""A page of one endless sentence (~1 MB) goes through `newsdesk ingest` and `ask` with bounded pieces."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import main
from retrieval.corpus import load_corpus
import numpy as np

from retrieval.index import reader
from retrieval.text.passages import MAX_PASSAGE_CHARS, corpus_passages

PAGE = """<html><head><title>{title}</title>
<meta property="og:site_name" content="Valley Post">
<meta property="article:published_time" content="2021-04-15T08:00:00Z">
</head><body><article><h1>{title}</h1>{body}</article></body></html>"""


@pytest.fixture
def env(empty_corpus: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("NEWSDESK_INDEX", raising=False)
    return empty_corpus


def _page(folder: Path, name: str, title: str, paragraphs: list[str]) -> Path:
    path = folder / name
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    path.write_text(PAGE.format(title=title, body=body), encoding="utf-8")
    return path


def test_a_one_megabyte_sentence_is_cut_into_bounded_passages_and_asking_still_works(
    env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pages = tmp_path / "pages"
    pages.mkdir()
    clause = "the water board said the levels of the reservoir in the northern valley kept rising"
    endless = " and ".join(f"{clause} on day {n}" for n in range(11_000)) + "."
    assert len(endless) > 1_000_000 and endless.count(". ") == 0
    _page(pages, "endless.html", "Reservoir levels keep rising in the valley", [endless])
    _page(
        pages,
        "spillway.html",
        "Engineers open Orin dam spillway after record rain",
        [
            "Engineers opened the spillway of the Orin dam on Thursday after record rain.",
            "The reservoir had risen to within a metre of the crest, the water board said.",
        ],
    )
    # Every text the reader sees is bounded, whatever the page held. The engine is replaced by
    # one that records what it is given (the real one reads ~15 passages a second: minutes here).
    seen: list[int] = []
    monkeypatch.setattr(reader, "_model", _RecordingEngine(seen))
    monkeypatch.setenv("NEWSDESK_READER", "on")

    added = CliRunner().invoke(main, ["ingest", str(pages)], catch_exceptions=False)
    assert added.exit_code == 0, added.output
    assert added.output.rstrip().endswith("2 added, 0 skipped, 0 failed")

    articles = load_corpus(env).articles
    assert max(len(a.body) for a in articles) > 1_000_000  # the page is kept whole
    passages = corpus_passages(articles)
    assert max(len(p.text) for p in passages) <= MAX_PASSAGE_CHARS
    assert max(len(s) for p in passages for s in p.sentences) <= MAX_PASSAGE_CHARS

    asked = CliRunner().invoke(main, ["ask", "Why did engineers open the Orin dam spillway?", "--json"], catch_exceptions=False)
    assert asked.exit_code == 0, asked.output
    answer = json.loads(asked.output)
    assert answer["answered"] and "Orin" in answer["results"][0]["title"]
    endless_asked = CliRunner().invoke(main, ["ask", "What did the water board say about day 7406?", "--json"], catch_exceptions=False)
    assert endless_asked.exit_code == 0, endless_asked.output
    results = json.loads(endless_asked.output)["results"]
    assert results and all(len(r["excerpt"]) <= MAX_PASSAGE_CHARS * 2 for r in results)
    assert seen and max(seen) <= min(MAX_PASSAGE_CHARS, reader.MAX_CHARS)


class _RecordingEngine:
    """Stands in for the reader's engine: records each text's length, returns unit vectors."""

    def __init__(self, seen: list[int]) -> None:
        self.seen = seen

    def passage(self, texts: list[str]) -> np.ndarray:
        self.seen.extend(map(len, texts))
        return self._vectors(texts)

    def query(self, text: str) -> np.ndarray:
        self.seen.append(len(text))
        return self._vectors([text])[0]

    @staticmethod
    def _vectors(texts: list[str]) -> np.ndarray:
        rows = np.array([[len(t) % 7 + 1.0, len(t) % 5 + 1.0] + [1.0] * (reader.DIM - 2) for t in texts], dtype=np.float32)
        return rows / np.linalg.norm(rows, axis=1, keepdims=True)
