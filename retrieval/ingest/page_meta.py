"""What a page's head says about itself: JSON-LD, meta tags, the ``<title>``'s parts, its address.

Guarantees:

- JSON-LD is read as JSON (every ``application/ld+json`` block, ``@graph`` lists included); a
  block that is not JSON is skipped, never guessed at;
- a publication date is taken only from the page's own object, never from something it
  quotes or reviews: the top-level objects' own ``datePublished`` (not one nested in
  ``itemReviewed``, ``claimReviewed``, ``review``...), then ``article:published_time`` and
  ``itemprop=datePublished`` meta tags;
- :func:`plausible_date` is the one test of a date a page gives: written ``YYYY-MM-DD`` (an
  ISO week date ``2019-W47-3`` or ``20191119`` is not one), between 1900 and tomorrow (a
  ``9999-12-31``, a ``0001-01-01`` placeholder or a date after tomorrow is none);
- :func:`address_date` reads a date from an address's path (``/2019/11/19/``) only when it is
  plausible.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

log = logging.getLogger(__name__)

EARLIEST = dt.date(1900, 1, 1)
_ISO_DAY = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})(?:$|[T\s])")
_PATH_DAY = re.compile(r"/((?:19|20)\d{2})[/-](\d{1,2})[/-](\d{1,2})(?:/|$|[-_])")
_LD_XPATH = "//script[@type='application/ld+json']/text()"
_META_DATES = (
    "//meta[@property='article:published_time' or @name='article:published_time'"
    " or @itemprop='datePublished' or @name='datePublished']/@content"
    " | //*[@itemprop='datePublished']/@datetime"
)


def plausible_date(value: str | None, *, today: dt.date | None = None) -> dt.date | None:
    """The day ``value`` starts with (``YYYY-MM-DD``), when it is a plausible publication date."""
    match = _ISO_DAY.match(value or "")
    return _plausible_day(match.groups(), today) if match else None


def address_date(url: str, *, today: dt.date | None = None) -> dt.date | None:
    """A plausible date in ``url``'s path (``/2019/11/19/``), or None."""
    try:
        path = urlsplit(url).path
    except ValueError:
        return None
    match = _PATH_DAY.search(path)
    return _plausible_day(match.groups(), today) if match else None


def _plausible_day(parts: tuple[str, ...], today: dt.date | None) -> dt.date | None:
    try:
        day = dt.date(*(int(p) for p in parts))
    except ValueError:
        return None
    latest = (today or dt.date.today()) + dt.timedelta(days=1)  # a day of slack for time zones
    return day if EARLIEST <= day <= latest else None


def jsonld_objects(tree: Any) -> list[dict]:
    """The page's top-level JSON-LD objects (a ``@graph``'s members among them)."""
    objects: list[dict] = []
    for block in tree.xpath(_LD_XPATH) if tree is not None else ():
        try:
            data = json.loads(block)
        except (ValueError, RecursionError):
            log.debug("a JSON-LD block is not JSON; skipped")
            continue
        for item in data if isinstance(data, list) else [data]:
            if isinstance(item, dict):
                objects.append(item)
                graph = item.get("@graph")
                if isinstance(graph, list):
                    objects.extend(g for g in graph if isinstance(g, dict))
    return objects


def _strings(value: Any) -> Iterator[str]:
    for item in value if isinstance(value, list) else [value]:
        if isinstance(item, str) and item.strip():
            yield item.strip()


def _types(item: dict) -> set[str]:
    return {t.casefold() for t in _strings(item.get("@type"))}


def _is_article(item: dict) -> bool:
    return any(t.endswith("article") or t in ("blogposting", "report", "webpage") for t in _types(item))


def published_dates(tree: Any, objects: list[dict] | None = None) -> list[dt.date]:
    """The page's own publication dates, most explicit first (articles' JSON-LD, then meta tags)."""
    objects = jsonld_objects(tree) if objects is None else objects
    ordered = sorted(objects, key=lambda item: not _is_article(item))  # articles' own first
    values = [v for item in ordered for v in _strings(item.get("datePublished"))]
    if tree is not None:
        values += [str(v) for v in tree.xpath(_META_DATES)]
    return [day for value in values if (day := plausible_date(value)) is not None]


def publisher_names(objects: list[dict]) -> list[str]:
    """``publisher.name`` of the page's JSON-LD objects, articles' first.

    A publisher given only by reference (``{"@id": ".../#publisher"}``, as a ``@graph`` or a
    second block states it once) takes the name of the object with that ``@id``."""
    by_id = {i: item for item in objects for i in _strings(item.get("@id"))}
    names: list[str] = []
    for item in sorted(objects, key=lambda item: not _is_article(item)):
        for publisher in item.get("publisher") if isinstance(item.get("publisher"), list) else [item.get("publisher")]:
            if isinstance(publisher, dict):
                named = publisher if publisher.get("name") else by_id.get(str(publisher.get("@id")), {})
                names.extend(_strings(named.get("name")))
            elif isinstance(publisher, str):
                names.append(publisher.strip())
    return names


def headlines(objects: list[dict]) -> list[str]:
    """The articles' own ``headline`` values in the page's JSON-LD."""
    return [h for item in objects if _is_article(item) for h in _strings(item.get("headline"))]
