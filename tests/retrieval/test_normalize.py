"""Unicode normalisation: invisible or compatibility characters never hide a word."""

from __future__ import annotations

import sys
import unicodedata

from retrieval.text.analyzer import Analyzer
from retrieval.archive import Archive
from retrieval.corpus import Article
from retrieval.text.normalize import FORMAT_CODES, normalize_text, normalize_word
from retrieval.answer.answerer import ask


def test_every_format_character_is_known() -> None:
    every = [c for c in range(sys.maxunicode + 1) if unicodedata.category(chr(c)) == "Cf"]
    assert list(FORMAT_CODES) == every


def test_zero_width_and_soft_hyphen_removed_and_compatibility_forms_folded() -> None:
    assert normalize_word("Bag\u200bhdad") == "Baghdad"
    assert normalize_word("gov\u00adernment") == "government"
    assert normalize_word("\ufeffTehran\u200d") == "Tehran"
    assert normalize_word("ＵＳ") == "US"  # full-width letters
    assert normalize_word("ﬁghters") == "fighters"  # ligature
    assert normalize_text("cafe\u0301 in\u2060side") == "café inside"


def test_a_word_with_an_invisible_character_inside_is_the_same_term() -> None:
    analyze = Analyzer()
    assert analyze("Bag\u200bhdad mini\u200cster") == analyze("Baghdad minister")
    assert analyze("ＵＳ ｔｒｏｏｐｓ") == analyze("US troops")
    assert analyze("caf\u00e9") == analyze("cafe\u0301")


def test_spans_cover_the_original_characters() -> None:
    text = "the Bag\u200bhdad talks"
    spans = [text[t.start : t.end] for t in Analyzer().tokens(text)]
    assert spans == ["Bag\u200bhdad", "talks"]


def test_zero_width_characters_in_a_question_or_an_article_still_match() -> None:
    article = Article(
        id="a1",
        title="Water talks",
        source="Desk",
        published=None,
        body="The river commi\u200bssion met in Vienna to share water between the two states.",
    )
    other = Article(id="a2", title="Other", source="Desk", published=None, body="Grain prices rose in spring.")
    archive = Archive.build([article, other])
    answer = ask(archive, "Where did the river commission me\u200bet?")
    assert answer.answered
    assert answer.results[0].article_id == "a1"
