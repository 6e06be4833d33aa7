"""Replies never ping, never break formatting, and always fit Discord's limits."""

from __future__ import annotations

import datetime as dt
import re

import discord
import pytest

from bot.reply import Limits, answer_embed, escape, no_answer_message, truncate
from retrieval.answer.answerer import Answer, Excerpt
from retrieval.answer.query import Query

MENTION_RE = re.compile(r"@(everyone|here)|<@[!&]?\d+>")


def _excerpt(n: int, text: str = "Iran sent advisers to Iraq.", **kw) -> Excerpt:
    values = dict(
        article_id=f"a{n}", passage_id=f"a{n}#1", title=f"Title {n}", source="DW", published=dt.date(2014, 10, 21),
        url=None, excerpt=text, score=5.0 - n, matched_terms=("Iran",), highlights=((0, 4),),
    )
    values.update(kw)
    return Excerpt(**values)


def _answer(excerpts, question="Did Iran send troops?") -> Answer:
    return Answer(question=question, answered=True, results=tuple(excerpts), passages_searched=72)


@pytest.mark.parametrize("text", ["@everyone look", "hi @here", "<@123456789012345678>", "<@!123456789012345678>", "<@&123456789012345678>"])
def test_escaped_text_cannot_mention(text: str) -> None:
    assert not MENTION_RE.search(escape(text))


def test_escaped_markdown_stays_literal() -> None:
    escaped = escape("**bold** _it_ `code` ~~s~~ ||spoiler|| > quote [link](http://x) # head")
    for token in ("**", "_", "`", "~~", "||", "[", "]"):
        # every markdown character is preceded by a backslash
        for match in re.finditer(re.escape(token[0]), escaped):
            assert escaped[match.start() - 1] == "\\"


def test_matched_terms_are_bold_and_citation_has_date_and_link() -> None:
    excerpt = _excerpt(1, url="https://www.dw.com/en/iran-pledges/a-18009999")
    embed = answer_embed(_answer([excerpt]))
    assert "**Iran** sent advisers" in embed.description
    assert "*DW*, [Title 1](https://www.dw.com/en/iran-pledges/a-18009999), 2014-10-21" in embed.description
    assert "searched 72 passages" in embed.footer.text


def test_unsafe_url_is_not_linked() -> None:
    embed = answer_embed(_answer([_excerpt(1, url="javascript:alert(1)")]))
    assert "](" not in embed.description


def test_question_with_markdown_and_mentions_is_escaped_in_the_title() -> None:
    embed = answer_embed(_answer([_excerpt(1)], question="**@everyone** <@123456789012345678> did Iran?"))
    assert not MENTION_RE.search(embed.title)
    assert "\\*\\*" in embed.title


def test_many_long_excerpts_are_trimmed_to_the_limits() -> None:
    long_text = ("Iran " + "word " * 300).strip()
    excerpts = [_excerpt(n, text=long_text, title="T" * 500, source="S" * 300) for n in range(1, 30)]
    embed = answer_embed(_answer(excerpts, question="q" * 3000), total_available=29)
    assert len(embed.title) <= Limits.EMBED_TITLE
    assert len(embed.description) <= Limits.EMBED_DESCRIPTION
    assert len(embed) <= Limits.EMBED_TOTAL
    assert len(embed.fields) <= Limits.EMBED_FIELDS
    assert embed.description.count("**") % 2 == 0  # no half-open bold


def test_refusal_fits_a_message_and_escapes_the_question() -> None:
    text = no_answer_message("@everyone " + "x" * 5000, "Nothing matches.")
    assert len(text) <= Limits.CONTENT
    assert not MENTION_RE.search(text)
    assert "Try rephrasing" in text


def test_truncate_marks_the_cut_and_never_ends_in_a_backslash() -> None:
    cut = truncate("abc\\" * 100, 50)
    assert len(cut) <= 50 and cut.endswith("…") and not cut[:-1].endswith("\\")


def test_no_mentions_object_blocks_everything() -> None:
    from bot.reply import NO_MENTIONS

    assert NO_MENTIONS.to_dict() == discord.AllowedMentions.none().to_dict()
    assert NO_MENTIONS.to_dict()["parse"] == []


def test_the_footer_shows_what_was_searched_after_spelling_correction() -> None:
    query = Query(
        question="did iran send advisers to bagdhad",
        text="did iran send advisers to baghdad",
        terms=("iran", "send", "advis", "baghdad"),
        searched_for=("iran", "send", "advisers", "baghdad"),
        corrections=(("bagdhad", "baghdad"),),
    )
    answer = Answer(query.question, True, (_excerpt(1),), 72, query=query)
    footer = answer_embed(answer).footer.text
    assert "searched 72 passages" in footer
    assert "searched for: iran, send, advisers, baghdad" in footer


def test_a_refusal_after_spelling_correction_says_what_was_searched_without_pinging() -> None:
    text = no_answer_message("did ghosts haunt @everyone", "Nothing matches.", ("ghosts", "@everyone"))
    assert "I searched for: ghosts, " in text
    assert not MENTION_RE.search(text)
    assert "searched for" not in no_answer_message("did ghosts haunt", "Nothing matches.")


@pytest.mark.parametrize("control", ["\u202e", "\u202d", "\u2067", "\u200f"])
def test_a_direction_control_in_the_question_does_not_turn_the_reply_around(control: str) -> None:
    # An unclosed right-to-left override would show the rest of the line, the hint included, backwards.
    from bot.render_text import render_answer

    question = f"{control}Did Iran fly to Mars?"
    refusal = Answer(question=question, answered=False, results=(), passages_searched=72, reason="The archive has nothing on: mars.")
    for text in (no_answer_message(question, refusal.reason), render_answer(refusal)):
        assert control not in text
        assert "Did Iran fly to Mars?" in text and "Try rephrasing" in text
    title = answer_embed(_answer([_excerpt(1)], question=question)).title
    assert control not in title and "Did Iran fly to Mars?" in title
