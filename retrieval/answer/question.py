"""A question as the archive takes it: validated once, and the refusals' wording.

Guarantees: :func:`validate_question` is the one check of a typed question (empty, over-long,
not UTF-8: :class:`QuestionError` says how to fix it); a :class:`Question` is text that passed
it, so nothing checks it again on its way down. The refusal texts here are the ones every
interface shows; nothing here searches or writes anything.
"""

from __future__ import annotations

import re

from retrieval.answer.filters import Filters
from retrieval.errors import NewsdeskError

MAX_QUESTION_CHARS = 1000
NOT_ENGLISH_REASON = "The archive is in English: please ask in English."
NO_TERMS_REASON = "The question has no searchable words."
NO_MATCH_REASON = "Nothing in the archive matches enough of the question."
# A refusal names at most this many unknown words, each cut to this many characters.
NAMED_WORDS = 8
NAMED_WORD_CHARS = 40
_SURROGATE_RE = re.compile("[\ud800-\udfff]")


class QuestionError(NewsdeskError, ValueError):
    """A question that cannot be searched (empty, too long); the message says how to fix it."""


class Question(str):
    """A question that passed :func:`validate_question`: its text, whitespace normalised.

    Made only by :func:`validate_question`. :func:`ask` (and the bot's desk) take one as it is,
    so a question checked once where it was typed is not checked again on its way down.
    """

    __slots__ = ()


def validate_question(question: str, max_chars: int = MAX_QUESTION_CHARS) -> Question:
    """Normalise whitespace; raise QuestionError for an empty, over-long or not UTF-8 question."""
    cleaned = " ".join(question.split())
    if not cleaned:
        raise QuestionError("The question is empty: type a question, e.g. \"Did Iran send troops to Iraq?\"")
    if len(cleaned) > max_chars:
        raise QuestionError(
            f"The question is {len(cleaned)} characters long; the limit is {max_chars}. "
            "Ask about one thing at a time in a sentence or two."
        )
    # A lone surrogate is a byte that was not UTF-8 (os.fsdecode, sys.argv on a Latin-1
    # terminal): no word can be read from it, and the tokenizer would fail on it.
    lone = _SURROGATE_RE.search(cleaned)
    if lone is not None:
        raise QuestionError(
            f"The question holds U+{ord(lone.group()):04X}, which is not text (a byte that was not UTF-8): "
            "decode the question as UTF-8 before asking it."
        )
    return Question(cleaned)


def named_words(words: tuple[str, ...], most: int = NAMED_WORDS, longest: int = NAMED_WORD_CHARS) -> str:
    """``words`` as a refusal names them: at most ``most``, each cut to ``longest`` characters,
    so that a pasted wall of text is not echoed back whole ("a, b, c and 4 more")."""
    shown = [w if len(w) <= longest else w[: longest - 1] + "…" for w in words[:most]]
    rest = len(words) - len(shown)
    return ", ".join(shown) + (f" and {rest} more" if rest else "")


def no_match_reason(filters: Filters | None, searched: int, total: int) -> str:
    """The refusal when nothing matches enough: under filters, it names them and what they left
    ("Nothing from DW matches enough of the question (the filter leaves 12 of 72 passages).")."""
    if not filters:
        return NO_MATCH_REASON
    return f"Nothing {filters.describe()} matches enough of the question (the filter leaves {searched} of {total} passages)."


def with_undated_note(reason: str, filters: Filters | None, undated: int) -> str:
    """``reason``, and under a date filter the ``undated`` passages it left out: their date is unknown."""
    if not undated or filters is None or not (filters.since or filters.until):
        return reason
    plural = "s" if undated != 1 else ""
    return f"{reason} The date filter leaves out {undated} passage{plural} of undated articles (date unknown)."
