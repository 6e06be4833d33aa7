"""Which excerpts an answer shows: the ranked passages' best sentences, without repeats.

:class:`Picker` walks passages in fused order and makes each one's excerpt: the sentence window
(:mod:`retrieval.answer.excerpts`) built around the reading unit the reader finds closest to the
question (with no reader, around the sentences with most of the question's words), leaving out
text already shown and near copies of an excerpt already picked (agency copy in several
articles).

Guarantees: the same archive, passages and weights always give the same excerpts; a passage that
holds none of the question's words gives none; nothing here writes anything. A Picker holds its
archive weakly, as the :class:`~retrieval.answer.answerer.Answerer` that makes it does.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import numpy as np

from retrieval.answer.excerpts import EXCERPT_MAX_CHARS, QUOTE_ROOM, Window, excerpt_text, highlight_spans
from retrieval.answer.rules import ArchiveRules
from retrieval.answer.kinds import Excerpt
from retrieval.index.scoring import MeaningAware
from retrieval.text.passages import Passage, runs_on

if TYPE_CHECKING:
    from retrieval.archive import Archive

log = logging.getLogger(__name__)

# Build each excerpt around the passage's reading unit closest to the question (the reader's
# choice) rather than its sentence with the most question words (chosen on tune halves).
ANCHOR_BY_READER = True
# Excerpts sharing this share of their terms are the same text (agency copy, repeats).
NEAR_DUPLICATE_JACCARD = 0.8


class Picker(ArchiveRules):
    """The excerpt rules over one archive (made by its Answerer, which holds the reader)."""

    def __init__(self, archive: Archive, meaning: MeaningAware | None, headings: np.ndarray) -> None:
        super().__init__(archive)
        self._meaning = meaning
        self._headings = headings


    def pick(
        self, ranked: list[tuple[int, float]], query_weights: dict[str, float], wanted: int, question: str = ""
    ) -> list[tuple[int, frozenset[str], Excerpt]]:
        """Up to ``wanted`` excerpts of the ranked passages that share a question word and are
        not repeats; with each, its passage position and the question terms it matched."""
        archive = self.archive
        sentence_terms = archive.sentence_terms
        # The same weights by term id, as sentences hold them (precomputed at build time).
        ids = sentence_terms.query_ids(query_weights)
        id_weights = {i: query_weights[t] for t, i in ids.items()}
        term_of = {i: t for t, i in ids.items()}
        picked: list[tuple[int, frozenset[str], Excerpt]] = []
        seen_terms: list[frozenset[int]] = []
        shown_spans: list[range] = []
        for position, score in ranked:
            passage = archive.passages[position]
            lo = int(archive.passage_first_sentence[position])
            matched = sentence_terms.union(lo, lo + len(passage.sentences)) & id_weights.keys()
            if not matched:
                # Not a match (zero score). Keep looking: with a tiny corpus rank_bm25's idf
                # goes below zero, so real matches can rank after the zeros.
                continue
            # Text already shown (sentence numbers are archive-wide) is left out of the window.
            found = self._span(passage, lo, id_weights, shown_spans, self._closest(question, position, passage, lo))
            if found is None:
                continue
            span, window = found
            excerpt_terms = sentence_terms.union(span.start, span.stop)
            if not excerpt_terms & id_weights.keys():
                # What is left of a passage already shown may hold none of the question's
                # words (a subheading): such an excerpt answers nothing.
                continue
            # Skip a near copy (agency text in several articles).
            if any(_jaccard(excerpt_terms, other) >= NEAR_DUPLICATE_JACCARD for other in seen_terms):
                continue
            shown_spans.append(span)
            seen_terms.append(excerpt_terms)
            excerpt = self._excerpt(passage, span, window, score, query_weights)
            picked.append((position, frozenset(term_of[i] for i in matched), excerpt))
            if len(picked) >= wanted:
                break
        return picked

    def _closest(self, question: str, position: int, passage: Passage, lo: int) -> range:
        """The passage's sentences (archive-wide numbers) in the reading unit closest to the
        question: where its excerpt is built (empty without the reader)."""
        if self._meaning is None or not question or not ANCHOR_BY_READER:
            return range(0)
        first, end = self._meaning.best_unit(question, position)
        numbers, at = [], 0
        for i, sentence in enumerate(passage.sentences):
            if at < end and at + len(sentence) > first:
                numbers.append(lo + i)
            at += len(sentence) + 1
        return range(numbers[0], numbers[-1] + 1) if numbers else range(0)

    def _span(
        self, passage: Passage, lo: int, id_weights: dict[int, float], shown: list[range], closest: range = range(0)
    ) -> tuple[range, Window] | None:
        """The sentences (archive-wide numbers) of the excerpt for ``passage``, its first at ``lo``,
        none of them ``shown`` already (None when the whole passage was), and the window that
        chose them (it holds their texts and terms)."""
        archive = self.archive
        window = Window(
            archive.all_sentences,
            archive.sentence_terms,
            self._headings,
            archive.article_sentence_range(passage.article.id),
            id_weights,
            max_chars=EXCERPT_MAX_CHARS - QUOTE_ROOM,
        )
        window.preferred = closest
        found = window.best_unshown(lo, lo + len(passage.sentences), shown)
        return (range(*found), window) if found else None

    def _excerpt(
        self, passage: Passage, span: range, window: Window, score: float, weights: dict[str, float]
    ) -> Excerpt:
        # The window read the sentences and their terms as it chose them.
        sentences = [window.text(i) for i in span]
        first = window.bounds[0]
        cut_before = span.start > first and runs_on(window.text(span.start - 1), bool(self._headings[span.start - 1]))
        cut_after = runs_on(sentences[-1], bool(self._headings[span.stop - 1]))
        text = excerpt_text(sentences, weights, self.analyzer, cut_before=cut_before, cut_after=cut_after)
        # Only sentences that hold a question term can hold a highlight (their terms are known).
        ids = set(self.archive.sentence_terms.query_ids(weights).values())
        matching = [bool(window.terms(i) & ids) for i in span]
        highlights = highlight_spans(text, sentences, matching, weights, self.analyzer)
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
        )


def _jaccard(a: frozenset[int], b: frozenset[int]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)
