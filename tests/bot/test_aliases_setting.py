"""NEWSDESK_ALIASES: a team's own name-variant groups, checked at start-up, used by every load."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.desk import load_archive
from bot.settings import SettingsError, load_settings
from retrieval.text.aliases import BUNDLED_ALIASES
from retrieval.answer.answerer import ask

ROOT = Path(__file__).resolve().parents[2]


def _settings(tmp_path: Path, aliases: Path):
    corpus = tmp_path / "corpus"
    if not corpus.exists():
        shutil.copytree(ROOT / "corpus", corpus)
    env = {"NEWSDESK_CORPUS": str(corpus), "NEWSDESK_ALIASES": str(aliases), "NEWSDESK_SEMANTIC": "off"}
    return load_settings(env, dotenv_path=None)


def test_a_bad_aliases_file_is_a_one_line_settings_error(tmp_path: Path) -> None:
    bad = tmp_path / "aliases.txt"
    bad.write_text("colour, color\nlonely\n", encoding="utf-8")
    with pytest.raises(SettingsError, match=r"NEWSDESK_ALIASES: .*line 2"):
        _settings(tmp_path, bad)
    with pytest.raises(SettingsError, match="no such aliases file"):
        _settings(tmp_path, tmp_path / "missing.txt")


def test_a_teams_own_group_is_used_and_the_index_is_rebuilt_for_it(tmp_path: Path) -> None:
    own = tmp_path / "aliases.txt"
    # The bundled groups plus one of the team's: "Persia" for Iran.
    own.write_text(BUNDLED_ALIASES.read_text(encoding="utf-8") + "\nIran, Persia\n", encoding="utf-8")
    settings = _settings(tmp_path, own)
    assert settings.analyzer() is settings.analyzer()  # one shared analyzer per file
    archive = load_archive(settings.corpus_dir, settings.index_path, semantic=False, analyzer=settings.analyzer())
    assert archive.analyzer("Persia") == archive.analyzer("Iran")
    persia, iran = ask(archive, "Did Persia send troops to Iraq?"), ask(archive, "Did Iran send troops to Iraq?")
    assert persia.answered and [r.excerpt for r in persia.results] == [r.excerpt for r in iran.results]
    # Loading with the bundled aliases sees other analyzer settings: it rebuilds, not reuses.
    plain = load_archive(settings.corpus_dir, settings.index_path, semantic=False)
    assert plain.analyzer("Persia") != plain.analyzer("Iran")
