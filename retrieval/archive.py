"""The archive's data: articles, their passages, the scorer over them and the filter arrays.

What is here is data, not rules: this module imports nothing from :mod:`retrieval.answer`.
The answering rules sit above it and take an archive as an argument
(:func:`retrieval.answer.answerer.ask`, :func:`~retrieval.answer.answerer.understand`,
:func:`retrieval.answer.warm_up.warm_up`); changing an archive is
:func:`retrieval.index.changes.apply_changes`, which makes a new one.

One way to make an archive: :func:`retrieval.store.saved.load_or_build` for a corpus folder (it
loads the saved archive, or builds one with :meth:`Archive.build` and saves it).
:meth:`Archive.build` on its own is for articles held in memory (tests, benchmarks); the
constructor only assembles parts already built or loaded.

Guarantee: an archive never changes after it is made, so it can be shared between threads.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping, Sequence

from retrieval.text.analyzer import Analyzer, default_analyzer
from retrieval.corpus import Article, CorpusError
from retrieval.index.bm25 import BM25Index
from retrieval.text.passages import Passage, corpus_passages
from retrieval.index.scoring import Progress, Scorer, ScorerFactory
from retrieval.text.sentences import SentenceTerms
from retrieval.index.outlet_forms import merged_outlets
from retrieval.index.tables import PassageTables, tables_of
from retrieval.text.spelling import Speller, archive_words, vocabulary_from_terms

log = logging.getLogger(__name__)


def bm25_scorer(
    texts: Sequence[str], analyzer: Analyzer, progress: Progress | None, numbers: Sequence[int] | None = None
) -> Scorer:
    """The default scorer: BM25 as rank-bm25's ``BM25Okapi`` (k1 1.5, b 0.75); every passage
    is indexed alike, whatever its ``numbers``."""
    return BM25Index.build(texts, analyzer=analyzer, progress=progress)


class Archive:
    """The searchable archive: articles, their passages and the scorer over them."""

    def __init__(
        self,
        articles: Sequence[Article],
        passages: Sequence[Passage],
        index: Scorer,
        *,
        analyzer: Analyzer,
        errors: list[CorpusError] | None = None,
        sentence_terms: SentenceTerms | None = None,
        spelling_words: Mapping[str, int] | Callable[[], Mapping[str, int]] | None = None,
        tables: PassageTables | None = None,
    ) -> None:
        """Assemble built parts (``passages`` in article order, ``index`` over them).

        ``sentence_terms`` (the terms of every passage sentence, in passage order) is
        computed here when not given: :meth:`build` and the store pass it. ``tables``
        (:mod:`retrieval.index.tables`) likewise, from the passages; the store passes them, so
        a loaded archive never walks its passages (they are made when read).
        ``spelling_words`` may be a function, called when spelling is first needed.
        """
        if len(index) != len(passages):
            raise ValueError(f"the index covers {len(index)} passages, not {len(passages)}")
        self.articles = articles
        self.passages = passages
        self.index = index
        self.analyzer = analyzer
        self.errors = errors or []
        if tables is None:
            # Passages of removed articles keep their positions (a segmented index masks them).
            tables = tables_of(articles, passages, getattr(index, "removed", None))
        self.tables = tables
        # Outlet of each passage as a code into a short list, so a filter tests each outlet once.
        self.outlet_codes = tables.outlet_codes
        self.outlet_names = tables.outlet_names
        # Publication date of each passage as a date ordinal (0: unknown).
        self.published = tables.published
        # All passage sentences in passage order; a passage's are consecutive, and so are
        # an article's (its passages are). Sentence numbers below index this list.
        self.all_sentences = tables.all_sentences
        self.passage_first_sentence = tables.passage_first_sentence
        self._article_sentences = tables.article_sentences
        # Passages a question can be answered from (removed ones keep a position, not a count).
        self.passage_count = tables.passage_count
        if sentence_terms is None:
            sentence_terms = SentenceTerms.build(list(self.all_sentences), analyzer, getattr(index, "vocabulary", None))
        if len(sentence_terms) != len(self.all_sentences):
            raise ValueError(f"sentence terms cover {len(sentence_terms)} sentences, not {len(self.all_sentences)}")
        self.sentence_terms = sentence_terms
        # Spelling's vocabulary (word -> frequency): saved with the archive, or taken from
        # the build's analysis; the speller over it is made when a question first needs it.
        self._spelling_source = spelling_words if callable(spelling_words) else None
        self._spelling_words = dict(spelling_words) if spelling_words is not None and not callable(spelling_words) else None
        self._speller: Speller | None = None
        self._speller_lock = threading.Lock()

    @classmethod
    def build(
        cls,
        articles: list[Article],
        *,
        errors: list[CorpusError] | None = None,
        analyzer: Analyzer | None = None,
        scorer: ScorerFactory = bm25_scorer,
        progress: Progress | None = None,
    ) -> Archive:
        """Cut ``articles`` into passages and index them (nothing is saved).

        ``progress(done, total)`` is called while passages are analysed.
        """
        analyzer = analyzer or default_analyzer()
        articles = merged_outlets(articles)  # one spelling per outlet, in citations and filters alike
        passages = corpus_passages(articles)
        index = scorer([p.text for p in passages], analyzer, progress, numbers=[p.number for p in passages])
        return cls(articles, passages, index, analyzer=analyzer, errors=errors)

    def with_index(self, index: Scorer) -> Archive:
        """This archive scored by ``index`` (over the same passages: the reader's vectors added,
        say); every other part is shared, the speller too once made."""
        other = Archive(
            self.articles, self.passages, index, analyzer=self.analyzer, errors=self.errors,
            sentence_terms=self.sentence_terms, spelling_words=self.spelling_words, tables=self.tables,
        )
        other._speller = self._speller  # built over the same words
        return other

    @property
    def sources(self) -> list[str]:
        return sorted({a.source for a in self.articles})

    def sentences(self, article_id: str) -> list[str]:
        """All sentences of an article, in order (passages index into them)."""
        first, end = self._article_sentences[article_id]
        return self.all_sentences[first:end]

    def article_sentence_range(self, article_id: str) -> tuple[int, int]:
        """The numbers of an article's first sentence and of the one after its last."""
        return self._article_sentences[article_id]

    def article_sentence_ranges(self) -> list[tuple[int, int]]:
        """Every article's (first, end) sentence numbers (of its live passages)."""
        return list(self._article_sentences.values())

    def live_sentence_range(self, article_id: str) -> tuple[int, int] | None:
        """Like :meth:`article_sentence_range`, or None for an article the archive does not hold."""
        return self._article_sentences.get(article_id)

    def knows(self, term: str) -> bool:
        """Whether any live passage holds ``term`` (an analysed term, not a word)."""
        return self.index.document_frequency(term) > 0

    def spelling_words(self) -> dict[str, int]:
        """The archive's words for spelling, each with its frequency (its term's passage count)."""
        with self._speller_lock:
            if self._spelling_words is None and self._spelling_source is not None:
                self._spelling_words = dict(self._spelling_source())
            if self._spelling_words is None:
                stopwords = self.analyzer.stopwords
                seen = self.sentence_terms.word_terms
                if seen is not None:
                    self._spelling_words = vocabulary_from_terms(seen, self.index.document_frequency, stopwords)
                else:  # assembled from parts without the build's words: read the sentences
                    self._spelling_words = dict(archive_words(self.all_sentences, stopwords))
            return self._spelling_words

    def speller(self) -> Speller:
        """The speller over :meth:`spelling_words`, made when a question first needs it."""
        words = self.spelling_words()
        with self._speller_lock:
            if self._speller is None:
                self._speller = Speller(words, self.analyzer.stopwords)
            return self._speller
