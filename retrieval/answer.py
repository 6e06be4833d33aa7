"""Question -> answer: the best excerpts from the archive, or a plain refusal.

The answering rules, apart from the archive's data (:mod:`retrieval.archive`): relevance
and refusal (a passage must cover :data:`MIN_COVERAGE` of the question's weight and two of
its known words), de-duplication (overlapping text of one article, near copies) and the
excerpt window (at most :data:`EXCERPT_MAX_CHARS` around the best-matching sentences).
:meth:`retrieval.archive.Archive.ask` hands questions to :class:`Answerer`.

Guarantees: a question is validated first (:class:`QuestionError` says how to fix it);
the same archive and question always give the same answer; nothing here writes anything.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from retrieval.analyzer import Analyzer
from retrieval.filters import Filters
from retrieval.passages import Passage

if TYPE_CHECKING:
    from retrieval.archive import Archive

log = logging.getLogger(__name__)

EXCERPT_MAX_CHARS = 400
DEFAULT_RESULTS = 3
MAX_QUESTION_CHARS = 1000
# Share of the question's weight (idf) that a passage must match to count as an answer.
MIN_COVERAGE = 0.4
# Excerpts sharing this share of their terms are the same text (agency copy, repeats).
NEAR_DUPLICATE_JACCARD = 0.8
ELLIPSIS = "…"


class QuestionError(ValueError):
    """A question that cannot be searched (empty, too long); the message says how to fix it."""


@dataclass(frozen=True)
class Excerpt:
    article_id: str
    passage_id: str
    title: str
    source: str
    published: dt.date | None
    url: str | None
    excerpt: str
    score: float
    matched_terms: tuple[str, ...]
    # Character spans of matched words inside ``excerpt``, for highlighting.
    highlights: tuple[tuple[int, int], ...] = ()

    def to_json(self) -> dict[str, object]:
        return {
            "article_id": self.article_id,
            "title": self.title,
            "source": self.source,
            "published": self.published.isoformat() if self.published else None,
            "url": self.url or None,
            "excerpt": self.excerpt,
            "score": round(self.score, 6),
            "matched_terms": list(self.matched_terms),
        }


@dataclass(frozen=True)
class Answer:
    question: str
    answered: bool
    results: tuple[Excerpt, ...]
    passages_searched: int
    # Why nothing was answered, in words for the user ("" when answered).
    reason: str = ""
    # Excerpts beyond the requested ones, ready for a "More" button.
    more: tuple[Excerpt, ...] = field(default=(), repr=False)

    @property
    def top_score(self) -> float | None:
        return self.results[0].score if self.results else None

    def to_json(self) -> dict[str, object]:
        return {
            "question": self.question,
            "answered": self.answered,
            "results": [r.to_json() for r in self.results],
        }


def validate_question(question: str, max_chars: int = MAX_QUESTION_CHARS) -> str:
    """Normalise whitespace; raise QuestionError for an empty or over-long question."""
    cleaned = " ".join(question.split())
    if not cleaned:
        raise QuestionError("The question is empty: type a question, e.g. \"Did Iran send troops to Iraq?\"")
    if len(cleaned) > max_chars:
        raise QuestionError(
            f"The question is {len(cleaned)} characters long; the limit is {max_chars}. "
            "Ask about one thing at a time in a sentence or two."
        )
    return cleaned


class Answerer:
    """The answering rules over one archive; holds what they cache (sentence terms)."""

    def __init__(self, archive: Archive) -> None:
        self.archive = archive
        self.analyzer = archive.analyzer
        self._sentence_terms: dict[str, list[frozenset[str]]] = {}
        df = archive.index.document_frequencies()
        n = len(archive.index)
        # Term weights for refusal use an always-positive idf (BM25+ / Lucene form):
        # rank_bm25's epsilon floor can turn common terms negative in a small archive.
        self._weight_scale = n
        self._typical_weight = float(np.mean(np.log1p((n - df + 0.5) / (df + 0.5)))) if df.size else 1.0

    def ask(self, question: str, limit: int = DEFAULT_RESULTS, *, more: int = 0, filters: Filters | None = None) -> Answer:
        """Answer ``question`` with up to ``limit`` excerpts (plus ``more`` spare ones)."""
        question = validate_question(question)
        terms = self.analyzer(question)
        archive = self.archive
        searched = len(archive.passages)
        if not terms:
            return Answer(question, False, (), searched, reason="The question has no searchable words.")
        query_weights = {t: self._term_weight(t) for t in set(terms)}
        wanted = limit + more
        # Look a little deeper than needed: refused and near-duplicate passages drop out.
        ranked = archive.index.search_terms(terms, k=max(4 * wanted, 20), allowed=archive.passage_mask(filters))
        excerpts = self._pick(ranked, query_weights, wanted)
        if not excerpts:
            return Answer(
                question,
                False,
                (),
                searched,
                reason="Nothing in the archive matches enough of the question.",
            )
        return Answer(question, True, tuple(excerpts[:limit]), searched, more=tuple(excerpts[limit:]))

    def _pick(
        self, ranked: list[tuple[int, float]], query_weights: dict[str, float], wanted: int
    ) -> list[Excerpt]:
        """Up to ``wanted`` excerpts from the ranked passages that answer and are not repeats."""
        total_weight = sum(query_weights.values())
        known_terms = sum(1 for t in query_weights if self.archive.index.document_frequency(t) > 0)
        excerpts: list[Excerpt] = []
        seen_terms: list[set[str]] = []
        shown_spans: list[tuple[str, range]] = []
        for position, score in ranked:
            passage = self.archive.passages[position]
            lo = passage.first_sentence
            sentence_terms = self._article_sentence_terms(passage.article.id)
            passage_terms = frozenset().union(*sentence_terms[lo : lo + len(passage.sentences)])
            matched = passage_terms & query_weights.keys()
            if not matched:
                # Not a match (zero score). Keep looking: with a tiny corpus rank_bm25's idf
                # goes below zero, so real matches can rank after the zeros.
                continue
            coverage = sum(query_weights[t] for t in matched) / total_weight
            # One shared word is chance ("capital" of France vs "flow of capital"), not an answer.
            if coverage < MIN_COVERAGE or len(matched) < min(2, known_terms):
                continue
            excerpt, span = self._excerpt(passage, score, query_weights)
            excerpt_terms = frozenset().union(*sentence_terms[span.start : span.stop])
            # Skip text already shown: overlapping sentences of one article, or a near copy.
            if any(a == excerpt.article_id and set(span) & set(r) for a, r in shown_spans):
                continue
            if any(_jaccard(excerpt_terms, other) >= NEAR_DUPLICATE_JACCARD for other in seen_terms):
                continue
            shown_spans.append((excerpt.article_id, span))
            seen_terms.append(excerpt_terms)
            excerpts.append(excerpt)
            if len(excerpts) >= wanted:
                break
        return excerpts

    def _article_sentence_terms(self, article_id: str) -> list[frozenset[str]]:
        """Terms of each sentence of an article, analysed once, when first needed."""
        cached = self._sentence_terms.get(article_id)
        if cached is None:
            cached = [frozenset(self.analyzer(s)) for s in self.archive.sentences(article_id)]
            self._sentence_terms[article_id] = cached  # a racing thread computes the same
        return cached

    def _term_weight(self, term: str) -> float:
        """How much a question term matters: its (positive) idf; typical if it is unknown."""
        df = self.archive.index.document_frequency(term)
        if df == 0:
            # Unknown to the archive: weigh it like a typical term, so a question about
            # something absent is not answered on its common words alone, while a stray
            # verb ("promise", "happen") does not sink an otherwise answerable question.
            return self._typical_weight
        n = self._weight_scale
        return math.log1p((n - df + 0.5) / (df + 0.5))

    def _excerpt(self, passage: Passage, score: float, weights: dict[str, float]) -> tuple[Excerpt, range]:
        sentences = self.archive.sentences(passage.article.id)
        lo = passage.first_sentence
        sentence_terms = self._article_sentence_terms(passage.article.id)
        first, last, text = _best_window(
            sentences, sentence_terms, lo, lo + len(passage.sentences), weights, self.analyzer
        )
        highlights = tuple((t.start, t.end) for t in self.analyzer.tokens(text) if t.term in weights)
        surface: list[str] = []
        for start, end in highlights:
            word = text[start:end]
            if word.casefold() not in (w.casefold() for w in surface):
                surface.append(word)
        article = passage.article
        return Excerpt(
            article_id=article.id,
            passage_id=passage.id,
            title=article.title,
            source=article.source,
            published=article.published,
            url=article.url or None,
            excerpt=text,
            score=score,
            matched_terms=tuple(surface),
            highlights=highlights,
        ), range(first, last)


def _jaccard(a: set[str], b: set[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def _best_window(
    sentences: list[str],
    sentence_terms: list[frozenset[str]],
    lo: int,
    hi: int,
    weights: dict[str, float],
    analyzer: Analyzer,
    max_chars: int = EXCERPT_MAX_CHARS,
) -> tuple[int, int, str]:
    """The excerpt around the passage ``sentences[lo:hi]``.

    Starts from the passage's best-matching sentence and widens it with neighbouring
    sentences of the article (the next one first, as news elaborates after a lead-in)
    while the text fits ``max_chars``. Returns the sentence range and the text.
    """
    gains = [sum(weights[t] for t in terms & weights.keys()) for terms in sentence_terms]
    best = max(range(lo, hi), key=lambda i: (gains[i], -i))
    first = last = best
    length = len(sentences[best])
    covered = set(sentence_terms[best])
    while True:
        options = []
        for j, side in ((last + 1, 1), (first - 1, 0)):
            if 0 <= j < len(sentences) and length + 1 + len(sentences[j]) <= max_chars:
                extra = sum(weights[t] for t in (sentence_terms[j] - covered) & weights.keys())
                # Prefer new question words, then staying inside the passage, then what follows.
                options.append((extra, lo <= j < hi, side, j))
        if not options:
            break
        j = max(options)[3]
        length += 1 + len(sentences[j])
        covered |= sentence_terms[j]
        first, last = min(first, j), max(last, j)
    text = " ".join(sentences[first : last + 1])
    if len(text) > max_chars:
        text = _trim_around_matches(text, weights, analyzer, max_chars)
    return first, last + 1, text


def _trim_around_matches(text: str, weights: dict[str, float], analyzer: Analyzer, max_chars: int) -> str:
    """Cut an over-long sentence to ``max_chars`` around its matched words, at word bounds."""
    spans = [(t.start, t.end) for t in analyzer.tokens(text) if t.term in weights]
    centre = (spans[0][0] + spans[-1][1]) // 2 if spans else 0
    budget = max_chars - 2 * len(ELLIPSIS)
    start = max(0, min(centre - budget // 2, len(text) - budget))
    end = min(len(text), start + budget)
    if start > 0:
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < end else start
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > start else end
    snippet = text[start:end].strip()
    return (ELLIPSIS if start > 0 else "") + snippet + (ELLIPSIS if end < len(text) else "")


