"""Changing an archive without re-indexing it: new articles as a delta segment, removed ones masked.

:func:`apply_changes` makes a new :class:`~retrieval.archive.Archive` from an existing one:
the passages of removed (or replaced) articles are marked removed, and the passages of new
(or new versions of) articles are appended and indexed as one small delta segment of a
:class:`~retrieval.index.segments.SegmentedIndex`. BM25's statistics stay global, so scores are
those of a full rebuild over the same live passages. The delta's sentence terms, passage
vectors (when meaning is on) and spelling words are computed here too, for the new passages
only, or, ``words_only``, later (:func:`with_new_vectors`: the running bot answers from new
files by their words while their vectors are read). The old archive is left as it was (a
question under way finishes on it).

Cost: in proportion to the changed articles, plus a few array copies and the archive's
per-passage tables (about 0.2 s at 100,000 passages).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Collection, Sequence

import numpy as np

from retrieval.archive import Archive
from retrieval.corpus import Article, CorpusError
from retrieval.index.bm25 import BM25Index
from retrieval.index.lazy import Chain
from retrieval.text.passages import Passage, corpus_passages
from retrieval.index.scoring import Scorer
from retrieval.index.segments import SegmentedIndex
from retrieval.index.meaning import FusedScorer
from retrieval.text.sentences import SentenceTerms
from retrieval.text.spelling import vocabulary_from_terms
from retrieval.index.outlet_forms import with_archive_spellings
from retrieval.index.tables import extended_tables, kept_articles

log = logging.getLogger(__name__)


def apply_changes(
    archive: Archive,
    added: Sequence[Article],
    removed: Collection[str] = (),
    errors: list[CorpusError] | None = None,
    *,
    words_only: bool = False,
) -> Archive:
    """``archive`` without the articles whose ids are in ``removed``, with ``added`` appended.

    An article in both is replaced. ``errors`` (the corpus files that could not be used)
    replaces the archive's list when given. ``words_only``: the new passages are not read for
    meaning, so the changed archive answers by its words alone (the reader's vectors, the
    slow part, are added later: :func:`retrieval.store.vectors.with_new_vectors`).
    """
    added = with_archive_spellings(archive, added)  # an outlet the archive shows keeps its spelling
    gone = set(removed) | {a.id for a in added}
    dropped = passage_positions(archive, gone)
    new_passages = corpus_passages(list(added))
    index = _extended_index(archive.index, new_passages, dropped, words_only)
    bm25 = index.bm25 if isinstance(index, FusedScorer) else index
    new_sentences = [s for p in new_passages for s in p.sentences]
    delta_terms = SentenceTerms.build(new_sentences, archive.analyzer, bm25.vocabulary)
    old_terms = archive.sentence_terms
    terms = SentenceTerms(
        bm25.vocabulary,
        np.concatenate((old_terms.indptr, old_terms.indptr[-1] + delta_terms.indptr[1:])),
        np.concatenate((old_terms.ids, delta_terms.ids)),
    )
    kept = kept_articles(archive.tables, archive.articles, gone)
    articles = kept + list(added) if isinstance(kept, list) else Chain([kept, list(added)])
    passages = archive.passages + new_passages if isinstance(archive.passages, list) else Chain([archive.passages, new_passages])
    removed_mask = bm25.removed
    changed = Archive(
        articles,
        passages,
        index,
        analyzer=archive.analyzer,
        errors=archive.errors if errors is None else errors,
        sentence_terms=terms,
        spelling_words=functools.partial(_spelling_words, archive, bm25, delta_terms, dropped),
        tables=extended_tables(archive.tables, added, new_passages, removed_mask, gone),
    )
    log.info(
        "archive changed: %d articles added, %d passages removed; %d segments",
        len(added),
        int(dropped.size),
        len(bm25.segments),
    )
    return changed


def with_new_vectors(archive: Archive, read: FusedScorer) -> Archive:
    """``archive`` (changed with ``words_only``, so lexical) with the reader's vectors: ``read``'s
    (the scorer of an earlier state of it, covering its first ``len(read)`` passages: positions
    only grow, a removed passage is masked, never dropped) and those of the passages after them,
    read now. It answers as the same changes applied with their vectors would. Raises ValueError
    when ``read`` covers more passages than ``archive`` holds (not an earlier state of it)."""
    covered = len(read.bm25)
    if covered > len(archive.passages):
        raise ValueError(f"vectors of {covered} passages do not belong to an archive of {len(archive.passages)}")
    new = list(archive.passages[covered:])
    index = read.extended(archive.index, [p.text for p in new], [p.number for p in new])
    log.info("read %d new passages for meaning", len(new))
    return archive.with_index(index)


def passage_positions(archive: Archive, ids: Collection[str]) -> np.ndarray:
    """The live positions of the passages of the articles ``ids`` (those it does not hold: none)."""
    if not ids:
        return np.zeros(0, dtype=np.int64)
    firsts = archive.passage_first_sentence
    found: list[np.ndarray] = []
    for article_id in ids:
        span = archive.live_sentence_range(article_id)
        if span is not None:
            lo, hi = np.searchsorted(firsts, span, side="left").tolist()
            found.append(np.arange(lo, hi, dtype=np.int64))
    return np.concatenate(found) if found else np.zeros(0, dtype=np.int64)


def _extended_index(
    index: Scorer, passages: list[Passage], dropped: np.ndarray, words_only: bool = False
) -> SegmentedIndex | FusedScorer:
    """``index`` with a delta segment over ``passages`` and the passages at ``dropped`` removed
    (``words_only``: its BM25 alone, without the reader's vectors)."""
    texts = [p.text for p in passages]
    bm25 = index.bm25 if isinstance(index, FusedScorer) else index
    if isinstance(bm25, SegmentedIndex):
        segments, removed = list(bm25.segments), bm25.removed
    elif isinstance(bm25, BM25Index):
        segments, removed = [bm25], np.zeros(len(bm25), dtype=bool)
    else:
        raise TypeError(f"a {type(bm25).__name__} cannot grow by segments; rebuild the archive")
    base = segments[0]
    delta = BM25Index.build(texts, k1=base.k1, b=base.b, epsilon=base.epsilon, analyzer=base.analyzer)
    mask = np.concatenate((removed, np.zeros(len(delta), dtype=bool)))
    mask[dropped] = True
    grown = SegmentedIndex([*segments, delta], mask)
    if not isinstance(index, FusedScorer) or words_only:
        return grown
    return index.extended(grown, texts, [p.number for p in passages])


def _spelling_words(
    archive: Archive, index: SegmentedIndex, delta: SentenceTerms, dropped: np.ndarray
) -> dict[str, int]:
    """Spelling's words: the new passages' words added, those only removed passages held dropped.

    A word's frequency is its term's document frequency, so only the words of added or
    removed passages can change; they are looked up again.
    """
    words = dict(archive.spelling_words())
    stopwords = archive.analyzer.stopwords
    if delta.word_terms is not None:
        words.update(vocabulary_from_terms(delta.word_terms, index.document_frequency, stopwords))
    if dropped.size:
        firsts = archive.passage_first_sentence
        sentences = [
            archive.all_sentences[i]
            for p in dropped.tolist()
            for i in range(int(firsts[p]), int(firsts[p]) + len(archive.passages[p].sentences))
        ]
        gone = SentenceTerms.build(sentences, archive.analyzer, index.vocabulary).word_terms or {}
        for word, frequency in vocabulary_from_terms(gone, index.document_frequency, stopwords).items():
            if frequency:
                words[word] = frequency
            else:
                words.pop(word, None)
    return words


def delta_size(archive: Archive) -> tuple[int, int]:
    """(delta segments, passages in them) of ``archive``: (0, 0) for one built or loaded whole."""
    index = archive.index.bm25 if isinstance(archive.index, FusedScorer) else archive.index
    if not isinstance(index, SegmentedIndex):
        return 0, 0
    return len(index.segments) - 1, len(index) - len(index.segments[0])
