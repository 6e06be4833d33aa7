"""Per-passage tables of an archive: outlet, date, sentence numbers, each article's sentences,
and each sentence's length and heading flag.

The archive filters and quotes through these (numpy arrays and one dict), never by walking
its passages. :func:`tables_of` computes them from passage objects (a build);
:func:`saved_tables` from the saved per-article arrays without making any passage (a load);
:func:`extended_tables` appends a delta's passages to an archive's tables (a change).

Guarantees: ``outlet_codes[p]`` indexes ``outlet_names`` (casefolded outlets); ``published[p]``
is a date ordinal (0: unknown); passage ``p``'s sentences are ``all_sentences[first[p] :
first[p] + count]``; ``article_sentences[id]`` is the (first, end) sentence range of the live
passages of article ``id`` (a removed passage keeps its position but belongs to no article);
``sentence_chars[i]`` is ``len(all_sentences[i])`` and ``sentence_headings[i]`` whether that
sentence is a heading, as its passage's ``heading_flags`` say (decided from the paragraph when
the article was cut; what sentence windows and excerpts weigh, known without reading the text).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from retrieval.corpus import Article
from retrieval.index.lazy import Chain, LazySequence
from retrieval.text.passages import Passage

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PassageTables:
    outlet_codes: np.ndarray  # int32 per passage
    outlet_names: list[str]
    published: np.ndarray  # int64 date ordinal per passage
    all_sentences: Sequence[str]
    passage_first_sentence: np.ndarray  # int64 per passage
    article_sentences: dict[str, tuple[int, int]]
    passage_count: int  # live passages
    article_ids: list[str]  # of the archive's articles, in order
    article_files: list[str]  # each article's file name ("" when it has none)
    sentence_chars: np.ndarray  # int32 per sentence
    sentence_headings: np.ndarray  # bool per sentence


def sentence_shapes(passages: Sequence[Passage]) -> tuple[np.ndarray, np.ndarray]:
    """Each sentence's length in characters and whether it is a heading, passage by passage."""
    count = sum(len(p.sentences) for p in passages)
    chars = np.fromiter((len(s) for p in passages for s in p.sentences), dtype=np.int32, count=count)
    return chars, np.fromiter((h for p in passages for h in p.heading_flags), dtype=bool, count=count)


def _code(index: dict[str, int], names: list[str], source: str) -> int:
    key = source.casefold()
    code = index.get(key)
    if code is None:
        code = index[key] = len(names)
        names.append(key)
    return code


def tables_of(articles: Sequence[Article], passages: Sequence[Passage], removed: np.ndarray | None) -> PassageTables:
    """The tables of built passages (``removed``: a mask of removed positions, or None)."""
    names: list[str] = []
    index: dict[str, int] = {}
    for article in articles:
        _code(index, names, article.source)
    codes = np.fromiter((_code(index, names, p.article.source) for p in passages), dtype=np.int32, count=len(passages))
    published = np.array([p.article.published.toordinal() if p.article.published else 0 for p in passages], dtype=np.int64)
    sentences = [s for p in passages for s in p.sentences]
    counts = np.fromiter((len(p.sentences) for p in passages), dtype=np.int64, count=len(passages))
    first = np.cumsum(counts) - counts
    skip = set(np.flatnonzero(removed).tolist()) if removed is not None else set()
    ranges: dict[str, tuple[int, int]] = {}
    for position, p in enumerate(passages):
        if position in skip:
            continue
        start = int(first[position])
        begin, _ = ranges.get(p.article.id, (start, start))
        ranges[p.article.id] = (begin, start + len(p.sentences))
    ids = [a.id for a in articles]
    files = [a.path.name if a.path is not None else "" for a in articles]
    return PassageTables(
        codes, names, published, sentences, first, ranges, len(passages) - len(skip), ids, files, *sentence_shapes(passages)
    )


def saved_tables(
    entries: list[list],
    per_article: np.ndarray,
    sentence_counts: np.ndarray,
    sentences: Sequence[str],
    shapes: tuple[np.ndarray, np.ndarray],
) -> PassageTables:
    """The tables of a saved archive (article metadata ``entries``: id, title, source, date, ...;
    ``shapes``: the saved :func:`sentence_shapes`)."""
    names: list[str] = []
    index: dict[str, int] = {}
    article_codes = np.array([_code(index, names, e[2]) for e in entries], dtype=np.int32)
    ordinals = np.array([dt.date.fromisoformat(e[3]).toordinal() if e[3] else 0 for e in entries], dtype=np.int64)
    counts = per_article.astype(np.int64)
    ends = np.cumsum(sentence_counts.astype(np.int64))
    first = ends - sentence_counts
    ranges: dict[str, tuple[int, int]] = {}
    if first.size:
        after = np.cumsum(counts)  # one past each article's last passage
        has = counts > 0
        begins = first[(after - counts)[has]].tolist()
        finishes = ends[after[has] - 1].tolist()
        ids = [e[0] for e, n in zip(entries, has.tolist()) if n]
        ranges = dict(zip(ids, zip(begins, finishes)))
    files = [e[6].replace("\\", "/").rsplit("/", 1)[-1] if e[6] else "" for e in entries]
    return PassageTables(
        np.repeat(article_codes, counts),
        names,
        np.repeat(ordinals, counts),
        sentences,
        first,
        ranges,
        int(counts.sum()),
        [e[0] for e in entries],
        files,
        *shapes,
    )


def extended_tables(
    tables: PassageTables, added: Sequence[Article], new_passages: Sequence[Passage], removed: np.ndarray, gone: set[str]
) -> PassageTables:
    """``tables`` without the articles ``gone`` and with ``added`` and their passages appended.

    ``removed`` is the new mask of removed positions.
    """
    delta = tables_of(added, new_passages, None)
    names = list(tables.outlet_names)
    index = {name: code for code, name in enumerate(names)}
    remap = np.array([_code(index, names, n) for n in delta.outlet_names], dtype=np.int32)
    offset = len(tables.all_sentences)
    ranges = {k: v for k, v in tables.article_sentences.items() if k not in gone}
    ranges.update({k: (a + offset, b + offset) for k, (a, b) in delta.article_sentences.items()})
    kept = [i for i, article_id in enumerate(tables.article_ids) if article_id not in gone]
    return PassageTables(
        np.concatenate((tables.outlet_codes, remap[delta.outlet_codes] if delta.outlet_codes.size else delta.outlet_codes)),
        names,
        np.concatenate((tables.published, delta.published)),
        Chain([tables.all_sentences, delta.all_sentences]),
        np.concatenate((tables.passage_first_sentence, delta.passage_first_sentence + offset)),
        ranges,
        int((~removed).sum()),
        [tables.article_ids[i] for i in kept] + delta.article_ids,
        [tables.article_files[i] for i in kept] + delta.article_files,
        np.concatenate((tables.sentence_chars, delta.sentence_chars)),
        np.concatenate((tables.sentence_headings, delta.sentence_headings)),
    )


def kept_articles(tables: PassageTables, articles: Sequence[Article], gone: set[str]) -> Sequence[Article]:
    """``articles`` (in the order ``tables`` lists them) without those ``gone``, none made that is not read."""
    kept = [i for i, article_id in enumerate(tables.article_ids) if article_id not in gone]
    if isinstance(articles, list):
        return [articles[i] for i in kept]
    return LazySequence(len(kept), lambda j: articles[kept[j]], keep=False)
