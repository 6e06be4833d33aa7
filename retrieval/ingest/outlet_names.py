"""Outlet names: a web address is never one.

Guarantees:

- ``is_web_address`` is true for a URL or a bare host/domain or IP address, with or without scheme,
  ``www.``, port, path or trailing slash, in any case (``https://www.hawaiinewsnow.com``,
  ``HawaiiNewsNow.com/``, ``facebook.com/HawaiiNewsNow``, ``Space.com``); a name with a
  space in it (``Sky News``) or no dotted host (``USA TODAY``) is not one;
- ``outlet_name`` is the one gate every outlet passes (page extraction, the text cleaner's
  hint, ingest's ``--source``): whitespace collapsed, and ``""`` for a web address;
- ``spelled_host_name`` finds the site's own name *as the page writes it in words*
  (``hawaiinewsnow.com`` and the text "Copyright 2019 Hawaii News Now" give
  "Hawaii News Now"); it never invents a spelling the page does not show.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Iterable
from urllib.parse import urlsplit

log = logging.getLogger(__name__)

_WEB_ADDRESS = re.compile(
    r"""^(?:[a-z][a-z0-9+.-]*:)?(?://)?      # scheme, or a protocol-relative //
        (?:[^\s/@]+@)?                         # user@
        (?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+ # host labels (www. among them)
        [a-z]{2,24}\.?                         # top-level domain
        (?::\d{1,5})?                          # port
        (?:[/?#]\S*)?$                         # path, query, fragment, trailing slash
    """,
    re.I | re.X,
)
# A host given by its IP address (an intranet site; trafilatura's fallback site name): 10.0.0.7:8080, [::1].
_IP_ADDRESS = re.compile(r"^(?://)?(?:\d{1,3}(?:\.\d{1,3}){3}|\[[0-9a-f:.]+\])(?::\d{1,5})?(?:[/?#]\S*)?$", re.I)
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://", re.I)
# Second-level labels under a country code (example.co.uk): the site's name is the label before.
_SECOND_LEVEL = frozenset({"co", "com", "org", "net", "gov", "ac", "edu", "or", "ne", "go", "gob", "nic"})
_WORD = re.compile(r"[^\W_]+")
_MAX_WORDS = 5


def is_web_address(text: str) -> bool:
    """True for a URL or bare host/domain (any scheme, ``www.``, path, case); false for a name."""
    text = text.strip()
    return bool(text) and any(pattern.match(text) for pattern in (_SCHEME, _WEB_ADDRESS, _IP_ADDRESS))


def outlet_name(candidate: str | None) -> str:
    """``candidate`` as an outlet name (whitespace collapsed), or ``""`` when it is a web address."""
    name = " ".join((candidate or "").split())
    if name and is_web_address(name):
        log.debug("%r is a web address, not an outlet name", name)
        return ""
    return name


def site_label(url: str) -> str:
    """The host's own name in ``url``: ``hawaiinewsnow`` for ``https://www.hawaiinewsnow.com/...``."""
    host = (urlsplit(url if "//" in url else f"//{url}").hostname or "").removeprefix("www.")
    labels = host.split(".")
    if len(labels) < 2:
        return ""
    if len(labels) >= 3 and len(labels[-1]) == 2 and labels[-2] in _SECOND_LEVEL:
        return labels[-3]
    return labels[-2]


def _name_like(words: list[str]) -> bool:
    # A name as sites write their own: capitalised words, or one word in capitals or CamelCase
    # (not an ordinary word that happens to spell the host, as "Space" at a sentence's start).
    if len(words) > 1:
        return all(w[0].isupper() or w[0].isdigit() for w in words)
    word = words[0]
    return word.isupper() or (word[0].isupper() and any(c.isupper() for c in word[1:]))


def _spellings(label: str, text: str) -> Iterable[str]:
    for line in text.splitlines():
        matches = list(_WORD.finditer(line))
        for start in range(len(matches)):
            joined, words = "", []
            for match in matches[start : start + _MAX_WORDS]:
                if words and line[matches[start + len(words) - 1].end() : match.start()].strip(" \t"):
                    break  # only words separated by spaces make one name
                words.append(match.group())
                joined += match.group().casefold()
                if not label.startswith(joined):
                    break
                if joined == label and _name_like(words):
                    yield " ".join(words)
                    break


def spelled_host_name(url: str, text: str) -> str:
    """The site's name in ``url``'s host as ``text`` spells it in words, or ``""``.

    Several spellings: the one in most words (the most readable), then the most frequent.
    """
    label = site_label(url).replace("-", "").casefold()
    if not label:
        return ""
    counts = Counter(_spellings(label, text))
    if not counts:
        return ""
    return max(counts, key=lambda s: (s.count(" "), counts[s]))
