"""An extracted body cleaned of what is not the article's text, and doubts about what is left.

Guarantees:

- a paragraph repeated in the body (four words or more, ignoring case and spacing) is kept
  once, where it first appears;
- lines that are never an article's text are dropped, by their form, never by site: a lone
  mark (``-``, ``___``), a bare timestamp (``2019-11-19T08:57:40+01:00``), a bare web or
  image address, a handle (``BusinessInsiderDe``, ``@skynews``), a stock-ticker row
  (``AAPL 265.76 +0.41%``), and short link-list, share and promo lines ("Related: ...",
  "Also on rt.com", "Like this story? Share it with a friend!", "Click here to subscribe");
- lines made wholly of the page's links to other pages (:mod:`retrieval.ingest.link_lines`)
  are dropped where they are not the article's: above it (headlines of other stories), below
  it, two or more in a row (a link list), or after a label ("Related: ..."). A lone one
  inside the article (a subheading that is a link) stays, and a sentence with links in it is
  never a link line;
- the trailing run of link lines, the author's bio and contact lines is dropped
  (:mod:`retrieval.ingest.author_bio`), a last paragraph that merely names a person never;
- when these would drop every paragraph, they drop none (the page is kept to be checked);
- every dropped line is in ``removed`` as "reason: line";
- :func:`doubts` names why what is left still looks wrong, for ingest to say: blocks that were
  repeated, mostly lines that are not sentences, or far shorter than the page's own text.
  Nothing is refused for it: the article is written and the user told to check it.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from retrieval.ingest.author_bio import bio_reason, name_forms
from retrieval.ingest.link_lines import is_link_line, labelled

log = logging.getLogger(__name__)

_LONE_MARK = re.compile(r"^[\W_]{1,3}$")
_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$")
_ADDRESS = re.compile(r"^(?:https?://|www\.)\S+$", re.I)
_HANDLE = re.compile(r"^@\w+$|^[A-Z][a-z]+(?:[A-Z][a-z]*){2,}$")
_PROMO = re.compile(
    r"^(?:related(?: articles?| stories| coverage)?\s*:|read (?:more|also)\b|also read\b|also on [\w.]+|see also\b|"
    r"more from\b|recommended\b|click here\b|sign up\b|subscribe\b|follow us\b|share this\b|"
    r"like this story\b|advertisement$|you may also like\b)",
    re.I,
)
_PROMO_MAX_CHARS = 200  # a long paragraph starting "Subscribe..." may be text
_TICKER = re.compile(r"^(?:[A-Z]{1,5}(?:\.[A-Z]{1,2})?\s+[-+]?\d[\d,.]*(?:\s+[-+]?\d[\d,.]*%?)*\s*)+$")
_SENTENCE_END = (".", "!", "?", '"', "\u201d", "\u2019", "'", ")", ":", "\u2026")
_MIN_REPEAT_WORDS = 4
_MANY_REPEATS = 2  # blocks repeated: the page's layout fooled the extractor
_MOSTLY = 0.6  # share of the body's characters in lines that are not sentences
_FAR_SHORTER = 0.1  # share of the page's own text
_PAGE_MIN_CHARS = 3000  # below this, a short page is just short


@dataclass(frozen=True)
class CleanBody:
    body: str
    repeats: int  # paragraphs dropped as repeats
    dropped: int  # lines dropped by form
    removed: tuple[str, ...] = ()  # what was dropped, for review: "reason: line"


@dataclass(frozen=True)
class PageCues:
    """What the page says beyond its text: the texts of its links to other pages, its authors'
    names and its outlet (for link lines and the author's bio)."""

    links: frozenset[str] = frozenset()
    authors: tuple[str, ...] = ()
    outlet: str = ""


def _drop_reason(paragraph: str) -> str:
    for reason, pattern in (
        ("lone mark", _LONE_MARK),
        ("timestamp", _TIMESTAMP),
        ("address", _ADDRESS),
        ("handle", _HANDLE),
        ("ticker", _TICKER),
    ):
        if pattern.match(paragraph):
            return reason
    if len(paragraph) <= _PROMO_MAX_CHARS and _PROMO.match(paragraph):
        return "link or promo"
    return ""


def clean_body(body: str, cues: PageCues = PageCues()) -> CleanBody:
    """``body`` (paragraphs separated by blank lines) without repeats, non-text lines, link
    lines and the author's bio at the end."""
    seen: set[str] = set()
    kept: list[str] = []
    removed: list[str] = []
    repeats = 0
    for paragraph in body.split("\n\n"):
        key = " ".join(paragraph.casefold().split())
        if len(key.split()) >= _MIN_REPEAT_WORDS and key in seen:
            repeats += 1
            removed.append(f"repeated block: {paragraph}")
            continue
        if reason := _drop_reason(paragraph):
            removed.append(f"{reason}: {paragraph}")
            continue
        seen.add(key)
        kept.append(paragraph)
    dropped = _link_and_bio_lines(kept, cues)
    removed += [f"{dropped[i]}: {p}" for i, p in enumerate(kept) if i in dropped]
    kept = [p for i, p in enumerate(kept) if i not in dropped]
    for line in removed:
        log.debug("dropped %s", line[:100])
    return CleanBody("\n\n".join(kept), repeats, len(removed) - repeats, tuple(removed))


def _link_and_bio_lines(paragraphs: list[str], cues: PageCues) -> dict[int, str]:
    """The paragraphs that go as link lines or the author's bio: index -> reason."""
    links = [is_link_line(p, cues.links) for p in paragraphs]
    count = len(paragraphs)
    drop = {
        i: "link line"
        for i, p in enumerate(paragraphs)
        if links[i] and (labelled(p) or (i > 0 and links[i - 1]) or (i + 1 < count and links[i + 1]))
    }
    for i in range(count):  # above the article: headlines of other stories
        if not links[i]:
            break
        drop[i] = "link line"
    forms = name_forms(cues.authors)
    for i in range(count - 1, 0, -1):  # below it: link lists, the author's bio and contacts
        reason = "link line" if links[i] else bio_reason(paragraphs[i], forms, cues.outlet)
        if not reason:
            break
        drop[i] = reason
    return {} if len(drop) == count else drop


def doubts(cleaned: CleanBody, page_chars: int) -> list[str]:
    """Why the cleaned body still looks wrong, in a few words each (empty when it looks right)."""
    body = cleaned.body
    found = []
    if cleaned.repeats >= _MANY_REPEATS:
        found.append(f"{cleaned.repeats} repeated blocks dropped")
    not_sentences = sum(len(p) for p in body.split("\n\n") if not p.rstrip().endswith(_SENTENCE_END))
    if body and not_sentences > _MOSTLY * len(body):
        found.append("mostly lines that are not sentences")
    if page_chars >= _PAGE_MIN_CHARS and len(body) < _FAR_SHORTER * page_chars:
        found.append(f"{len(body) / page_chars:.0%} of the page's text")
    return found
