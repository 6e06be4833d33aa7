"""Name variants kept as data: any name of a group finds articles using any other."""

from __future__ import annotations

from pathlib import Path

import pytest

from retrieval.text.aliases import BUNDLED_ALIASES, AliasError, Aliases, load_aliases, parse_aliases
from retrieval.text.analyzer import Analyzer
from retrieval.archive import Archive, bm25_scorer
from retrieval.corpus import Article
from retrieval.index.scoring import ScorerFactory
from retrieval.index.meaning import FusedScorer
from retrieval.answer.answerer import ask, understand

GROUPS = """
# a comment, then groups
Blue League, BL, Bluers
colour, color
harbour master, port master, harbourmaster
"""


def _analyzer(text: str = GROUPS) -> Analyzer:
    return Analyzer(aliases=parse_aliases(text, "test"))


def test_one_word_names_of_a_group_are_one_term_in_articles_and_questions() -> None:
    analyze = _analyzer()
    assert analyze("the BL") == analyze("the Bluers")
    assert analyze("colour") == analyze("color") == analyze("colors")


def test_capitals_in_the_file_mean_an_acronym_not_the_everyday_word() -> None:
    analyze = _analyzer("IS, Daesh\nUS, U.S., America")
    assert analyze("IS fighters") == analyze("Daesh fighters")
    assert analyze("the U.S. said") == analyze("America said") == analyze("US said")
    assert analyze("it is late") == analyze("late")  # the verb stays a stopword
    assert analyze("tell us") == []


def test_a_group_needs_a_one_word_name_and_a_name_belongs_to_one_group() -> None:
    with pytest.raises(AliasError, match="no one-word name"):
        _analyzer("harbour master, port master")
    with pytest.raises(AliasError, match="one group only"):
        _analyzer("colour, color\ncolor, hue")


def test_a_line_that_is_not_a_group_is_a_clear_error() -> None:
    with pytest.raises(AliasError, match="line 2.*separated by commas"):
        parse_aliases("colour, color\njust one name\n", "mine.txt")
    with pytest.raises(AliasError, match="line 1"):
        parse_aliases("colour,, color", "mine.txt")


def test_a_missing_or_binary_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(AliasError, match="NEWSDESK_ALIASES"):
        load_aliases(tmp_path / "nope.txt")
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\xff\xfe\x00colour")
    with pytest.raises(AliasError, match="UTF-8"):
        load_aliases(bad)


def test_the_bundled_file_loads_and_the_default_analyzer_uses_it() -> None:
    aliases = load_aliases(BUNDLED_ALIASES)
    assert aliases.groups
    analyze = Analyzer()
    assert analyze("ISIL rule") == analyze("Daesh rule") == analyze("IS rule")
    assert analyze("soldiers") == analyze("troops")
    assert analyze("defense advisors") == analyze("defence advisers")
    assert analyze("airstrikes") == analyze("airstrike")


def test_aliases_are_part_of_the_analyzer_settings() -> None:
    assert _analyzer().settings != Analyzer(aliases=Aliases()).settings
    assert _analyzer().settings == _analyzer().settings


def _archive(analyzer: Analyzer, scorer: ScorerFactory = bm25_scorer) -> Archive:
    bodies = {
        "harbour": "The port master closed the harbour to cargo ships after the storm.",
        "league": "Bluers fans filled the stadium as the club won the cup final.",
        "grain": "Grain prices rose in spring as the harvest failed in the south.",
        "rail": "The rail strike ended after the union accepted the new pay offer.",
    }
    articles = [Article(id=k, title=k, source="Desk", published=None, body=v) for k, v in bodies.items()]
    return Archive.build(articles, analyzer=analyzer, scorer=scorer)


def test_a_question_using_another_name_finds_the_article() -> None:
    archive = _archive(_analyzer())
    answer = ask(archive, "What did BL fans fill after the final?")
    assert answer.answered and answer.results[0].article_id == "league"
    assert "Bluers" in answer.results[0].matched_terms


def test_a_name_of_several_words_in_a_question_meets_the_group() -> None:
    # The default archive (with meaning): without it, the calibrated decision refuses this
    # question, whose one name ("harbourmaster") is unknown to a four-passage archive.
    archive = _archive(_analyzer(), FusedScorer.build)
    answer = ask(archive, "Why did the harbourmaster close the port?")
    assert answer.results and answer.results[0].article_id == "harbour"
    query = understand(archive, "what did the port master close")
    assert archive.analyzer("harbourmaster")[0] in query.terms
    assert "port master" in query.searched_for
