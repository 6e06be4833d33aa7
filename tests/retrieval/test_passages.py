"""Articles are cut into quotable passages of whole sentences."""

import datetime as dt

import pytest

from retrieval.corpus import Article
from retrieval.text.passages import MAX_PASSAGE_CHARS, article_passages, cut_long_sentence, runs_on, split_sentences


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The U.S. sent aid. Iran did not.", ["The U.S. sent aid.", "Iran did not."]),
        ("Brig. Gen. Mohammad Hejazi spoke on Jan. 5. He was clear.", ["Brig. Gen. Mohammad Hejazi spoke on Jan. 5.", "He was clear."]),
        ('"We stand beside you," he said. Then he left.', ['"We stand beside you," he said.', "Then he left."]),
        ('He said: "It is over." Others disagreed.', ['He said: "It is over."', "Others disagreed."]),
        ("Is it true? Yes! It is.", ["Is it true?", "Yes!", "It is."]),
        ("Iran ... will help. Next.", ["Iran ... will help.", "Next."]),
        ("J. R. Smith reported it. Done.", ["J. R. Smith reported it.", "Done."]),
        ("Troops left in 2003. 1,000 stayed.", ["Troops left in 2003.", "1,000 stayed."]),
    ],
)
def test_sentence_splitting_respects_abbreviations_and_quotes(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


def _article(body: str) -> Article:
    return Article(id="a", title="T", source="S", published=dt.date(2014, 1, 1), body=body)


def test_paragraphs_become_passages_and_short_ones_join_the_next() -> None:
    body = "A new alliance?\n\n" + "This is a long enough paragraph about the alliance and what it means for the region. " * 2
    passages = article_passages(_article(body))
    assert len(passages) == 1
    assert passages[0].text.startswith("A new alliance? This is")
    assert passages[0].id == "a#1"


def test_long_paragraphs_are_cut_between_sentences() -> None:
    sentence = "Iraqi forces advanced on the city while militias held the bridges. "
    passages = article_passages(_article(sentence * 40))
    assert len(passages) > 1
    for passage in passages:
        assert len(passage.text) <= MAX_PASSAGE_CHARS
        assert passage.text.endswith(".")
    # Nothing is lost or duplicated, and passages know where they start in the article.
    assert sum(len(p.sentences) for p in passages) == 40
    assert [p.first_sentence for p in passages] == [sum(len(q.sentences) for q in passages[:i]) for i in range(len(passages))]


def test_an_over_long_sentence_is_cut_at_clause_punctuation_first() -> None:
    clause = "the council approved the budget for the new bridge over the river"
    sentence = ", ".join([clause] * 40) + "."
    pieces = cut_long_sentence(sentence, 200)
    assert len(pieces) > 1 and all(len(piece) <= 200 for piece in pieces)
    assert all(piece.endswith(",") for piece in pieces[:-1]) and pieces[-1].endswith(".")
    assert " ".join(pieces) == sentence  # nothing lost


def test_an_over_long_sentence_without_clauses_is_cut_between_words_then_anywhere() -> None:
    words = "word " * 100
    pieces = cut_long_sentence(words, 42)
    assert all(len(piece) <= 42 for piece in pieces) and all(set(piece.split()) == {"word"} for piece in pieces)
    assert " ".join(pieces) == words.strip()
    assert cut_long_sentence("x" * 100, 42) == ["x" * 42, "x" * 42, "x" * 16]
    assert cut_long_sentence("  short  ", 42) == ["short"] and cut_long_sentence("   ", 42) == []


def test_a_page_of_one_endless_sentence_makes_passages_within_the_limit() -> None:
    body = "Title words\n\n" + " ".join(f"item {n} of the list, and then" for n in range(20_000)) + " the end."
    passages = article_passages(_article(body))
    assert len(passages) > 100
    assert max(len(p.text) for p in passages) <= MAX_PASSAGE_CHARS
    assert all(len(s) <= MAX_PASSAGE_CHARS for p in passages for s in p.sentences)
    # Pieces of a body sentence are body text, not headings; all the words are kept.
    assert not any(flag for p in passages[1:] for flag in p.heading_flags)
    assert sum(len(p.text.split()) for p in passages) == len(body.split())


def test_no_passage_exceeds_the_limit_when_a_short_last_paragraph_joins_the_one_before() -> None:
    sentence = "Troops left the city after a month of fighting in the streets."  # 62 characters
    body = " ".join([sentence] * 11) + "\n\nShort end."
    for passage in article_passages(_article(body)):
        assert len(passage.text) <= MAX_PASSAGE_CHARS


@pytest.mark.parametrize(
    "sentence",
    [
        "The U.S. said no, " * 60 + "and left.",  # cuts after "U.S." or "no," would hide the piece
        "a. b; c: " * 200 + "end.",  # every space follows final punctuation
        "x." * 500,  # no space at all
    ],
)
def test_every_piece_of_a_cut_body_sentence_but_the_last_runs_on(sentence: str) -> None:
    pieces = cut_long_sentence(sentence, 100)
    assert len(pieces) > 1 and all(len(piece) <= 100 for piece in pieces)
    assert [runs_on(piece, heading=False) for piece in pieces] == [True] * (len(pieces) - 1) + [False]
    assert "".join(" ".join(pieces).split()) == "".join(sentence.split())
