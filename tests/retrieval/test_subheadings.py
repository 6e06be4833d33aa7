"""A subheading asked or exclaimed ("A new alliance?") stands alone in excerpts, wherever the
archive comes from: built, saved and loaded, or changed by a delta; a short question inside a
body paragraph still reads on into its neighbours."""

from __future__ import annotations

import datetime as dt
import json
import logging
from pathlib import Path

import numpy as np
import pytest

from retrieval.archive import Archive
from retrieval.corpus import Article
from retrieval.text.passages import article_passages, is_heading
from retrieval.store.saved import ARCHIVE_FILENAME, INDEX_DIRNAME, load_or_build
from retrieval.answer.answerer import ask
from retrieval.index.changes import apply_changes

SUBHEADING = "A new harbour pact?"
BODY_BEFORE = (
    "The harbour boards of Port Elwin and Kestrel Bay met on Monday to discuss dredging, pilotage "
    "and the cost of keeping both channels open through the winter storms."
)
BODY_AFTER = (
    "This is the first visit of the Kestrel Bay harbour master to Port Elwin since the quarrel over "
    "fishing rights. Both boards said a joint pilot service could start in the spring."
)
QUESTION = "first visit of the kestrel bay harbour master to port elwin"
OTHER = Article("weather-1", "Weather", "Gazette", dt.date(2020, 3, 3), "Rain is expected on the hills on Sunday.")


def _article(article_id: str = "gazette-1", body: str | None = None) -> Article:
    body = body if body is not None else "\n\n".join([BODY_BEFORE, SUBHEADING, BODY_AFTER])
    return Article(article_id, "Harbour talks", "Gazette", dt.date(2020, 3, 2), body)


def _write(folder: Path, article: Article) -> None:
    folder.mkdir(exist_ok=True)
    header = f"---\nid: {article.id}\ntitle: {article.title}\nsource: {article.source}\npublished: {article.published}\nauthor:\nurl:\n---\n"
    (folder / f"{article.id}.md").write_text(header + article.body + "\n", encoding="utf-8")


def _excerpts(archive: Archive, question: str = QUESTION) -> list[str]:
    answer = ask(archive, question, 3)
    assert answer.answered
    return [e.excerpt for e in answer.results]


def assert_subheading_alone(archive: Archive) -> None:
    excerpts = _excerpts(archive)
    assert excerpts[0].startswith("This is the first visit")
    for excerpt in excerpts:
        # Shown alone or not at all: never glued to the sentence after it (or before it).
        assert SUBHEADING not in excerpt or excerpt == SUBHEADING


def test_a_question_subheading_stands_alone_in_a_built_archive() -> None:
    assert_subheading_alone(Archive.build([_article(), OTHER]))


def test_a_question_subheading_stands_alone_in_a_saved_and_loaded_archive(tmp_path: Path) -> None:
    folder = tmp_path / "corpus"
    for article in (_article(), OTHER):
        _write(folder, article)
    load_or_build(folder, semantic=False)  # builds and saves
    loaded = load_or_build(folder, semantic=False)
    assert_subheading_alone(loaded)
    flags = [h for p in loaded.passages for h in p.heading_flags]
    assert flags == loaded.tables.sentence_headings.tolist() and any(flags)


def test_a_question_subheading_stands_alone_after_a_change_adds_its_article(tmp_path: Path) -> None:
    base = Archive.build([OTHER, _article("gazette-0", BODY_BEFORE)])
    assert_subheading_alone(apply_changes(base, [_article()]))
    folder = tmp_path / "corpus"
    _write(folder, OTHER)
    load_or_build(folder, semantic=False)
    assert_subheading_alone(apply_changes(load_or_build(folder, semantic=False), [_article()]))


def test_a_short_question_inside_a_body_paragraph_joins_its_neighbours() -> None:
    body = (
        "The council spent the whole of March arguing about a campaign for the new ferry to Kestrel Bay. "
        "The tagline? Nobody on the ferry committee could agree on a single word of it."
    )
    archive = Archive.build([_article(body=body), OTHER])
    excerpt = _excerpts(archive, "ferry committee tagline")[0]
    assert "The tagline? Nobody on the ferry committee" in excerpt


@pytest.mark.parametrize(
    ("paragraph", "alone"),
    [
        ("A new harbour pact?", True),
        ("What's next for the pier?", True),
        ("Storm ahead!", True),
        ('"Why now?"', False),  # a quotation, not a subheading
        ("'Who pays?'", False),
        ("Why would the harbour board now vote to close the pier?", False),  # too long: body text
    ],
)
def test_a_short_paragraph_that_asks_or_exclaims_is_a_heading(paragraph: str, alone: bool) -> None:
    article = _article(body="\n\n".join([BODY_BEFORE, paragraph, BODY_AFTER]))
    flags = {s: h for p in article_passages(article) for s, h in zip(p.sentences, p.heading_flags)}
    assert flags[paragraph] is alone
    assert not is_heading(paragraph)  # the text alone does not show it: the paragraph does


def test_an_index_saved_with_the_old_heading_flags_is_rebuilt(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    folder = tmp_path / "corpus"
    for article in (_article(), OTHER):
        _write(folder, article)
    load_or_build(folder, semantic=False)
    path = folder / INDEX_DIRNAME / ARCHIVE_FILENAME
    with np.load(path) as saved:
        arrays = {name: saved[name] for name in saved.files}
    meta = json.loads(arrays["store_meta"].tobytes())
    meta["format"] = 5  # the last format whose flags came from the sentence alone
    arrays["store_meta"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    arrays["sentence_headings"] = np.zeros_like(arrays["sentence_headings"])  # as the old rule saw them
    with path.open("wb") as handle:
        np.savez(handle, **arrays)
    caplog.set_level(logging.INFO, logger="retrieval.store.saved")
    archive = load_or_build(folder, semantic=False)
    assert any("rebuilding" in r.getMessage() and r.levelno == logging.WARNING for r in caplog.records)
    assert_subheading_alone(archive)
    assert_subheading_alone(load_or_build(folder, semantic=False))  # and saved again with the new flags
