"""Body lines made wholly of links to other pages: headlines of other stories, link lists.

The extractor gives plain text, so which words were links is read back from the page: the
texts of its ``<a href>`` elements that lead to another page (not a ``#section`` of this one,
not this page's own address, not ``mailto:`` or ``javascript:``).

Guarantees:

- a line is "link only" when link texts of the page cover (almost) all of its letters, after
  an optional short label ("Related:", "Read more:", "See also:") and list separators
  (``|``, ``•``, commas). Link texts match whole words only;
- a line with words of its own around a link (a sentence with an inline link, however many)
  is never link only: below nine tenths of its letters covered, it stays;
- a single link text of one or two words makes no line link only by itself (a subheading
  that is also a tag link on the page stays); several links in one line do.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urljoin, urlsplit

_ANCHORS = "//body//a[@href][not(ancestor::script or ancestor::noscript)]"
_LABEL = re.compile(r"^[^\W\d][\w'’ -]{0,30}:\s+")  # "Related: ...", "Read more: ..."
_LETTER = re.compile(r"[^\W_]")
_MIN_COVERED = 0.9
_MIN_ALONE_WORDS = 3  # one link of fewer words is no reason alone: it may be a tag
_NOT_PAGES = ("#", "mailto:", "javascript:", "tel:", "sms:")


def _own_path(address: str) -> str:
    try:
        return urlsplit(address).path.rstrip("/")
    except ValueError:
        return ""


def link_texts(tree: Any, own: str = "") -> frozenset[str]:
    """The texts (case and spacing folded) of the page's links to other pages; ``own`` is the
    page's address, whose links are to itself."""
    if tree is None:
        return frozenset()
    own_path = _own_path(own)
    found: set[str] = set()
    for anchor in tree.xpath(_ANCHORS):
        href = (anchor.get("href") or "").strip()
        if not href or href.lower().startswith(_NOT_PAGES):
            continue
        try:
            target = urljoin(own, href) if own else href
        except ValueError:
            continue
        if own_path and _own_path(target) == own_path:
            continue  # this page itself (a share button, a section of it)
        text = fold(anchor.text_content())
        if _LETTER.search(text):
            found.add(text)
    return frozenset(found)


def fold(text: str) -> str:
    return " ".join(text.split()).casefold()


def _covered(line: str, texts: frozenset[str]) -> tuple[int, int]:
    """How many of ``line``'s letters link texts cover, and how many links cover them."""
    covered = [False] * len(line)
    links = 0
    # Longest first: a headline is covered by itself, not by a tag inside it.
    for text in sorted((t for t in texts if t in line), key=len, reverse=True):
        for match in re.finditer(rf"(?<!\w){re.escape(text)}(?!\w)", line):
            if not all(covered[match.start() : match.end()]):
                covered[match.start() : match.end()] = [True] * (match.end() - match.start())
                links += 1
    letters = sum(1 for i, c in enumerate(line) if covered[i] and _LETTER.match(c))
    return letters, links


def labelled(line: str) -> bool:
    """Whether ``line`` starts with a short label ("Related:", "Read more:")."""
    return bool(_LABEL.match(fold(line)))


def is_link_line(line: str, texts: frozenset[str]) -> bool:
    """Whether ``line`` (one body paragraph) is made wholly of the page's link texts."""
    if not texts:
        return False
    folded = fold(line)
    rest = _LABEL.sub("", folded, count=1)
    total = len(_LETTER.findall(rest))
    if not total:
        return False
    letters, links = _covered(rest, texts)
    if letters < _MIN_COVERED * total:
        return False
    return links > 1 or len(rest.split()) >= _MIN_ALONE_WORDS
