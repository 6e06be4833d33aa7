"""Excerpts read well on their own: who speaks, no glued headings, balanced quotes."""

from __future__ import annotations

import datetime as dt

import pytest

from retrieval.text.analyzer import default_analyzer
from retrieval.answer.answerer import EXCERPT_MAX_CHARS, ask
from retrieval.archive import Archive
from retrieval.corpus import Article
from retrieval.answer.excerpts import (
    balance_quotes,
    excerpt_text,
    highlight_spans,
    names_speaker,
    needs_speaker,
    quote_state,
)
from retrieval.text.passages import is_heading

FILLER = (
    "Crews on the quay spent most of the afternoon moving nets, crates and spare rope into the new sheds, "
    "while a small crowd of visitors watched from the sea wall and children chased gulls along the slipway "
    "until the light began to fade over the water and the last boats came in."
)


def _ask(paragraphs: list[str], question: str) -> str:
    article = Article("gazette-1", "Harbour news", "Gazette", dt.date(2020, 3, 2), "\n\n".join(paragraphs))
    other = Article("other", "Weather", "Gazette", dt.date(2020, 3, 3), "Rain is expected on the hills.")
    answer = ask(Archive.build([article, other]), question, 1)
    assert answer.answered
    return answer.results[0].excerpt


@pytest.mark.parametrize(
    ("unit", "heading"),
    [
        ("Storm warning for the northern coast", True),
        ("Ferry timetable (winter)", True),
        ("The ferry left at noon.", False),
        ('"We will rebuild," she said.', False),
        ("The mayor said:", False),
        ("Is the pier safe?", False),
    ],
)
def test_a_unit_without_final_punctuation_is_a_heading(unit: str, heading: bool) -> None:
    assert is_heading(unit) is heading


def test_a_heading_is_never_glued_to_the_sentences_around_it() -> None:
    excerpt = _ask(
        [
            "The ferry to Port Elwin was cancelled on Tuesday because of high winds.",
            "Storm warning for the northern coast",
            "Earlier this week the ferry company said winds over 60 knots would stop the service.",
        ],
        "Why was the ferry to Port Elwin cancelled and what winds stop the ferry service?",
    )
    assert "Storm warning" not in excerpt
    assert "ferry company said" in excerpt or "cancelled on Tuesday" in excerpt


def test_a_pronoun_quote_brings_the_sentence_that_names_the_speaker() -> None:
    excerpt = _ask(
        [
            "Harbour master Jane Olsen spoke at the opening of the new lighthouse on Monday morning.",
            f'"The new lamp will save lives on the northern reef," she said. {FILLER}',
        ],
        "Will the new lamp save lives on the northern reef?",
    )
    assert excerpt.startswith("Harbour master Jane Olsen spoke")
    assert '"The new lamp will save lives on the northern reef," she said.' in excerpt
    assert len(excerpt) <= EXCERPT_MAX_CHARS


def test_the_end_of_a_quote_brings_the_sentence_that_opens_it() -> None:
    excerpt = _ask(
        [f'The mayor told the council: "We will rebuild the old pier first. The ferry terminal follows in May." {FILLER}'],
        "When does the ferry terminal follow?",
    )
    assert excerpt.startswith('The mayor told the council: "We will rebuild')
    assert quote_state(excerpt) == (0, 0)


@pytest.mark.parametrize(
    ("sentence", "needs"),
    [
        ('"The lamp will save lives," she said.', True),
        ("He said the pier would reopen in May.", True),
        ('"We are ready," said Jane Olsen.', False),
        ('"The lamp is ready," the harbour master said.', True),
        ("The pier will reopen in May.", False),
        ("HE SAID THE PIER WOULD REOPEN IN MAY.", True),
        ("Pier reopens in May, Said She.", True),
        ("Ｈｅ said the pier would reopen in May.", False),  # a full-width "He" is not the word "he"
        ("«Le phare est prêt», she said.", True),
        ("He ſaid the pier would reopen.", True),  # a long s is an s to a case-blind search
    ],
)
def test_quotes_and_pronoun_attributions_need_a_speaker(sentence: str, needs: bool) -> None:
    assert needs_speaker(sentence) is needs


def test_a_sentence_names_a_speaker_with_a_name_and_a_speech_verb() -> None:
    assert names_speaker("Harbour master Jane Olsen said the lamp was ready.")
    assert names_speaker("According to the Coast Guard, two boats were lost.")
    assert not names_speaker("She said the lamp was ready.")
    assert not names_speaker("The lamp was switched on at dusk.")
    assert names_speaker("ACCORDING TO the Coast Guard, two boats were lost.")
    assert names_speaker("Harbour master Zoë Olsen said the lamp was ready.")
    assert not names_speaker("Zoë said she was ready.")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('It will take two years," she said.', '“…It will take two years," she said.'),
        ('She said: "We will rebuild the pier.', 'She said: "We will rebuild the pier.…”'),
        ("He said: “Go now.”", "He said: “Go now.”"),
        ('"Yes," he said. "We will."', '"Yes," he said. "We will."'),
        ("…rebuild the pier,” she said", "“…rebuild the pier,” she said"),
        # A quote running over paragraphs reopens each one and closes once: one quote, balanced.
        ('She said: "We will help. "We will not send boats."', 'She said: "We will help. "We will not send boats."'),
        ("She said: “We will help. “We will not send boats.”", "She said: “We will help. “We will not send boats.”"),
        ('She said: "We will help. "We will not', 'She said: "We will help. "We will not…”'),
    ],
)
def test_quotes_are_balanced_or_cut_with_an_ellipsis(text: str, expected: str) -> None:
    assert balance_quotes(text) == expected
    assert quote_state(balance_quotes(text)) == (0, 0)


def test_an_over_long_quote_is_cut_around_the_match_and_stays_balanced() -> None:
    words = " ".join(f"word{n}" for n in range(120))
    sentence = f'"{words} the lighthouse keeper retired {words}," she said.'
    text = excerpt_text([sentence], {"lighthous": 1.0, "keeper": 1.0}, default_analyzer())
    assert len(text) <= EXCERPT_MAX_CHARS
    assert "lighthouse keeper retired" in text
    assert quote_state(text) == (0, 0)
    assert text.startswith("“…") and text.endswith("…”")  # cut inside the quote, both sides


def test_highlights_from_matching_sentences_are_where_the_whole_text_has_them() -> None:
    analyzer = default_analyzer()
    sentences = ['The pier reopens in May," she said.', "Crews worked all winter.", "The ferry pier was rebuilt."]
    weights = {"pier": 1.0, "ferri": 1.0}
    text = excerpt_text(sentences, weights, analyzer)
    assert text.startswith("“…")  # the offsets must follow the added marks
    everywhere = tuple((t.start, t.end) for t in analyzer.tokens(text) if t.term in weights)
    assert highlight_spans(text, sentences, [True, False, True], weights, analyzer) == everywhere
    assert [text[a:b] for a, b in everywhere] == ["pier", "ferry", "pier"]


def test_a_long_sentence_is_cut_where_most_question_words_are_together() -> None:
    filler = " ".join(["the committee discussed budgets and schedules"] * 14)
    sentence = f"Lighthouses are old, {filler} while the keeper of the lighthouse retired in May, {filler}."
    weights = {"lighthous": 1.0, "keeper": 1.0, "retir": 1.0}
    text = excerpt_text([sentence], weights, default_analyzer())
    assert "keeper of the lighthouse retired in May" in text
    assert len(text) <= EXCERPT_MAX_CHARS and text.startswith("…") and text.endswith("…")


def test_a_sentence_of_megabytes_is_cut_without_reading_all_of_it() -> None:
    sentence = "the keeper of the lighthouse retired " + "and the committee discussed budgets " * 200_000
    text = excerpt_text([sentence], {"keeper": 1.0}, default_analyzer())
    assert "keeper" in text and len(text) <= EXCERPT_MAX_CHARS and text.endswith("…")


def test_a_passage_partly_shown_in_an_earlier_excerpt_still_shows_the_rest() -> None:
    paragraphs = [
        "The council approved the new harbour wall for Port Elwin on Monday after a long debate.",
        "Engineers start on the harbour wall in spring. "
        "Crews will first clear the old stones from the slipway and move the fishing boats to the "
        "eastern quay, where temporary moorings have been laid for the winter months ahead of the work. "
        "The harbour wall will be eight metres high and will cost the council four million euros, "
        "the engineers said at the meeting in the town hall.",
    ]
    article = Article("gazette-2", "Harbour wall", "Gazette", dt.date(2020, 3, 2), "\n\n".join(paragraphs))
    other = Article("other", "Weather", "Gazette", dt.date(2020, 3, 3), "Rain is expected on the hills.")
    answer = ask(Archive.build([article, other]), "How high will the harbour wall of Port Elwin be?", 3)
    texts = [r.excerpt for r in answer.results]
    assert any("eight metres high" in t for t in texts), texts
    assert not any(a in b or b in a for i, a in enumerate(texts) for b in texts[i + 1 :])
