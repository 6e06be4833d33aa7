"""An extracted body cleaned of what is not the article's text, and doubts about what is left.

Guarantees:

- a paragraph repeated in the body (four words or more, ignoring case and spacing) is kept
  once, where it first appears;
- lines that are never an article's text are dropped, by their form, never by site: a lone
  mark (``-``, ``___``), a bare timestamp (``2019-11-19T08:57:40+01:00``), a bare web or
  image address, a handle (``BusinessInsiderDe``, ``@skynews``), a stock-ticker row
  (``AAPL 265.76 +0.41%``), and short link-list, share and promo lines ("Related: ...",
  "Also on rt.com", "Like this story? Share it with a friend!", "Click here to subscribe");
- :func:`doubts` names why what is left still looks wrong, for ingest to say: blocks that were
  repeated, mostly lines that are not sentences, or far shorter than the page's own text.
  Nothing is refused for it: the article is written and the user told to check it.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

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


def clean_body(body: str) -> CleanBody:
    """``body`` (paragraphs separated by blank lines) without repeats and non-text lines."""
    seen: set[str] = set()
    kept: list[str] = []
    repeats = dropped = 0
    for paragraph in body.split("\n\n"):
        key = " ".join(paragraph.casefold().split())
        if len(key.split()) >= _MIN_REPEAT_WORDS and key in seen:
            repeats += 1
            continue
        if reason := _drop_reason(paragraph):
            log.debug("dropped a %s line: %r", reason, paragraph[:80])
            dropped += 1
            continue
        seen.add(key)
        kept.append(paragraph)
    return CleanBody("\n\n".join(kept), repeats, dropped)


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
