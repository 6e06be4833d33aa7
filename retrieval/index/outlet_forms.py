"""One name per outlet: the spellings of one outlet that differ only in case and spacing merged.

Guarantees:

- two outlet names are one outlet when they are equal ignoring case, spaces and punctuation
  ("PolitiFact" and "Politifact", "Al Bawaba" and "AlBawaba"); "Space.com" and "Space" are not;
- an archive shows each outlet under its most common spelling among its articles (a tie: the
  one written with more capitals, then more spaces, then the first in alphabetical order), in
  citations, ``newsdesk outlets`` and the outlet filter alike; articles added later as a delta
  take the spelling the archive already shows;
- the corpus files are never changed: each keeps the spelling its page gave.
"""

from __future__ import annotations

import logging
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import replace
from typing import Any, Protocol

import numpy as np

from retrieval.corpus import Article

log = logging.getLogger(__name__)

_NOT_LETTERS = re.compile(r"[\W_]+")


def outlet_key(name: str) -> str:
    """What two spellings of one outlet share: the name's letters and digits, casefolded."""
    return _NOT_LETTERS.sub("", name.casefold())


def _preference(name: str, count: int) -> tuple[int, int, int, str]:
    capitals = sum(c.isupper() for c in name)
    return (-count, -capitals, -name.count(" "), name)


def merged_outlets(articles: Sequence[Article]) -> list[Article]:
    """``articles`` with each outlet under its most common spelling."""
    spellings: dict[str, Counter[str]] = defaultdict(Counter)
    for article in articles:
        spellings[outlet_key(article.source)][article.source] += 1
    chosen = {
        key: min(counts, key=lambda name: _preference(name, counts[name]))
        for key, counts in spellings.items()
        if len(counts) > 1
    }
    if not chosen:
        return list(articles)
    log.info("outlet spellings merged: %s", ", ".join(f"{sorted(spellings[k])} -> {v}" for k, v in chosen.items()))
    return [_named(article, chosen) for article in articles]


def _named(article: Article, chosen: dict[str, str]) -> Article:
    form = chosen.get(outlet_key(article.source), article.source)
    return article if form == article.source else replace(article, source=form)


class _Outlets(Protocol):
    """What of an archive this module reads (the archive module imports this one)."""

    outlet_names: list[str]
    outlet_codes: np.ndarray
    passages: Sequence[Any]


def with_archive_spellings(archive: _Outlets, added: Sequence[Article]) -> list[Article]:
    """``added`` with each outlet the archive already has under the archive's spelling."""
    added = merged_outlets(added)
    codes = {outlet_key(name): code for code, name in enumerate(archive.outlet_names)}
    chosen: dict[str, str] = {}
    for key in {outlet_key(a.source) for a in added} & codes.keys():
        positions = np.flatnonzero(archive.outlet_codes == codes[key])
        if positions.size:
            chosen[key] = archive.passages[int(positions[0])].article.source
    return [_named(article, chosen) for article in added] if chosen else added
