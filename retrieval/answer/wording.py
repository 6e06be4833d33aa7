"""Wording: how closely an excerpt keeps the question's own words.

The ranking before this (:mod:`retrieval.answer.answerer`) works on analysed terms: stemmed, with
stopwords dropped and names joined by aliases, so "told" meets "tells" and "IS" meets
"Islamic State". That is what finds the right passages; but between two excerpts of the
same story that both hold the question's terms, the one that says it in the question's
own words ("the people of Fallujah", "has not seen the US do anything") is more often the
answer. This module scores that closeness, and the answer ranks its shown excerpts with it.

The score is BM25's form (saturated counts, no length normalisation) over the excerpt's surface words (lowercase ``\\w+`` runs: no
stemming, no stopword list), each question word weighted by how informative it is in
English (:func:`retrieval.answer.answerability.informativeness`: "the" 0, everyday words about
0.3-0.6, names and words English does not list 1). So it needs nothing from the archive
and nothing built ahead of time.

Guarantees: the same question and texts give the same scores; a text sharing no word with
the question scores 0; the cost is one regular-expression pass per excerpt (excerpts are
at most 400 characters).
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from retrieval.answer.answerability import informativeness

log = logging.getLogger(__name__)

_WORD_RE = re.compile(r"\w+")
_ASCII_WORD_RE = re.compile(r"\w+", re.ASCII)


@dataclass(frozen=True)
class WordingWeights:
    """BM25's parameters over an excerpt's words; ``typical_words`` is the length (in words)
    that is not normalised (a 400-character excerpt holds about 70).

    No length normalisation by default (``b`` 0): excerpts are all short, and with it a
    heading of a dozen words would outscore the sentence that answers (measured in
    benchmarks/RESULTS.md)."""

    k1: float = 1.5
    b: float = 0.0
    typical_words: float = 70.0


def words(text: str) -> list[str]:
    """The lowercase ``\\w+`` runs of ``text``."""
    lowered = text.lower()
    # On ASCII text the ASCII-only pattern finds the same runs, faster.
    return (_ASCII_WORD_RE if lowered.isascii() else _WORD_RE).findall(lowered)


def question_words(question: str) -> dict[str, float]:
    """Each word of ``question`` (repeats kept, as BM25 counts them) with its weight."""
    weights: dict[str, float] = {}
    counts = Counter(words(question))
    for word, count in counts.items():
        weight = informativeness(word) * count
        if weight > 0:
            weights[word] = weight
    return weights


def wording_scores(
    weights: dict[str, float], texts: Sequence[str], params: WordingWeights = WordingWeights()
) -> list[float]:
    """Each text's BM25 score for the question words ``weights`` (from :func:`question_words`)."""
    k1, b, typical = params.k1, params.b, params.typical_words
    scores: list[float] = []
    for text in texts:
        counts = Counter(words(text))
        norm = k1 * (1 - b + b * sum(counts.values()) / typical)
        score = 0.0
        for word, weight in weights.items():
            f = counts.get(word, 0)
            if f:
                score += weight * f * (k1 + 1) / (f + norm)
        scores.append(score)
    return scores
