"""Outlet names: a web address is never one; a brand written as a domain is.

Guarantees:

- ``is_web_address`` is true for a URL or a bare host/domain or IP address, with or without scheme,
  ``www.``, port, path or trailing slash, in any case (``https://www.hawaiinewsnow.com``,
  ``HawaiiNewsNow.com/``, ``facebook.com/HawaiiNewsNow``, ``Space.com``); a name with a
  space in it (``Sky News``) or no dotted host (``USA TODAY``) is not one;
- ``is_domain_brand`` is true for an outlet that names itself by its domain, written as a
  name: one label and a top-level domain (or ``.co.uk``-style pair), no scheme, ``www.``,
  port or path, with a capital letter (``Space.com``, ``Phys.org``, ``PanARMENIAN.Net``);
  ``space.com`` in lowercase is an address as much as a name, and a page's other names (or
  the host as the page spells it in words) are preferred to it;
- ``outlet_name`` is the one gate every outlet passes (page extraction, the text cleaner's
  hint, ingest's ``--source``): whitespace collapsed, ``""`` for a web address, a domain
  brand kept (with ``any_case``, what a user typed, also in lowercase);
- ``host_outlet`` names a site by its registrable domain when nothing else does
  (``https://www.space.com/x`` gives "Space.com"); never an IP address, a one-label host or
  a name reserved for tests and private networks (``example.org``, ``*.test``, ``*.internal``);
- ``spelled_host_name`` finds the site's own name *as the page writes it in words*
  (``hawaiinewsnow.com`` and the text "Copyright 2019 Hawaii News Now" give
  "Hawaii News Now"; ``practicalhorsemanmag.com`` and "Practical Horseman" too: a host may
  add a generic ending, ``mag``, ``online``); it never invents a spelling the
  page does not show;
- ``page_outlet_name`` is stricter, for names a *page* gives (not what a user typed): a
  tagline is cut at its separator to the part that is a name ("LinkNaija | Nigeria's popular
  news platform" gives "LinkNaija"), and these are no outlet: a copyright line ("Copyright
  2014"), a social-media handle ("Wday_", "@skynews"), a bare US state code ("Nj"), a
  single generic word ("Hosted", "Connected", "Home"), a phrase in running words ("Expert
  how-to for English Riders").
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
# A brand written as its domain: one label, then a top-level domain or a second-level pair.
_DOMAIN_BRAND = re.compile(
    rf"^[^\W_](?:[\w-]*[^\W_])?(?:\.(?:{'|'.join(sorted(_SECOND_LEVEL))}))?\.[a-z]{{2,24}}$", re.I
)
# Names that are no site's (RFC 2606, RFC 6761, and private-use top-level domains).
_RESERVED_TLDS = frozenset({"test", "example", "invalid", "localhost", "local", "internal", "lan", "home", "corp", "intranet"})
_RESERVED_DOMAINS = frozenset({"example.com", "example.net", "example.org"})
_MAX_WORDS = 5
# Parts of a site name's line: "Name | tagline", "Name - tagline", "Name: tagline".
_NAME_SEPARATORS = re.compile(r"\s+[|\u2013\u2014\u00b7\u2022/-]\s+|\s*::\s*|:\s+")
_COPYRIGHT = re.compile(r"^(?:copyright\b|\u00a9|\(c\))[\s\u00a9\d,\u2013-]*|\ball rights reserved\b.*$", re.I)
_HANDLE = re.compile(r"^@|^[^\s]*_[^\s]*$")
# Words a site's name leaves in lowercase ("Bank of America", "Le Monde de l'éducation").
_SMALL_WORDS = frozenset(
    "a an and at by de del des di du for from in la le les of on or the to und van von y".split()
)
_US_STATES = frozenset(
    "al ak az ar ca co ct de dc fl ga hi id il in ia ks ky la me md ma mi mn ms mo mt ne nv nh nj nm "
    "ny nc nd oh ok or pa ri sc sd tn tx ut vt va wa wv wi wy".split()
)
# One word that names a page's kind or state, never a site ("Hosted" on AP's pages, "Connected").
_NOT_NAMES = frozenset(
    "home homepage index news article articles blog post story untitled menu search page website site "
    "online latest live".split()
)
# Endings a host adds to the site's name: "practicalhorsemanmag", "heiseonline".
_HOST_ENDINGS = ("magazine", "online", "news", "mag", "daily", "web", "tv")


def is_web_address(text: str) -> bool:
    """True for a URL or bare host/domain (any scheme, ``www.``, path, case); false for a name."""
    text = text.strip()
    return bool(text) and any(pattern.match(text) for pattern in (_SCHEME, _WEB_ADDRESS, _IP_ADDRESS))


def is_domain_brand(text: str, *, any_case: bool = False) -> bool:
    """True for a brand written as a domain (``Space.com``); lowercase ones only with ``any_case``."""
    text = text.strip()
    if not _DOMAIN_BRAND.match(text) or text.casefold().startswith("www."):
        return False
    return any_case or any(c.isupper() for c in text)


def outlet_name(candidate: str | None, *, any_case: bool = False) -> str:
    """``candidate`` as an outlet name (whitespace collapsed), or ``""`` when it is a web address.

    A brand written as a domain (:func:`is_domain_brand`) is a name; ``any_case`` (for what a
    user typed) accepts it in lowercase too.
    """
    name = " ".join((candidate or "").split())
    if name and is_domain_brand(name, any_case=any_case):
        return name
    if name and is_web_address(name):
        log.debug("%r is a web address, not an outlet name", name)
        return ""
    return name


def _is_tagline(words: list[str]) -> bool:
    """A phrase in running words (three or more, one lowercase word that is not a small word)."""
    return len(words) >= 3 and any(w[0].islower() and w.casefold() not in _SMALL_WORDS for w in words)


def _one_name(part: str) -> str:
    part = _COPYRIGHT.sub("", part).strip(" .,;")
    words = part.split()
    if not words or _HANDLE.search(part) or is_web_address(part) and not is_domain_brand(part):
        return ""
    if len(words) == 1 and (part.casefold() in _US_STATES or part.casefold() in _NOT_NAMES):
        return ""
    if len(words) == 1 and not part.isupper() and part.casefold().endswith(("ed", "ing")) and len(part) > 4:
        return ""  # "Hosted", "Connected", "Trending": a page's state, not a site
    return "" if _is_tagline(words) else part


def page_outlet_name(candidate: str | None) -> str:
    """``candidate``, a name a page gives for its site, as an outlet name, or ``""`` when it is none.

    A line with separators ("Name | tagline") gives its first part that is a name.
    """
    line = outlet_name(candidate)
    if not line:
        return ""
    for part in _NAME_SEPARATORS.split(line):
        if name := _one_name(part):
            return name
    log.debug("%r names no outlet", line)
    return ""


def site_label(url: str) -> str:
    """The host's own name in ``url``: ``hawaiinewsnow`` for ``https://www.hawaiinewsnow.com/...``."""
    host = (urlsplit(url if "//" in url else f"//{url}").hostname or "").removeprefix("www.")
    labels = host.split(".")
    if len(labels) < 2:
        return ""
    if len(labels) >= 3 and len(labels[-1]) == 2 and labels[-2] in _SECOND_LEVEL:
        return labels[-3]
    return labels[-2]


def host_outlet(url: str) -> str:
    """The registrable domain of ``url``'s host as a name (``Space.com``), or ``""`` when it has none.

    The last resort for a page that names no outlet: better the site's domain than a refused
    page. The first letter is capitalised, the rest kept as the host writes it (lowercase).
    """
    try:
        host = (urlsplit(url if "//" in url else f"//{url}").hostname or "").rstrip(".").lower()
    except ValueError:
        return ""
    labels = host.split(".")
    if len(labels) < 2 or _IP_ADDRESS.match(host) or ":" in host or labels[-1] in _RESERVED_TLDS:
        return ""
    keep = 3 if len(labels) >= 3 and len(labels[-1]) == 2 and labels[-2] in _SECOND_LEVEL else 2
    domain = ".".join(labels[-keep:])
    if domain in _RESERVED_DOMAINS or not _DOMAIN_BRAND.match(domain) or not labels[-1].isalpha():
        return ""
    if "xn--" in domain:  # an internationalised name: shown as its readers write it
        try:
            domain = domain.encode("ascii").decode("idna")
        except UnicodeError:
            return ""
    return domain[0].upper() + domain[1:]


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
    for ending in _HOST_ENDINGS:
        if not counts and label.endswith(ending) and len(label) > len(ending) + 3:
            counts = Counter(_spellings(label.removesuffix(ending), text))
    if not counts:
        return ""
    return max(counts, key=lambda s: (s.count(" "), counts[s]))
