"""A multi-megabyte page: `newsdesk ingest` reads only its first passages for meaning (the rest
is indexed by its words), says so in one line, and `newsdesk ask` still finds its last words."""

from __future__ import annotations

import json
import re
from collections import OrderedDict
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from bot.cli import main
from retrieval.index import reader
from retrieval.text import passages

PAGE = """<html><head><title>Reservoir levels keep rising in the valley</title>
<meta property="og:site_name" content="Valley Post">
<meta property="article:published_time" content="2021-04-15T08:00:00Z">
</head><body><article><h1>Reservoir levels keep rising in the valley</h1><p>{body}</p></article></body></html>"""
CLAUSE = "the water board said the levels of the reservoir in the northern valley kept rising"
# Small, so that the test reads few passages; what is bounded is the same at any size.
READ = 6


class CountingEngine:
    """Stands in for the reader's engine (the real one reads ~15 texts a second): records the
    texts it is given and returns unit vectors."""

    def __init__(self) -> None:
        self.texts: list[str] = []

    def passage(self, texts: list[str]) -> np.ndarray:
        self.texts.extend(texts)
        return self._vectors(texts)

    def query(self, text: str) -> np.ndarray:
        return self._vectors([text])[0]

    @staticmethod
    def _vectors(texts: list[str]) -> np.ndarray:
        rows = np.array([[len(t) % 7 + 1.0, len(t) % 5 + 1.0] + [1.0] * (reader.DIM - 2) for t in texts], dtype=np.float32)
        return rows / np.linalg.norm(rows, axis=1, keepdims=True)


@pytest.fixture
def engine(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, reader_on: None) -> CountingEngine:
    monkeypatch.setenv("NEWSDESK_CORPUS", str(tmp_path / "corpus"))  # an empty archive: the page alone
    counting = CountingEngine()
    monkeypatch.setattr(reader, "_model", counting)
    # Texts read earlier in this process (another test's pages) are not given to the engine again.
    monkeypatch.setattr(reader, "_remembered", OrderedDict())
    monkeypatch.setattr(passages, "MAX_READ_PASSAGES", READ)
    return counting


def test_a_multi_megabyte_page_is_read_for_meaning_in_part_and_found_by_its_words_to_the_end(
    engine: CountingEngine, tmp_path: Path
) -> None:
    # One sentence of about 2 MB; its last clauses name a pier no other text names.
    clauses = [f"{CLAUSE} on day {n}" for n in range(24_000)]
    clauses[-3] = "the harbour master named the new pier after Tovaline Quist on day 23997"
    page = tmp_path / "endless.html"
    page.write_text(PAGE.format(body=" and ".join(clauses) + "."), encoding="utf-8")
    assert page.stat().st_size > 2_000_000

    added = CliRunner().invoke(main, ["ingest", str(page)], catch_exceptions=False)

    assert added.exit_code == 0, added.output
    assert added.output.rstrip().endswith("1 added, 0 skipped, 0 failed")
    notes = [line for line in added.output.splitlines() if "read for meaning only" in line]
    assert len(notes) == 1 and f"only its first {READ} passages (of " in notes[0]
    page_passages = int(re.search(r"\(of (\d+)\)", notes[0]).group(1))
    assert page_passages > 2_000  # the page has thousands of passages
    # The reader was given the page's first passages only (one unit each: a piece of the
    # endless sentence is one "sentence" of at most 700 characters), and the ingest says so.
    assert 0 < len(engine.texts) <= READ
    assert not any("Tovaline" in t for t in engine.texts)
    assert f"read for meaning: {READ} of {page_passages} passages" in added.output

    asked = CliRunner().invoke(
        main, ["ask", "--no-log", "--json", "Who was the new pier named after by the harbour master?"],
        catch_exceptions=False,
    )
    assert asked.exit_code == 0, asked.output
    answer = json.loads(asked.output)
    assert answer["answered"], answer
    assert "Tovaline Quist" in answer["results"][0]["excerpt"]


def test_ingest_json_counts_the_passages_left_to_their_words(engine: CountingEngine, tmp_path: Path) -> None:
    clauses = [f"{CLAUSE} on day {n}" for n in range(2_000)]
    page = tmp_path / "long.html"
    page.write_text(PAGE.format(body=" and ".join(clauses) + "."), encoding="utf-8")

    added = CliRunner().invoke(main, ["ingest", "--json", str(page)], catch_exceptions=False)

    assert added.exit_code == 0, added.output
    index = json.loads(added.output)["index"]
    assert index["vectors"] == "done"
    assert index["passages_unread"] == index["passages"] - READ > 0
