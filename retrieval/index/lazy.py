"""Sequences whose items are made when read: what lets a saved archive load in milliseconds.

A loaded archive of 100,000 passages would otherwise make 100,000 passage objects, 20,000
article objects and half a million sentence strings before answering anything, though a
question reads a few dozen of them. These sequences keep the saved arrays (memory-mapped
UTF-8 text and offsets) and make an item when it is first read (articles and passages are
then kept, so the same object comes back each time).

Guarantees: each behaves as the list it stands for -- ``len``, indexing (negative too),
slicing (to a list), iteration, equality with any sequence, and ``+`` (a :class:`Chain`) --
and never changes after it is made, so it can be shared between threads (two threads may
both make an item; either copy is equal).
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar, overload

import numpy as np

from retrieval.corpus import Article
from retrieval.text.passages import Passage

log = logging.getLogger(__name__)

T = TypeVar("T")


class LazySequence(Sequence[T]):
    """Items ``make(i)`` for ``i`` in ``range(length)``, each made once when first read."""

    def __init__(self, length: int, make: Callable[[int], T], *, keep: bool = True) -> None:
        self._length = length
        self._make = make
        self._made: list[T | None] | None = [None] * length if keep else None

    def __len__(self) -> int:
        return self._length

    @overload
    def __getitem__(self, i: int) -> T: ...
    @overload
    def __getitem__(self, i: slice) -> list[T]: ...
    def __getitem__(self, i: int | slice) -> T | list[T]:
        if isinstance(i, slice):
            first, end, step = i.indices(self._length)
            if step == 1:
                return self._run(first, end) if end > first else []
            return [self._item(j) for j in range(first, end, step)]
        if i < 0:
            i += self._length
        if not 0 <= i < self._length:
            raise IndexError(f"index {i} out of range for {self._length} items")
        return self._item(i)

    def _run(self, first: int, end: int) -> list[T]:
        """Items ``first`` to ``end - 1`` (``first < end``; a subclass may read them at once)."""
        return [self._item(j) for j in range(first, end)]

    def _item(self, i: int) -> T:
        if self._made is None:
            return self._make(i)
        item = self._made[i]
        if item is None:
            item = self._made[i] = self._make(i)
        return item

    def __iter__(self) -> Iterator[T]:
        return (self._item(i) for i in range(self._length))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sequence) and len(other) == len(self) and all(a == b for a, b in zip(self, other))

    __hash__ = None  # type: ignore[assignment]

    def __add__(self, other: Sequence[T]) -> Chain[T]:
        return Chain([self, other])


class Chain(LazySequence[T]):
    """Sequences one after the other, as one (what ``+`` of a lazy sequence gives)."""

    def __init__(self, parts: Sequence[Sequence[T]]) -> None:
        flat: list[Sequence[T]] = []
        for part in parts:
            flat.extend(part._parts if isinstance(part, Chain) else [part])
        self._parts = flat
        self._starts = np.cumsum([0] + [len(p) for p in flat])
        super().__init__(int(self._starts[-1]), self._from_part, keep=False)

    def _from_part(self, i: int) -> T:
        part = int(np.searchsorted(self._starts, i, side="right")) - 1
        return self._parts[part][i - int(self._starts[part])]

    def _run(self, first: int, end: int) -> list[T]:
        part = int(np.searchsorted(self._starts, first, side="right")) - 1
        if end <= self._starts[part + 1]:  # inside one part: its own slice
            offset = int(self._starts[part])
            return list(self._parts[part][first - offset : end - offset])
        return super()._run(first, end)

    def __iter__(self) -> Iterator[T]:
        return itertools.chain.from_iterable(self._parts)


class Utf8Lines(LazySequence[str]):
    """Lines of UTF-8 bytes, decoded one by one when indexed, a run at once when sliced
    (the answer layer reads a passage's sentences and their neighbours together) and all
    at once when iterated."""

    def __init__(self, data: np.ndarray, ends: np.ndarray) -> None:
        self._data = data
        self._ends = ends.tolist()
        super().__init__(len(self._ends), self._line, keep=False)

    def _line(self, i: int) -> str:
        start = self._ends[i - 1] + 1 if i else 0
        return str(memoryview(self._data[start : self._ends[i]]), "utf-8")

    def _run(self, first: int, end: int) -> list[str]:
        # One decode and one split (no line holds a line break: each is followed by one).
        start = self._ends[first - 1] + 1 if first else 0
        return str(memoryview(self._data[start : self._ends[end - 1]]), "utf-8").split("\n")

    def __iter__(self) -> Iterator[str]:
        if not self._ends:
            return iter(())
        # One decode and one split: far cheaper than a decode per line (every line is wanted).
        return iter(str(memoryview(self._data[: self._ends[-1]]), "utf-8").split("\n"))


def utf8_lines(data: np.ndarray, ends: np.ndarray) -> Utf8Lines:
    """The texts of ``data`` (UTF-8 bytes) ending at byte offsets ``ends``, each followed by one line break."""
    return Utf8Lines(data, ends)


def lazy_articles(entries: list[list[Any]], bodies: np.ndarray, body_ends: np.ndarray, path_of: Callable[[str], Path]) -> LazySequence[Article]:
    """Articles from the saved metadata ``entries`` and their UTF-8 ``bodies`` (back to back)."""
    ends = body_ends.tolist()

    def article(i: int) -> Article:
        article_id, title, source, published, author, url, name = entries[i]
        start = ends[i - 1] if i else 0
        return Article(
            id=article_id,
            title=title,
            source=source,
            published=dt.date.fromisoformat(published) if published else None,
            body=str(memoryview(bodies[start : ends[i]]), "utf-8"),
            author=author,
            url=url,
            path=path_of(name) if name is not None else None,
        )

    return LazySequence(len(entries), article)


def lazy_passages(
    articles: Sequence[Article],
    per_article: np.ndarray,
    sentence_counts: np.ndarray,
    sentences: Sequence[str],
    headings: np.ndarray,
) -> LazySequence[Passage]:
    """The passages of ``articles`` (``per_article`` each; ``sentence_counts`` sentences each;
    ``headings``: the saved heading flag of each sentence)."""
    counts = per_article.astype(np.int64)
    article_of = np.repeat(np.arange(counts.size), counts).tolist()
    first_passage = np.repeat(np.cumsum(counts) - counts, counts)
    numbers = (np.arange(len(article_of)) - first_passage + 1).tolist()
    ends = np.cumsum(sentence_counts.astype(np.int64))
    starts = ends - sentence_counts
    first_in_article = (starts - starts[first_passage] if starts.size else starts).tolist()
    starts_list, ends_list = starts.tolist(), ends.tolist()

    def passage(i: int) -> Passage:
        article = articles[article_of[i]]
        number = numbers[i]
        text = tuple(sentences[starts_list[i] : ends_list[i]])
        flags = tuple(headings[starts_list[i] : ends_list[i]].tolist())
        return Passage(f"{article.id}#{number}", article, number, text, first_in_article[i], flags)

    return LazySequence(len(article_of), passage)
