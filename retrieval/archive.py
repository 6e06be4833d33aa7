"""The archive's data: articles, their passages, the scorer over them and the filter arrays.

What is here is data, not rules: which passages a question may be answered from is
:meth:`Archive.passage_mask` (through :class:`~retrieval.filters.Filters`), and how an
answer is chosen from them lives in :mod:`retrieval.answer` (:meth:`Archive.ask` hands over
to it).

One way to make an archive: :func:`retrieval.store.load_or_build` for a corpus folder (it
loads the saved archive, or builds one with :meth:`Archive.build` and saves it).
:meth:`Archive.build` on its own is for articles held in memory (tests, benchmarks); the
constructor only assembles parts already built or loaded.

Guarantee: an archive never changes after it is made, so it can be shared between threads.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np

from retrieval.analyzer import Analyzer, default_analyzer
from retrieval.answer import DEFAULT_RESULTS, Answer, Answerer
from retrieval.corpus import Article, CorpusError
from retrieval.filters import Filters
from retrieval.index import BM25Index
from retrieval.passages import Passage, corpus_passages
from retrieval.scoring import Progress, Scorer, ScorerFactory

log = logging.getLogger(__name__)


def bm25_scorer(texts: Sequence[str], analyzer: Analyzer, progress: Progress | None) -> Scorer:
    """The default scorer: BM25 as rank-bm25's ``BM25Okapi`` (k1 1.5, b 0.75)."""
    return BM25Index.build(texts, analyzer=analyzer, progress=progress)


class Archive:
    """The searchable archive: articles, their passages and the scorer over them."""

    def __init__(
        self,
        articles: list[Article],
        passages: list[Passage],
        index: Scorer,
        *,
        analyzer: Analyzer,
        errors: list[CorpusError] | None = None,
    ) -> None:
        """Assemble built parts (``passages`` in article order, ``index`` over them)."""
        if len(index) != len(passages):
            raise ValueError(f"the index covers {len(index)} passages, not {len(passages)}")
        self.articles = articles
        self.passages = passages
        self.index = index
        self.analyzer = analyzer
        self.errors = errors or []
        # Outlet of each passage as a code into a short list, so a filter tests each outlet once.
        codes: dict[str, int] = {}
        for article in articles:
            codes.setdefault(article.source.casefold(), len(codes))
        self.outlet_codes = np.fromiter(
            (codes.setdefault(p.article.source.casefold(), len(codes)) for p in passages),
            dtype=np.int32,
            count=len(passages),
        )
        self.outlet_names = list(codes)
        # Publication date of each passage as a date ordinal (0: unknown).
        ordinal = [p.article.published.toordinal() if p.article.published else 0 for p in passages]
        self.published = np.array(ordinal, dtype=np.int64)
        self._sentences: dict[str, list[str]] = {}
        for p in passages:
            self._sentences.setdefault(p.article.id, []).extend(p.sentences)
        self._answerer = Answerer(self)

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
        passages = corpus_passages(articles)
        index = scorer([p.text for p in passages], analyzer, progress)
        return cls(articles, passages, index, analyzer=analyzer, errors=errors)

    @property
    def sources(self) -> list[str]:
        return sorted({a.source for a in self.articles})

    def sentences(self, article_id: str) -> list[str]:
        """All sentences of an article, in order (passages index into them)."""
        return self._sentences[article_id]

    def passage_mask(self, filters: Filters | None) -> np.ndarray | None:
        """Which passages ``filters`` admit (a boolean array), or None when nothing is filtered."""
        if not filters:
            return None
        return filters.mask(self.outlet_codes, self.outlet_names, self.published)

    def ask(
        self, question: str, limit: int = DEFAULT_RESULTS, *, more: int = 0, filters: Filters | None = None
    ) -> Answer:
        """Answer ``question`` with up to ``limit`` excerpts (plus ``more`` spare ones).

        Raises :class:`~retrieval.answer.QuestionError` for an empty or over-long question.
        """
        return self._answerer.ask(question, limit, more=more, filters=filters)
