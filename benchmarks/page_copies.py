"""A larger folder of real pages made from the few there are: each copy a distinct article.

``benchmarks/ingest_folder.py --pages-total N`` measures a folder of N pages (the issue's
151) when only 30 real ones are at hand. Copy ``k`` (1, 2, ...) of a page is the page itself
with three changes, so that ingest's duplicate checks (same URL; same text; same title and
date) do not drop it, and nothing else:

- its title, wherever the page gives it (``<title>``, ``og:title``, JSON-LD ``headline``,
  ``<h1>``, in every spelling the expected values list, raw or HTML-escaped), gets
  `` (part k)`` after it;
- its address (the marked URL, ``<link rel=canonical>``, ``og:url``), wherever it occurs,
  gets ``-part-k`` after it;
- its paragraphs swap their contents in a fixed shuffled order (seeded by the page and ``k``),
  each kind among its own kind: ``<p>``, ``<h2>``, ``<li>`` and ``<div class="...paragraph...">``
  elements (some sites hold their body in the latter), so the body holds the same paragraphs
  in another order.

Sizes and markup stay those of the real page: extraction, cleaning and indexing do the work
they do on real pages. Copy 0 is the page unchanged.
"""

from __future__ import annotations

import html
import random
import re
from collections.abc import Iterable

# Each kind of element whose contents are shuffled among its own kind (never nested in itself).
_KINDS = [
    re.compile(rb"(<p(?:\s[^>]*)?>)([^<]*(?:<(?!/?p[\s>])[^<]*)*)(</p>)", re.I),
    re.compile(rb"(<h2(?:\s[^>]*)?>)(.*?)(</h2>)", re.S | re.I),
    re.compile(rb"(<li(?:\s[^>]*)?>)([^<]*(?:<(?!/?li[\s>])[^<]*)*)(</li>)", re.I),
    re.compile(rb"""(<div[^>]*class=["'][^"']*paragraph[^"']*["'][^>]*>)([^<]*(?:<(?!/?div[\s>])[^<]*)*)(</div>)""", re.I),
]
_ADDRESS = re.compile(
    rb"""<(?:link[^>]+rel=["']?canonical["']?[^>]*href|meta[^>]+property=["']og:url["'][^>]*content)=["']([^"']+)["']""",
    re.I,
)


def distinct_copy(page: bytes, copy: int, titles: Iterable[str], url: str | None, seed: str) -> bytes:
    """Copy ``copy`` of ``page`` (see the module's docstring); ``page`` itself for copy 0."""
    if copy == 0:
        return page
    out = page
    suffix = f" (part {copy})"
    for title in sorted(set(titles), key=len, reverse=True):  # longest first: one never cuts another
        for form in {title, html.escape(title), html.escape(title, quote=False)}:
            out = out.replace(form.encode(), (form + html.escape(suffix, quote=False)).encode())
    addresses = {m.group(1) for m in _ADDRESS.finditer(out)} | ({url.encode()} if url else set())
    for address in sorted(addresses, key=len, reverse=True):
        out = out.replace(address, address.rstrip(b"/") + f"-part-{copy}".encode())
    rng = random.Random(f"{seed}/{copy}")
    for kind in _KINDS:
        out = _shuffled(out, kind, rng)
    return out


def _shuffled(page: bytes, kind: re.Pattern[bytes], rng: random.Random) -> bytes:
    """``page`` with the contents of its elements of one ``kind`` in another order (the tags stay)."""
    found = list(kind.finditer(page))
    if len(found) < 2:
        return page
    contents = [m.group(2) for m in found]
    order = list(range(len(contents)))
    while order == sorted(order):
        rng.shuffle(order)
    pieces, at = [], 0
    for match, source in zip(found, order):
        pieces += [page[at : match.start(2)], contents[source]]
        at = match.end(2)
    pieces.append(page[at:])
    return b"".join(pieces)


def made_into(pages: list[tuple[str, bytes, list[str], str | None]], total: int) -> list[tuple[str, bytes]]:
    """``total`` (key, page) made from ``pages`` (each its key, bytes, titles and address),
    each a distinct article: copy ``k`` of a page is keyed ``<key>-part-<k>``."""
    made = []
    for at, copy in copies_needed(len(pages), total):
        key, page, titles, url = pages[at]
        made.append((f"{key}-part-{copy}" if copy else key, distinct_copy(page, copy, titles, url, key)))
    return made


def copies_needed(given: int, total: int) -> list[tuple[int, int]]:
    """(page index, copy number) for ``total`` pages from ``given`` real ones: every page's
    copy 0, then every page's copy 1, and so on, until there are ``total``."""
    return [(i % given, i // given) for i in range(total)]
