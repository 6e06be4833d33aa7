"""What the reader reads of each passage: its reading units, and which passages it reads at all.

A reading unit is a run of whole sentences of a passage, at most :data:`UNIT_CHARS`
characters (a longer sentence is a unit of its own); the reader gives each unit a vector
(:class:`~retrieval.index.meaning.FusedScorer`).

Guarantees:

- Bounded per article: only the first :data:`~retrieval.text.passages.MAX_READ_PASSAGES`
  passages of an article are read for meaning (:func:`units_to_read`), so however long a
  page is, the reader reads at most that many passages of it (each at most
  :data:`~retrieval.text.passages.MAX_PASSAGE_CHARS` characters). The passages after them get
  no unit and no vector; they are indexed by their words like every other passage.
- Units are in passage order, each with its passage's position in the archive; a passage
  read is covered by its units, every character but spaces in one of them.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np

from retrieval.text import passages
from retrieval.text.passages import split_sentences

log = logging.getLogger(__name__)

# The longest reading unit (whole sentences; a longer sentence is a unit of its own).
UNIT_CHARS = 320


def units_to_read(
    texts: Sequence[str], numbers: Sequence[int] | None, first_passage: int = 0, most: int | None = None
) -> tuple[np.ndarray, list[str]]:
    """The reading units (as :func:`reading_units`) of the passages the reader reads among
    ``texts`` (passages numbered from ``first_passage``): those whose number in their article
    (``numbers``, from 1) is at most ``most`` (default ``MAX_READ_PASSAGES``); all of
    them when ``numbers`` is None (passages not known to be of one article)."""
    if numbers is None:
        return reading_units(texts, first_passage)
    limit = passages.MAX_READ_PASSAGES if most is None else most  # read when called: one setting
    chosen = [i for i, number in enumerate(numbers) if number <= limit]
    if len(chosen) < len(texts):
        log.debug("%d passages past the first %d of their article are left to their words", len(texts) - len(chosen), limit)
    units, unit_texts = reading_units([texts[i] for i in chosen])
    if units.size:
        units[:, 0] = np.asarray(chosen, dtype=np.int64)[units[:, 0]] + first_passage
    return units, unit_texts


def reading_units(texts: Sequence[str], first_passage: int = 0, max_chars: int | None = None) -> tuple[np.ndarray, list[str]]:
    """Each text cut into runs of whole sentences of at most ``max_chars`` characters (a longer
    sentence is a unit of its own): an (n, 3) array of (passage, first char, end char) and the
    units' texts. Passages are numbered from ``first_passage``."""
    limit = UNIT_CHARS if max_chars is None else max_chars
    rows: list[tuple[int, int, int]] = []
    for number, text in enumerate(texts, start=first_passage):
        spans = _sentence_spans(text)
        start, end = spans[0]
        for first, stop in spans[1:]:
            if stop - start > limit:
                rows.append((number, start, end))
                start = first
            end = stop
        rows.append((number, start, len(text)))
    return np.array(rows, dtype=np.int64).reshape(-1, 3), [texts[p - first_passage][s:e] for p, s, e in rows]


def _sentence_spans(text: str) -> list[tuple[int, int]]:
    """(first, end) characters of each sentence of ``text`` (the whole text if none is found)."""
    spans: list[tuple[int, int]] = []
    end = 0
    for sentence in split_sentences(text):
        at = text.find(sentence, end)
        if at < 0:  # the splitter normalised something: the running offset
            at = min(len(text), end + 1 if end else 0)
        end = min(len(text), at + len(sentence))
        spans.append((at, end))
    return spans or [(0, len(text))]
