"""The naive baseline newsdesk is measured against: rank_bm25 over sentence windows.

What it is, exactly (so its figures mean the same in every run):

- Each article is split into sentences with the project's splitter
  (:func:`retrieval.text.passages.split_sentences`, paragraph by paragraph).
- A window starts at every sentence and takes the following sentences of the same article
  while the joined text stays within 400 characters (a longer single sentence is a window
  on its own, uncut).
- Tokens are lowercase ``\\w+`` runs; no stopwords, no stemming.
- Ranking is ``rank_bm25.BM25Okapi`` (k1 1.5, b 0.75) over the windows, best score first,
  ties by position. A window sharing a sentence with one already returned is skipped, so
  the results are distinct text, as newsdesk's are.
- It never refuses: every question gets ``limit`` windows.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass

import numpy as np
from rank_bm25 import BM25Okapi

from retrieval.corpus import Article
from retrieval.text.passages import split_sentences

log = logging.getLogger(__name__)

WINDOW_MAX_CHARS = 400
_TOKEN_RE = re.compile(r"\w+")


def tokens(text: str) -> list[str]:
    return _TOKEN_RE.findall(text.lower())


@dataclass(frozen=True)
class Window:
    article: int  # position of the article in the list the baseline was built from
    first: int  # first and end sentence, within the article
    end: int
    text: str
    published: dt.date | None


def sentence_windows(article_number: int, article: Article, max_chars: int = WINDOW_MAX_CHARS) -> list[Window]:
    """Every window of whole consecutive sentences starting at each sentence of ``article``."""
    sentences = [s for paragraph in article.paragraphs for s in split_sentences(paragraph)]
    windows: list[Window] = []
    for first in range(len(sentences)):
        end = first + 1
        length = len(sentences[first])
        while end < len(sentences) and length + 1 + len(sentences[end]) <= max_chars:
            length += 1 + len(sentences[end])
            end += 1
        text = " ".join(sentences[first:end])
        windows.append(Window(article_number, first, end, text, article.published))
    return windows


def distinct(windows: list[Window], scores: np.ndarray, limit: int) -> list[Window]:
    """The ``limit`` best-scored ``windows`` that share no sentence, best first (ties by position)."""
    chosen: list[Window] = []
    for position in np.argsort(-scores, kind="stable").tolist():
        window = windows[position]
        if any(w.article == window.article and w.first < window.end and window.first < w.end for w in chosen):
            continue
        chosen.append(window)
        if len(chosen) >= limit:
            break
    return chosen


class Baseline:
    """rank_bm25 ``BM25Okapi`` over sentence windows of ``articles``; never refuses."""

    def __init__(self, articles: list[Article]) -> None:
        self.windows = [w for number, a in enumerate(articles) for w in sentence_windows(number, a)]
        # BM25Okapi divides by the corpus size: an empty archive gets no model at all.
        self._bm25 = BM25Okapi([tokens(w.text) for w in self.windows]) if self.windows else None

    def search(self, question: str, limit: int = 3) -> list[Window]:
        """The ``limit`` best windows that share no sentence, best first."""
        if self._bm25 is None:
            return []
        return distinct(self.windows, self._bm25.get_scores(tokens(question)), limit)


class DenseBaseline:
    """Dense-only retrieval with newsdesk's reader model: the same sentence windows as
    :class:`Baseline`, each embedded as a passage, ranked by cosine with the question (no
    BM25, no refusal): the anchor a user would pick instead of newsdesk.

    ``vectors`` caches window vectors by text (the windows of a corpus are embedded once per
    cache, however many times the harness runs).
    """

    def __init__(self, articles: list[Article], vectors: dict[str, np.ndarray] | None = None) -> None:
        from retrieval.index.reader import Reader

        self.reader = Reader()
        self.windows = [w for number, a in enumerate(articles) for w in sentence_windows(number, a)]
        cache = vectors if vectors is not None else {}
        missing = [w.text for w in self.windows if w.text not in cache]
        if missing:
            cache.update(zip(missing, self.reader.embed(missing)))
        self.matrix = (
            np.stack([cache[w.text] for w in self.windows]).astype(np.float32)
            if self.windows
            else np.zeros((0, self.reader.dim), dtype=np.float32)
        )

    def search(self, question: str, limit: int = 3) -> list[Window]:
        """The ``limit`` windows closest to the question that share no sentence, closest first."""
        if not self.windows:
            return []
        return distinct(self.windows, self.matrix @ self.reader.embed_one(question), limit)
