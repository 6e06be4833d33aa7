"""Turn an HTML article page into article parts, through trafilatura (dates through htmldate).

Guarantees:

- the body is plain text: scripts, styles, navigation, comments and markup never reach it,
  entities are decoded, and paragraphs are separated by blank lines (the corpus format);
- title, outlet (site name or publisher), author, publication date and canonical URL come
  from the page's own markup (meta tags, JSON-LD, ``<title>``, ``<h1>``, ``<link rel=canonical>``)
  or, for the date, from its address; nothing is guessed silently. A date is not searched for
  in the running text, and a title that is only the site's name is not a title;
- a web address (URL or bare host, any form: :mod:`retrieval.ingest.outlet_names`) is never the
  outlet, but a brand written as a domain is (``Space.com``, ``Phys.org``): after the site
  name trafilatura picks, the page's next site name is used (``og:site_name``,
  ``application-name``, ``publisher``), else the host's name as the page writes it in words
  (``hawaiinewsnow.com`` and "Copyright 2019 Hawaii News Now" give "Hawaii News Now"), else
  the page's registrable domain as a name (``www.space.com`` gives "Space.com");
- a title loses a trailing (or leading) site name after a separator (" | Site", " - Site")
  when it is the outlet or one of the page's site names, never the whole title;
- the canonical address is the page's ``<link rel=canonical>`` (any ``rel`` spelling, a
  relative one resolved against where the page came from), else its ``og:url``;
- a field not found is left empty and named in ``problems``, and ingest says which option
  supplies it;
- the body keeps the page's standfirst (a block whose text is the page's description) when the
  extractor left it out, and loses repeated blocks and lines that are never article text
  (:mod:`retrieval.ingest.body_check`): lines wholly of links to other pages, the author's bio
  at the end; ``removed`` names each dropped line and why, ``doubts`` says why what is left
  still looks wrong;
- the page is never fetched from here; ``url`` (where the page came from) only fills a
  missing canonical address.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

from retrieval.ingest.cleaning import (
    PROBLEM_NO_BODY,
    PROBLEM_NO_DATE,
    PROBLEM_NO_SOURCE,
    PROBLEM_NO_TITLE,
    CleanResult,
)
from retrieval.ingest.author_bio import author_names
from retrieval.ingest.body_check import PageCues, clean_body, doubts
from retrieval.ingest.link_lines import link_texts
from retrieval.ingest.outlet_names import host_outlet, page_outlet_name, site_label, spelled_host_name
from retrieval.ingest.page_meta import (
    address_date,
    headlines,
    jsonld_objects,
    plausible_date,
    published_dates,
    publisher_names,
)

log = logging.getLogger(__name__)

_HTML_START = re.compile(rb"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html[\s>]|head[\s>])", re.I | re.S)
_HTML_TAGS = re.compile(rb"<(?:html|head|body|meta|title|div|p|article)[\s>/]", re.I)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([\w.:-]+)""", re.I)
_SNIFF_BYTES = 4096
# Citations link the title as [Title](url): these would end or break the link.
_LINK_ESCAPES = str.maketrans({c: f"%{ord(c):02X}" for c in " ()<>[]\"'`"})
# Dates only from the page's markup and address: htmldate's "extensive search" of the
# running text would take any date the article mentions.
_DATE_PARAMS = {"extensive_search": False, "original_date": True}
# The site's name in the page's head: og:site_name first, then (after JSON-LD's publisher) these.
_OG_TITLE = "//head/meta[@property='og:title' or @name='og:title' or @name='twitter:title']/@content"
_MIN_TITLE_WORDS = 2
_SITE_NAME = "//head/meta[@property='og:site_name' or @name='og:site_name']/@content"
_OTHER_NAMES = (
    "//head/meta[@name='application-name' or @name='apple-mobile-web-app-title' or @name='publisher']/@content"
)
# The page's own headlines: a <title> that is one of them plus a section or site name is cut to it.
_HEADLINES = "//meta[@property='og:title' or @name='twitter:title']/@content | //h1"
# Query parameters that say which link or campaign brought the reader, not which page it is.
_TRACKING = re.compile(r"(?:utm_\w*|fbclid|gclid|dclid|msclkid|mc_cid|mc_eid|igshid|_ga|_gl)\Z", re.I)
_PAGE_TEXT = "//title//text() | //body//text()[not(ancestor::script or ancestor::style or ancestor::noscript)]"
# The page's own text, without its scripts and chrome: what a body far shorter than looks wrong beside.
_OWN_TEXT = (
    "//body//text()[not(ancestor::script or ancestor::style or ancestor::noscript or ancestor::nav"
    " or ancestor::header or ancestor::footer or ancestor::aside)]"
)
_CANONICAL = (
    "//link[contains(concat(' ', translate(normalize-space(@rel), 'CANOIL', 'canoil'), ' '), ' canonical ')]/@href"
)
_DESCRIPTION = "//head/meta[@property='og:description' or @name='description' or @name='twitter:description']/@content"
_BLOCKS = "//body//*[self::p or self::div or self::h2 or self::span][not(ancestor::script or ancestor::noscript)]"
_STANDFIRST_MIN_WORDS = 8  # a description shorter than this is a tagline, not a lead
_OG_URL = "//meta[@property='og:url' or @name='og:url']/@content"


def looks_like_html(data: bytes | str) -> bool:
    """True when the content is an HTML document (whatever its file name says)."""
    head = (data.encode("utf-8", "replace") if isinstance(data, str) else data)[:_SNIFF_BYTES]
    head = head.lstrip(b"\xef\xbb\xbf")
    return bool(_HTML_START.match(head)) or len(_HTML_TAGS.findall(head)) >= 3


def decode_html(data: bytes, charset: str | None = None) -> str:
    """The page as text: the declared charset (HTTP header, then ``<meta>``), else UTF-8, else detected."""
    declared = [charset] if charset else []
    if match := _META_CHARSET.search(data[:_SNIFF_BYTES]):
        declared.append(match.group(1).decode("ascii", "replace"))
    for encoding in [*declared, "utf-8"]:
        try:
            return data.decode(encoding)
        except (LookupError, UnicodeDecodeError):
            log.debug("page is not %s", encoding)
    from trafilatura.utils import decode_file  # detection, then a lossy fallback

    return decode_file(data)


def _hostname(url: str) -> str:
    host = urlsplit(url).hostname or ""
    return host.removeprefix("www.")


def _outlet(sitename: str, url: str, tree: Any, objects: list[dict], title: str) -> str:
    """The site's name: ``og:site_name`` (unless it names neither the host nor what the JSON-LD
    publisher naming the host does), JSON-LD ``publisher.name``, ``application-name``, the
    ``<title>``'s site part when it spells the host, the host's name as the page writes it in
    words, then the registrable domain (trafilatura's own pick, a Twitter handle when all else
    fails, is never used: "BarronsOnline", "Wday_")."""
    if tree is None:
        return page_outlet_name(sitename) or host_outlet(url)
    label = _name_key(site_label(url))
    publishers = _names(publisher_names(objects), label)
    site_names = _names(tree.xpath(_SITE_NAME), label)
    if site_names and not _names_host(site_names[0], label):
        # An og:site_name that is a section's ("U.S." on reuters.com) gives way to a publisher
        # naming the site; one naming another site (a wire service) does not.
        site_names = [p for p in publishers if _names_host(p, label)] + site_names
    if names := [*site_names, *publishers, *_names(tree.xpath(_OTHER_NAMES), label)]:
        return names[0]
    if name := _title_site_part(title, label):
        return name
    if name := spelled_host_name(url, "\n".join(tree.xpath(_PAGE_TEXT))):
        return name
    if name := host_outlet(url):
        log.info("the page names no outlet; using its domain %s", name)
    return name


def _names(candidates: list[str], label: str) -> list[str]:
    """The candidates that are outlet names; a lower-case one that is the host's label
    ("usatoday") is the host, not its name."""
    names = [page_outlet_name(c) for c in candidates]
    return [n for n in names if n and not (n.islower() and _name_key(n) == label)]


def _names_host(name: str, label: str) -> bool:
    """Whether ``name`` spells the host's label ("The Times of Israel" on timesofisrael.com,
    "Sky News" on sky.com)."""
    key = _name_key(name)
    return bool(label) and any(k.startswith(label) for k in (key, key.removeprefix("the")) if k)


def _title_site_part(title: str, label: str) -> str:
    """The first or last part of ``title`` after a separator when it is a name spelling the host
    ("Dare to Play 3 – Vortex Cannon Entertainment" on vortexcannon.org)."""
    for separator in _SEPARATORS:
        if separator not in title:
            continue
        parts = title.split(separator)
        for part in (parts[-1], parts[0]):
            if _names_host(part, label) and (name := page_outlet_name(part)):
                return name
    return ""


# A site name after (or before) the headline: "Headline | Site", "Headline - Site", "Site: Headline".
_SEPARATORS = (" | ", " - ", " – ", " — ", " :: ", " · ", " • ", " / ")


def _name_key(text: str) -> str:
    return re.sub(r"[\W_]+", "", text.casefold())


def _without_site(title: str, names: tuple[str, ...], headlines: tuple[str, ...] = ()) -> str:
    """``title`` without a leading or trailing site name (one of ``names``) after a separator, or
    cut to the part that is one of the page's own ``headlines`` ("Headline - Auto News")."""
    keys = {_name_key(n) for n in names if n}
    keys.discard("")
    own = {_name_key(h) for h in headlines if h} - {""}
    changed = True
    while changed:  # "Headline - Section | Site": only parts that are site names go
        changed = False
        for separator in _SEPARATORS:
            head, found, tail = title.rpartition(separator)
            if found and head.strip() and (_name_key(tail) in keys or _name_key(head) in own):
                title, changed = head.strip(), True
                break
            head, found, tail = title.partition(separator)
            if found and tail.strip() and (_name_key(head) in keys or _name_key(tail) in own):
                title, changed = tail.strip(), True
                break
    return title


def _title(title: str, names: tuple[str, ...], headlines: tuple[str, ...] = ()) -> str:
    title = " ".join((title or "").split())
    # A page with no headline of its own falls back on the site's name: not a title.
    if _name_key(title) in {_name_key(n) for n in names if n}:
        return ""
    return _without_site(title, names, headlines)


def _headline(found: str, tree: Any, page_title: str) -> str:
    """The extractor's title, unless it is a single word where the page's ``og:title`` or
    ``<title>`` has a headline: a JSON-LD ``headline`` can be a template's placeholder
    ("escenic"), and a one-word headline is a section label far more often than a story's."""
    if len(found.split()) >= _MIN_TITLE_WORDS or tree is None:
        return found
    for other in [*tree.xpath(_OG_TITLE), page_title]:
        if len(other.split()) >= _MIN_TITLE_WORDS:
            return other
    return found


def _page_headlines(tree: Any, objects: list[dict]) -> tuple[str, ...]:
    if tree is None:
        return ()
    found = [h if isinstance(h, str) else h.text_content() for h in tree.xpath(_HEADLINES)]
    return tuple(" ".join(h.split()) for h in [*found, *headlines(objects)] if h.strip())


def _published(tree: Any, objects: list[dict], found: str | None, address: str) -> dt.date | None:
    """The page's own date (JSON-LD, meta tags), else htmldate's, else its address's; plausible only.

    A timestamp one day off the address's date is a time in UTC near midnight: the site's own
    day, the one its address and its readers see, is the address's.
    """
    in_address = address_date(address)
    for day in [*published_dates(tree, objects), plausible_date(found)]:
        if day is not None:
            return in_address if in_address and abs((day - in_address).days) == 1 else day
    return in_address


def _canonical(tree: Any, fetched: str | None) -> str:
    """The page's own address from its markup: ``<link rel=canonical>``, else ``og:url``."""
    if tree is None:
        return ""
    for href in [*tree.xpath(_CANONICAL), *tree.xpath(_OG_URL)]:
        href = href.strip()
        if href.startswith("//"):
            href = "https:" + href
        elif fetched and urlsplit(href).scheme == "":
            href = urljoin(fetched, href)
        if urlsplit(href).scheme in ("http", "https") and urlsplit(href).hostname:
            return href
    return ""


def _link(url: str) -> str:
    """An http(s) address with the characters that break a markdown link percent-encoded."""
    url = url.strip()
    if urlsplit(url).scheme not in ("http", "https"):
        return ""
    return url.translate(_LINK_ESCAPES)


def is_home_page(url: str) -> bool:
    """Whether ``url`` is a site's home page (no path, no query): no article's own address."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.path in ("", "/") and not parts.query


def _article_address(found: str, fetched: str | None) -> str:
    """The page's own (canonical) address, unless it is a site's home page, which some sites give
    every page: then where the page came from, unless that is a home page too (then none), since
    two articles with one address would be taken for one. Either way without tracking."""
    for address in (found, fetched or ""):
        if address and not is_home_page(address):
            return _without_tracking(address)
    return ""


def _without_tracking(url: str) -> str:
    """``url`` without campaign parameters (``utm_source``, ``fbclid``...) and a ``#fragment`` (a
    ``#!`` or ``#/`` route names a page, and stays): one article, one address, whatever link led to it."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    query = "&".join(p for p in parts.query.split("&") if p and not _TRACKING.match(p.partition("=")[0]))
    fragment = parts.fragment if parts.fragment.startswith(("!", "/")) else ""
    return urlunsplit(parts._replace(query=query, fragment=fragment))


def _paragraphs(text: str, title: str) -> str:
    # trafilatura puts one block (paragraph, heading, list item) per line.
    lines = [" ".join(line.split()) for line in (text or "").splitlines()]
    lines = [line for line in lines if line]
    if lines and title and lines[0].casefold() == title.casefold():
        lines = lines[1:]  # the headline is the title, not the first paragraph
    return "\n\n".join(lines)


def _with_standfirst(body: str, tree: Any) -> str:
    """``body`` led by the page's standfirst when the extractor left it out: a block of the page
    whose whole text is the page's description (``og:description``), shown above the article (RT
    and others print their lead paragraph there)."""
    if tree is None or not body:
        return body
    descriptions = {_words(d) for d in tree.xpath(_DESCRIPTION) if len(d.split()) >= _STANDFIRST_MIN_WORDS}
    if not descriptions:
        return body
    for block in tree.xpath(_BLOCKS):
        text = " ".join(block.text_content().split())
        if _words(text) in descriptions:
            return body if _words(text) in _words(body) else f"{text}\n\n{body}"
    return body


def _words(text: str) -> str:
    return " ".join(text.split()).casefold()


def _own_text_chars(tree: Any) -> int:
    return len(" ".join(" ".join(tree.xpath(_OWN_TEXT)).split())) if tree is not None else 0


def extract_html(html: str, *, url: str | None = None) -> CleanResult:
    """Split an HTML page into title, outlet, date, author, canonical URL and plain-text body.

    ``url`` is where the page came from, if known. What cannot be found is left empty and
    named in ``problems`` (the same names the text cleaner uses).
    """
    import trafilatura  # imported here: it is slow to import and only ingest needs it

    doc = trafilatura.bare_extraction(
        html,
        url=url,
        with_metadata=True,
        include_comments=False,
        date_extraction_params=dict(_DATE_PARAMS),
    )
    if doc is None:
        doc_title = doc_site = doc_author = doc_url = doc_text = ""
        doc_date = None
    else:
        doc_title, doc_site, doc_author = doc.title or "", doc.sitename or "", doc.author or ""
        doc_url, doc_text, doc_date = doc.url or url or "", doc.text or "", doc.date
    from trafilatura.utils import load_html

    tree = load_html(html)
    objects = jsonld_objects(tree)
    if not doc_url or doc_url == url:  # trafilatura found no canonical link it could use
        doc_url = _canonical(tree, url) or doc_url
    page_title = " ".join(" ".join(tree.xpath("//head/title//text()")).split()) if tree is not None else ""
    source = _outlet(doc_site, doc_url, tree, objects, page_title)
    site_names = tuple(tree.xpath(f"{_SITE_NAME} | {_OTHER_NAMES}")) if tree is not None else ()
    names = (doc_site, source, *site_names, _hostname(doc_url), site_label(doc_url), host_outlet(doc_url))
    title = _title(_headline(doc_title, tree, page_title), names, _page_headlines(tree, objects))
    published = _published(tree, objects, doc_date, doc_url or url or "")
    cues = PageCues(link_texts(tree, doc_url or url or ""), author_names(doc_author, tree, objects), source)
    cleaned = clean_body(_with_standfirst(_paragraphs(doc_text, doc_title), tree), cues)
    body = cleaned.body
    problems = [
        problem
        for problem, missing in (
            (PROBLEM_NO_TITLE, not title),
            (PROBLEM_NO_DATE, published is None),
            (PROBLEM_NO_SOURCE, not source),
            (PROBLEM_NO_BODY, not body),
        )
        if missing
    ]
    log.debug("extracted %r from HTML: %d characters of text, problems %s", title, len(body), problems)
    return CleanResult(
        title=title,
        source=source,
        published=published,
        author=" ".join(doc_author.split()),
        url=_link(_article_address(doc_url, url)),
        body=body,
        problems=problems,
        removed=list(cleaned.removed),
        doubts=doubts(cleaned, _own_text_chars(tree)),
    )
