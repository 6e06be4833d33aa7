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
import math
import re
import threading
import weakref
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

# Answer and Excerpt are imported from here too (the bot, tests): they stay importable as before.
from retrieval.answer.kinds import Answer, Excerpt
from retrieval.answer.answerability import Evidence, gather_evidence, informativeness, looks_non_english, model_for
from retrieval.answer.excerpts import EXCERPT_MAX_CHARS, QUOTE_ROOM, Window, excerpt_text, highlight_spans
from retrieval.answer.filters import Filters
from retrieval.answer.metadata import MetadataTerms
from retrieval.text.passages import Passage, is_heading, runs_on
from retrieval.answer.query import Query
from retrieval.answer.query import understand as understand_words
from retrieval.index.scoring import FusionWeights, MeaningAware, fuse
from retrieval.answer.windows import Regions, Scored, Sentences, best_windows
from retrieval.answer.wording import question_words, wording_scores
from retrieval.errors import NewsdeskError

if TYPE_CHECKING:
    from retrieval.archive import Archive

log = logging.getLogger(__name__)

DEFAULT_RESULTS = 3
MAX_QUESTION_CHARS = 1000
# BM25 candidates searched for excerpts (and re-ranked by meaning) per question.
RERANK_DEPTH = 20
# Passages nearest the question in meaning added to BM25's candidates (chosen on tune halves).
NEAREST_DEPTH = 20
# Build each excerpt around the passage's reading unit closest to the question (the reader's
# choice) rather than its sentence with the most question words (chosen on tune halves).
ANCHOR_BY_READER = True
# Passages searched for :meth:`Answerer.articles` (every article among them is read once).
ARTICLES_DEPTH = 200
# Second stage over BM25's candidates (see benchmarks/RESULTS.md): BM25 scaled to the best
# candidate, the cosine in meaning, the share of the question's weight around the passage,
# and the candidate's best sentence window (retrieval.answer.windows) scaled to the best one.
SEMANTIC_FUSION = FusionWeights(bm25=0.2, meaning=0.5, context=0.2, window=0.2)
LEXICAL_FUSION = FusionWeights(bm25=0.5, meaning=0.0, context=0.5)
# The shown excerpts are put in order by their fused score plus this weight times how
# closely each keeps the question's own words (retrieval.answer.wording, scaled to the best of
# them); the first this many excerpts are re-ordered (see benchmarks/RESULTS.md).
WORDING_WEIGHT = 0.45
WORDING_DEPTH = 3
# The best passage comes back once more at this share of its fused score, so that its best
# sentences not shown yet compete as another excerpt (see benchmarks/RESULTS.md).
REST_SHARE = 0.5
NOT_ENGLISH_REASON = "The archive is in English: please ask in English."
NO_TERMS_REASON = "The question has no searchable words."
NO_MATCH_REASON = "Nothing in the archive matches enough of the question."
# Excerpts sharing this share of their terms are the same text (agency copy, repeats).
NEAR_DUPLICATE_JACCARD = 0.8
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


def no_match_reason(filters: Filters | None, searched: int, total: int) -> str:
    """The refusal when nothing matches enough: under filters, it names them and what they left
    ("Nothing from DW matches enough of the question (the filter leaves 12 of 72 passages).")."""
    if not filters:
        return NO_MATCH_REASON
    return f"Nothing {filters.describe()} matches enough of the question (the filter leaves {searched} of {total} passages)."


class Answerer:
    """The answering rules over one archive; :func:`answerer_for` gives an archive's.

    It holds the archive weakly (so that :func:`answerer_for`'s cache does not keep it alive):
    use it while the archive is held, as :func:`ask` does.
    """

    def __init__(self, archive: Archive) -> None:
        self._archive = weakref.ref(archive)
        self.analyzer = archive.analyzer
        df = archive.index.document_frequencies()
        n = archive.passage_count
        # Term weights for refusal use an always-positive idf (BM25+ / Lucene form):
        # rank_bm25's epsilon floor can turn common terms negative in a small archive.
        self._weight_scale = n
        self._typical_weight = float(np.mean(np.log1p((n - df + 0.5) / (df + 0.5)))) if df.size else 1.0
        # Meaning joins the re-ranking when the scorer can tell it; the decision fits the features there are.
        self._meaning = archive.index if isinstance(archive.index, MeaningAware) else None
        self.fusion = SEMANTIC_FUSION if self._meaning is not None else LEXICAL_FUSION
        self.decision = model_for(semantic=self._meaning is not None)
        # What sentence windows read of the sentences (lengths and heading flags from the tables).
        tables = archive.tables
        shapes = (tables.sentence_chars, tables.sentence_headings)
        self._sentences = Sentences(archive.all_sentences, archive.sentence_terms, is_heading, shapes)
        # Excerpts read the same flags (a question-form subheading is known only from its paragraph).
        self._headings = tables.sentence_headings
        self._bounds: tuple[np.ndarray, np.ndarray] | None = None
        self._metadata: MetadataTerms | None = None

    @property
    def archive(self) -> Archive:
        """The archive these rules answer from (raises ReferenceError once it is freed)."""
        archive = self._archive()
        if archive is None:
            raise ReferenceError("the archive of this Answerer was freed: ask through ask(archive, ...)")
        return archive

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
        picked = self._pick(with_rest(order), found.weights, max(wanted, WORDING_DEPTH), found.query.text)
        # The answer decision reads the best passage by meaning and terms, before wording.
        best = picked[0] if picked else None
        evidence = self._evidence(found, best[0] if best else None, best[1] if best else frozenset(), ranked, similarity)
        if best is None or not self.decision.answers(evidence):
            query, metadata = found.query, found.metadata
            metadata_words = {word for term, word in query.term_words if term in metadata}
            missing = tuple(word for word in query.unknown if word not in metadata_words)
            if missing:
                reason = f"The archive has nothing on: {named_words(missing)}."
            else:
                reason = no_match_reason(filters, searched, archive.passage_count)
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
        for position, matched, excerpt in self._pick(best, found.weights, len(best), found.query.text):
            evidence = self._evidence(found, position, matched, ranked, similarity)
            hits.append(ArticleHit(excerpt, evidence, self.decision.answers(evidence)))
        return hits

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
        query_weights = {t: self._term_weight(t, unknown.get(t)) for t in dict.fromkeys(terms)}
        known = {t for t in query_weights if archive.index.document_frequency(t) > 0}
        metadata = self._by_metadata(query, query_weights, known)
        informative = self._informative(query)
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
            similarity.get(position, 0.0) if position is not None else 0.0,
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

    def _by_metadata(self, query: Query, weights: dict[str, float], known: set[str]) -> dict[str, np.ndarray]:
        """The question's years, months and outlets that some passage meets by its article's
        date or outlet (:mod:`retrieval.answer.metadata`), each with those passages. ``weights`` and
        ``known`` are updated in place: such a term is known, and weighs what a term held by
        those passages (and the ones whose text has it) would."""
        if self._metadata is None:  # made when first needed (two threads may both: the same values)
            archive = self.archive
            self._metadata = MetadataTerms(archive.published, archive.outlet_codes, archive.outlet_names, self.analyzer)
        found = {t: when for t, when in self._metadata.passages(query.term_words, query.question).items() if t in weights}
        n = self._weight_scale
        for term, when in found.items():
            df = min(n, int(np.count_nonzero(when)) + self.archive.index.document_frequency(term))
            weights[term] = math.log1p((n - df + 0.5) / (df + 0.5))
            known.add(term)
        return found

    @staticmethod
    def _informative(query: Query) -> dict[str, float]:
        """Each question term with how informative its word is in English (a name: 1)."""
        found: dict[str, float] = {}
        for term, word in query.term_words:
            found[term] = max(found.get(term, 0.0), informativeness(word))
        return found

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
        order = fuse(ranked, self.fusion, _spread(similarity) if similarity is not None else None, context, windows)
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

    def _pick(
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

    def _term_weight(self, term: str, word: str | None = None) -> float:
        """How much a question term matters: its (positive) idf; if it is unknown, a typical
        term's weight times how informative its ``word`` is in English."""
        df = self.archive.index.document_frequency(term)
        if df == 0:
            # Unknown to the archive: weigh it like a typical term, so a question about
            # something absent is not answered on its common words alone; an everyday
            # English word ("speak", "react", "jan") weighs less than a rare name, so one
            # stray word does not sink an otherwise answerable question.
            return self._typical_weight * (informativeness(word) if word else 1.0)
        n = self._weight_scale
        return math.log1p((n - df + 0.5) / (df + 0.5))

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


def _spread(similarity: np.ndarray) -> np.ndarray:
    """Cosines as a share of the candidates' range (the closest 1, the farthest 0): a
    contextual model's cosines sit in a narrow band, so their differences carry the signal."""
    values = np.asarray(similarity, dtype=np.float64)
    if values.size == 0:
        return values
    low, high = values.min(), values.max()
    return (values - low) / (high - low) if high > low else np.zeros_like(values)


def with_rest(order: list[tuple[int, float]]) -> list[tuple[int, float]]:
    """``order`` (passages in fused order, with their scores) with the best passage once more,
    at :data:`REST_SHARE` of its score: picked again, it shows the sentences its first excerpt
    left out. The answer often sits in the paragraph that matches the question best, in a
    sentence beside the one that holds most of the question's words; a passage with no
    sentence left to show, or none left that holds a word of the question, is skipped when
    picked."""
    if not order or not REST_SHARE:
        return order
    best, score = order[0]
    rest = score * REST_SHARE
    at = next((i for i, (_, s) in enumerate(order) if s < rest), len(order))
    return [*order[:at], (best, rest), *order[at:]]


def by_wording(question: str, excerpts: list[Excerpt]) -> tuple[Excerpt, ...]:
    """``excerpts`` (in fused order, best first) with the first :data:`WORDING_DEPTH` re-scored
    and put in order, best first (ties keep the fused order); the rest follow as they were.

    Re-scored: the fused score, as a share of the best one, plus :data:`WORDING_WEIGHT` times
    the excerpt's wording score as a share of the best of them (in the fused scores' units).
    Only a fixed number is re-ordered, so asking for more excerpts never changes the first ones.
    """
    head, tail = excerpts[:WORDING_DEPTH], excerpts[WORDING_DEPTH:]
    if not head:
        return ()
    wording = wording_scores(question_words(question), [e.excerpt for e in head])
    best = max(wording)
    scale = WORDING_WEIGHT * head[0].score / best if best > 0 else 0.0
    scored = [replace(e, score=e.score + scale * w) for e, w in zip(head, wording)]
    return (*sorted(scored, key=lambda e: -e.score), *tail)


def _jaccard(a: frozenset[int], b: frozenset[int]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)
