"""Articles are cut into quotable passages of whole sentences."""

import datetime as dt

import pytest

from retrieval.corpus import Article
from retrieval.text.passages import MAX_PASSAGE_CHARS, article_passages, split_sentences


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
