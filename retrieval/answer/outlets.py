"""What the archive holds per outlet: article counts and publication date ranges.

:func:`outlet_summary` is what ``newsdesk outlets`` lists, and :func:`unknown_outlet_error`
the one message for an outlet filter that matches no outlet (it lists the known ones), so
every interface says the same.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from retrieval.corpus import Article
from retrieval.answer.filters import FilterError

log = logging.getLogger(__name__)

LISTED_OUTLETS = 20  # an error lists at most this many known outlets


@dataclass(frozen=True)
class OutletSummary:
    name: str
    articles: int
    first: dt.date | None
    last: dt.date | None

    def to_json(self) -> dict[str, object]:
        dates = {"first": self.first, "last": self.last}
        return {"outlet": self.name, "articles": self.articles} | {
            k: v.isoformat() if v else None for k, v in dates.items()
        }


def outlet_summary(articles: Iterable[Article]) -> list[OutletSummary]:
    """One row per outlet, most articles first (then by name)."""
    counts: dict[str, int] = {}
    dates: dict[str, list[dt.date]] = {}
    for article in articles:
        counts[article.source] = counts.get(article.source, 0) + 1
        if article.published:
            dates.setdefault(article.source, []).append(article.published)
    rows = [
        OutletSummary(name, count, min(dates.get(name, [None])), max(dates.get(name, [None])))  # type: ignore[type-var]
        for name, count in counts.items()
    ]
    return sorted(rows, key=lambda row: (-row.articles, row.name.casefold()))


def unknown_outlet_error(outlet: str, known: Sequence[str]) -> FilterError:
    """The error for an outlet filter that matches none of the ``known`` outlet names."""
    names = sorted(known, key=str.casefold)
    listed = ", ".join(names[:LISTED_OUTLETS])
    if len(names) > LISTED_OUTLETS:
        listed += f" and {len(names) - LISTED_OUTLETS} more (newsdesk outlets lists them)"
    shown = outlet if len(outlet) <= 40 else outlet[:39] + "\u2026"
    return FilterError(f"no outlet matches {shown!r}; known outlets: {listed or 'none (the archive is empty)'}")
