"""Wording: among excerpts that hold the question's terms, the one in its own words leads."""

from __future__ import annotations

import datetime as dt

from retrieval.answer.answerer import Excerpt, WORDING_DEPTH, ask, by_wording
from retrieval.archive import Archive
from retrieval.corpus import Article
from retrieval.answer.wording import question_words, wording_scores


def _excerpt(text: str, score: float) -> Excerpt:
    return Excerpt(
        article_id="a", passage_id=f"a#{score}", title="T", source="S", published=dt.date(2015, 1, 1),
        url=None, excerpt=text, score=score, matched_terms=(),
    )


def test_the_text_in_the_question_s_own_words_scores_higher() -> None:
    weights = question_words("what did the governor tell the people of the valley")
    own, other = wording_scores(
        weights,
        [
            "The governor told the people of the valley to leave before the flood.",
            "The governor spoke to residents across the region about the coming flood.",
        ],
    )
    assert own > other > 0


def test_a_text_sharing_no_word_scores_nothing() -> None:
    assert wording_scores(question_words("who won the cup final"), ["Rain fell on Tuesday."]) == [0.0]


def test_everyday_words_weigh_less_than_names_and_the_commonest_nothing() -> None:
    weights = question_words("what did the zelwanski report say")
    assert "the" not in weights
    assert weights["what"] < weights["report"] < weights["zelwanski"]


def test_close_excerpts_are_put_in_the_order_of_the_question_s_words() -> None:
    question = "how many sheep did the farmers lose in the storm"
    shown = by_wording(
        question,
        [
            _excerpt("Farmers in the hills counted damage after the gale on Monday.", 1.00),
            _excerpt("The farmers lost 300 sheep in the storm, the council said.", 0.99),
        ],
    )
    assert "300 sheep" in shown[0].excerpt
    assert shown[0].score >= shown[1].score


def test_a_clear_lead_in_relevance_is_not_overturned_by_wording() -> None:
    question = "how many sheep did the farmers lose in the storm"
    shown = by_wording(
        question,
        [
            _excerpt("Hill farmers lost hundreds of animals in Monday's gale.", 1.00),
            _excerpt("The farmers lost sheep in the storm.", 0.50),
        ],
    )
    assert shown[0].excerpt.startswith("Hill farmers")


def test_asking_for_more_excerpts_never_changes_the_first_ones() -> None:
    archive = Archive.build(
        [
            Article(
                id=f"flood-{n}", title=f"Floods, day {n}", source="Daily", published=dt.date(2016, 3, n),
                body=f"Day {n}: the river flooded the town of Arden and {n * 10} homes were evacuated by the army.",
            )
            for n in range(1, 9)
        ]
    )
    few = ask(archive, "how many homes did the army evacuate in arden", limit=WORDING_DEPTH)
    many = ask(archive, "how many homes did the army evacuate in arden", limit=WORDING_DEPTH, more=4)
    assert [r.excerpt for r in few.results] == [r.excerpt for r in many.results]
    assert len(many.more) >= 1


def test_a_short_heading_gains_nothing_for_being_short() -> None:
    weights = question_words("how many sheep were lost in the storm")
    heading, sentence = wording_scores(
        weights,
        [
            "Sheep lost in storm",
            "Sheep lost in storm: the council counted 300 animals on Monday and said hill farmers "
            "would be paid for every one of them before the winter.",
        ],
    )
    assert heading == sentence > 0
