"""Question -> answer: the best excerpts from the archive, or a plain refusal.

The answering rules, apart from the archive's data (:mod:`retrieval.archive`): relevance
(BM25's candidates, re-ranked by meaning when the scorer is a
:class:`~retrieval.index.scoring.MeaningAware`, and by the question's words around each passage;
a year, month or outlet the question names also meets the passages published then or
there, :mod:`retrieval.answer.metadata`), refusal (a decision calibrated on data, see
:mod:`retrieval.answer.answerability`; a question in another language is told the archive is in
English; a refusal names the words the archive does not know) and de-duplication
(overlapping text of one article, near copies); the excerpt of each passage is
:mod:`retrieval.answer.excerpts`'s (at most :data:`EXCERPT_MAX_CHARS`), and the first excerpts
shown are put in order with how closely each keeps the question's own words
(:mod:`retrieval.answer.wording`).
The rules take the archive as an argument (the archive knows nothing of them):
:func:`ask` answers a question from an archive, through the :class:`Answerer` made once for
that archive (:func:`answerer_for`); what it returns, :class:`~retrieval.answer.kinds.Answer`
and its excerpts, is :mod:`retrieval.answer.kinds` (importable from here as before).

Guarantees: a question is validated first (:class:`QuestionError` says how to fix it);
the same archive and question always give the same answer; nothing here writes anything.
Archives never change and are shared between threads: so is an archive's :class:`Answerer`
(what it fills in on first use, two threads may both make: the same values), and
:func:`answerer_for` makes one per archive however many threads ask at once. The cache does
not keep an archive alive: an archive no one holds any more is freed with its Answerer.
"""

from __future__ import annotations

import logging
import threading
import weakref
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

# What callers import from here (the bot, tests, benchmarks) stays importable as before:
# Answer and Excerpt, the question's check and the refusals, the ordering helpers.
from retrieval.answer.rules import ArchiveRules
from retrieval.answer.kinds import Answer, Excerpt
from retrieval.answer.answerability import Evidence, decision_for, gather_evidence, looks_non_english
from retrieval.answer.excerpts import EXCERPT_MAX_CHARS, QUOTE_ROOM
from retrieval.answer.filters import Filters
from retrieval.answer.ordering import WORDING_DEPTH, by_wording, spread, with_rest
from retrieval.answer.picking import Picker
from retrieval.answer.weighting import TermWeights
from retrieval.answer.question import (  # noqa: F401 (QuestionError, MAX_QUESTION_CHARS: imported from here too)
    MAX_QUESTION_CHARS,
    NO_TERMS_REASON,
    NOT_ENGLISH_REASON,
    Question,
    QuestionError,
    named_words,
    no_match_reason,
    with_undated_note,
    validate_question,
)
from retrieval.text.passages import is_heading
from retrieval.answer.query import Query
from retrieval.answer.query import understand as understand_words
from retrieval.index.scoring import FusionWeights, MeaningAware, fuse
from retrieval.answer.windows import Regions, Scored, Sentences, best_windows

if TYPE_CHECKING:
    from retrieval.archive import Archive

log = logging.getLogger(__name__)

DEFAULT_RESULTS = 3
# BM25 candidates searched for excerpts (and re-ranked by meaning) per question.
RERANK_DEPTH = 20
# Passages nearest the question in meaning added to BM25's candidates (chosen on tune halves).
NEAREST_DEPTH = 20
# Passages searched for :meth:`Answerer.articles` (every article among them is read once).
ARTICLES_DEPTH = 200
# Second stage over BM25's candidates (see benchmarks/RESULTS.md): BM25 scaled to the best
# candidate, the cosine in meaning, the share of the question's weight around the passage,
# and the candidate's best sentence window (retrieval.answer.windows) scaled to the best one.
SEMANTIC_FUSION = FusionWeights(bm25=0.2, meaning=0.5, context=0.2, window=0.2)
LEXICAL_FUSION = FusionWeights(bm25=0.5, meaning=0.0, context=0.5)
@dataclass(frozen=True)
class ArticleHit:
    """One article's best passage for a question (:meth:`Answerer.articles`): its excerpt,
    what the answer decision read of it, and whether the decision would show it."""

    excerpt: Excerpt
    evidence: Evidence
    answers: bool


@dataclass(frozen=True)
class Understood:
    """A question ready to search: what it searches for, its terms (in question order) with
    their weights, those the archive knows, its years, months and outlets with the passages
    each meets (:mod:`retrieval.answer.metadata`), and how informative each term's word is."""

    query: Query
    terms: list[str]
    weights: dict[str, float]
    known: set[str]
    metadata: dict[str, np.ndarray]
    informative: dict[str, float]


_answerers: weakref.WeakKeyDictionary[Archive, Answerer] = weakref.WeakKeyDictionary()
_answerers_lock = threading.Lock()


def answerer_for(archive: Archive) -> Answerer:
    """The :class:`Answerer` of ``archive``: made on first use, then the same one for as long
    as the archive lives (whatever holds the archive: the bot's desk, its warm-up, a benchmark).

    Thread-safe: threads asking together get the same one, made once.
    """
    with _answerers_lock:
        answerer = _answerers.get(archive)
        if answerer is None:
            answerer = _answerers[archive] = Answerer(archive)
        return answerer


def ask(
    archive: Archive, question: str, limit: int = DEFAULT_RESULTS, *, more: int = 0, filters: Filters | None = None
) -> Answer:
    """Answer ``question`` from ``archive`` with up to ``limit`` excerpts (plus ``more`` spare ones).

    Raises :class:`QuestionError` for an empty, over-long or not UTF-8 question (a
    :class:`Question` is not checked again), ValueError for ``limit`` under 1 or ``more`` under 0.
    """
    return answerer_for(archive).ask(question, limit, more=more, filters=filters)


def understand(archive: Archive, question: str) -> Query:
    """What ``question`` searches for in ``archive``: acronyms, spelling, names (see
    :mod:`retrieval.answer.query`); the question is taken as given (not validated)."""
    return understand_words(question, archive.analyzer, archive.knows, archive.speller)


def passage_mask(archive: Archive, filters: Filters | None) -> np.ndarray | None:
    """Which passages of ``archive`` ``filters`` admit (a boolean array), or None when nothing is filtered."""
    if not filters:
        return None
    return filters.mask(archive.outlet_codes, archive.outlet_names, archive.published)


def searched_passages(archive: Archive, filters: Filters | None) -> int:
    """How many passages a question under ``filters`` searches: those the filters admit."""
    mask = passage_mask(archive, filters)
    return archive.passage_count if mask is None else int(np.count_nonzero(mask))


class Answerer(ArchiveRules):
    """The answering rules over one archive; :func:`answerer_for` gives an archive's.

    It holds the archive weakly (so that :func:`answerer_for`'s cache does not keep it alive):
    use it while the archive is held, as :func:`ask` does.
    """

    def __init__(self, archive: Archive) -> None:
        super().__init__(archive)
        self._weights = TermWeights(archive)
        # Meaning joins the re-ranking when the scorer can tell it; the decision fits the features there are.
        self._meaning = archive.index if isinstance(archive.index, MeaningAware) else None
        self.fusion = SEMANTIC_FUSION if self._meaning is not None else LEXICAL_FUSION
        # What sentence windows read of the sentences (lengths and heading flags from the tables).
        tables = archive.tables
        shapes = (tables.sentence_chars, tables.sentence_headings)
        self._sentences = Sentences(archive.all_sentences, archive.sentence_terms, is_heading, shapes)
        # Excerpts read the same flags (a question-form subheading is known only from its paragraph).
        self._headings = tables.sentence_headings
        self._bounds: tuple[np.ndarray, np.ndarray] | None = None
        self._picker = Picker(archive, self._meaning, self._headings)


    def ask(self, question: str, limit: int = DEFAULT_RESULTS, *, more: int = 0, filters: Filters | None = None) -> Answer:
        """Answer ``question`` with up to ``limit`` excerpts (plus ``more`` spare ones).

        ``question`` is validated unless it is a :class:`Question` already.
        """
        if limit < 1 or more < 0:
            raise ValueError(f"ask for at least 1 excerpt and no fewer than 0 spare ones (got limit={limit}, more={more})")
        # The answer holds the question as plain text, as it always did.
        question = str(question if isinstance(question, Question) else validate_question(question))
        archive = self.archive
        searched = searched_passages(archive, filters)  # the footer's count: what the filters left
        filters = filters or None
        found = self._understood(question)
        if isinstance(found, Answer):
            return replace(found, passages_searched=searched, filters=filters)
        wanted = limit + more
        # Look deeper than needed: non-matching and near-duplicate passages drop out, and
        # meaning may lift a passage BM25 ranked lower.
        ranked, order, similarity = self._ranked(found, max(4 * wanted, RERANK_DEPTH), filters)
        picked = self._picker.pick(with_rest(order), found.weights, max(wanted, WORDING_DEPTH), found.query.text)
        # The answer decision reads the best passage by meaning and terms, before wording.
        best = picked[0] if picked else None
        evidence = self._evidence(found, best[0] if best else None, best[1] if best else frozenset(), ranked, similarity)
        if best is None or not self._answers(evidence):
            query, metadata = found.query, found.metadata
            metadata_words = {word for term, word in query.term_words if term in metadata}
            missing = tuple(word for word in query.unknown if word not in metadata_words)
            if missing:
                reason = f"The archive has nothing on: {named_words(missing)}."
            else:
                reason = no_match_reason(filters, searched, archive.passage_count)
            undated = int(np.count_nonzero(archive.published == 0)) if filters else 0
            reason = with_undated_note(reason, filters, undated)
            return Answer(
                question, False, (), searched, reason=reason, reason_code="not_covered", evidence=evidence,
                query=found.query, filters=filters,
            )
        shown = by_wording(question, [excerpt for _, _, excerpt in picked])[:wanted]
        return Answer(
            question, True, shown[:limit], searched, more=shown[limit:], evidence=evidence, query=found.query,
            filters=filters,
        )

    def articles(self, question: str, depth: int = ARTICLES_DEPTH, *, filters: Filters | None = None) -> list[ArticleHit]:
        """Each article among the best ``depth`` passages for ``question``, once, in fused
        order (the most relevant first): its best passage's excerpt, and whether the answer
        decision would show it were it the best passage (its own matched terms and meaning;
        the question's unknown words and BM25 margin). Near copies of an article listed
        before are left out, as :meth:`ask` leaves them out. [] for a question :meth:`ask`
        refuses before searching (not English, no searchable words).

        This is what an answer reads of every article, not an answer: a caller shows only
        what :meth:`ask` answers (see :mod:`retrieval.answer.timeline`).
        """
        question = str(question if isinstance(question, Question) else validate_question(question))
        found = self._understood(question)
        if isinstance(found, Answer):
            return []
        ranked, order, similarity = self._ranked(found, max(depth, RERANK_DEPTH), filters)
        # Each article's first passage in fused order is its best.
        firsts = self.archive.passage_first_sentence
        starts, _ = self._article_bounds()
        seen: set[int] = set()
        best: list[tuple[int, float]] = []
        for position, score in order:
            article = int(np.searchsorted(starts, firsts[position], side="right")) - 1
            if article not in seen:
                seen.add(article)
                best.append((position, score))
        hits = []
        for position, matched, excerpt in self._picker.pick(best, found.weights, len(best), found.query.text):
            evidence = self._evidence(found, position, matched, ranked, similarity)
            hits.append(ArticleHit(excerpt, evidence, self._answers(evidence)))
        return hits

    def _answers(self, evidence: Evidence) -> bool:
        """The decision on ``evidence``: a best passage not read for meaning (past its article's
        first passages the reader reads) is judged by its words, as with the reader off."""
        return decision_for(evidence, self._meaning is not None).answers(evidence)

    def _understood(self, question: str) -> Understood | Answer:
        """What ``question`` searches for, with its terms' weights; or the :class:`Answer` that
        refuses it before any search (not English, no searchable words)."""
        archive = self.archive
        searched = archive.passage_count
        if looks_non_english(question):
            return Answer(question, False, (), searched, reason=NOT_ENGLISH_REASON, reason_code="not_english")
        query = understand(archive, question)
        terms = list(query.terms)
        if not terms:
            return Answer(question, False, (), searched, reason=NO_TERMS_REASON, reason_code="no_terms", query=query)
        # In question order (not a set's): float sums over the weights give the same bits every run.
        unknown = {term: word for word in query.unknown for term in self.analyzer(word)}
        query_weights = {t: self._weights.term_weight(t, unknown.get(t)) for t in dict.fromkeys(terms)}
        known = {t for t in query_weights if archive.index.document_frequency(t) > 0}
        metadata = self._weights.by_metadata(query, query_weights, known)
        informative = self._weights.informative(query)
        # A date or an outlet says when or who, not what: never that a passage is on the topic.
        informative.update(dict.fromkeys(metadata, 0.0))
        return Understood(query, terms, query_weights, known, metadata, informative)

    def _ranked(
        self, found: Understood, depth: int, filters: Filters | None
    ) -> tuple[list[tuple[int, float]], list[tuple[int, float]], dict[int, float]]:
        """BM25's best ``depth`` candidates (of the passages ``filters`` admit); those and the
        passages nearest the question in meaning (:meth:`_with_nearest`) in fused order, and
        each one's similarity in meaning to the question (see :meth:`_rerank`)."""
        archive = self.archive
        mask = passage_mask(archive, filters)
        ranked = archive.index.search_terms(found.terms, k=depth, allowed=mask)
        text = found.query.text
        order, similarity = self._rerank(text, self._with_nearest(text, ranked, mask), found.weights, found.metadata)
        return ranked, order, similarity

    def _evidence(
        self,
        found: Understood,
        position: int | None,
        matched: frozenset[str],
        ranked: list[tuple[int, float]],
        similarity: dict[int, float],
    ) -> Evidence:
        """What the answer decision reads of the passage at ``position`` (None: no passage)
        as the best one: the question ``matched`` terms, and its years, months or outlets that
        the passage's article meets."""
        if position is not None:
            matched = matched | {t for t, when in found.metadata.items() if when[position]}
        return gather_evidence(
            found.weights,
            found.known,
            matched,
            similarity.get(position, 0.0) if position is not None else 0.0,  # NaN: not read for meaning
            [score for _, score in ranked],
            found.informative,
        )

    def _with_nearest(
        self, question: str, ranked: list[tuple[int, float]], mask: np.ndarray | None
    ) -> list[tuple[int, float]]:
        """BM25's candidates, then the passages nearest the question in meaning that BM25
        did not rank (with a BM25 score of 0): the reader finds the passage that answers in
        other words. Both lists come from the same filtered passages."""
        if self._meaning is None or not NEAREST_DEPTH or not ranked:
            return ranked
        have = {position for position, _ in ranked}
        nearest = self._meaning.nearest(question, NEAREST_DEPTH, mask)
        return ranked + [(position, 0.0) for position, _ in nearest if position not in have]

    def _rerank(
        self,
        question: str,
        ranked: list[tuple[int, float]],
        query_weights: dict[str, float],
        metadata: dict[str, np.ndarray] | None = None,
    ) -> tuple[list[tuple[int, float]], dict[int, float]]:
        """BM25's candidates in fused order, with the fused scores (what excerpts show and the
        log keeps), and each one's similarity in meaning to the question; a year, month or
        outlet of the question (``metadata``) counts in the context of the passages it matches."""
        if not ranked:
            return ranked, {}
        positions = [p for p, _ in ranked]
        similarity = self._meaning.similarities(question, positions) if self._meaning is not None else None
        ids = self.archive.sentence_terms.query_ids(query_weights)
        id_weights = {i: query_weights[t] for t, i in ids.items()}
        scored = self._windows(positions, id_weights)
        # Context: the share of the question's weight in the passage and the sentences
        # either side of it (retrieval.answer.windows.REACH, within its article): an answer often
        # spans a paragraph break.
        context = scored.context
        for term, when in (metadata or {}).items():
            context = context + query_weights[term] * when[positions]
        context = np.minimum(1.0, context / sum(query_weights.values()))
        windows = np.array([score for _, _, score in scored.windows])
        order = fuse(ranked, self.fusion, spread(similarity) if similarity is not None else None, context, windows)
        return order, dict(zip(positions, similarity.tolist())) if similarity is not None else {}

    def _windows(self, positions: list[int], id_weights: dict[int, float]) -> Scored:
        """Each candidate's best sentence window (retrieval.answer.windows) and context weight."""
        archive = self.archive
        at = np.array(positions, dtype=np.int64)
        firsts = archive.passage_first_sentence
        lo = firsts[at]
        hi = np.where(at + 1 < firsts.size, firsts[np.minimum(at + 1, firsts.size - 1)], len(archive.all_sentences))
        starts, ends = self._article_bounds()
        article = np.searchsorted(starts, lo, side="right") - 1
        regions = Regions(lo, hi, starts[article], ends[article])
        return best_windows(regions, self._sentences, id_weights, EXCERPT_MAX_CHARS - QUOTE_ROOM)

    def _article_bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """Every article's (first, end) sentence numbers, sorted, as arrays (made when first
        needed, so that a candidate's article is found without making its passage)."""
        if self._bounds is None:  # two threads may both make it: the same values
            ranges = sorted(self.archive.article_sentence_ranges())
            self._bounds = (
                np.array([first for first, _ in ranges], dtype=np.int64),
                np.array([end for _, end in ranges], dtype=np.int64),
            )
        return self._bounds
