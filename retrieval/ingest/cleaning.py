"""Turn a raw news page (text copied from a site, with its boilerplate) into article parts.

Raw pages put one paragraph per line; blank lines separate blocks, and lines that belong
together on the page (a caption and its credit, an author and a dateline) often sit in the
same block with no blank line between them. The cleaner works line by line:

1. drop boilerplate lines (navigation, image credits and captions, newsletter/comment
   prompts, publisher blurbs, agency sign-offs) using generic patterns, not per-site rules
   (:mod:`retrieval.ingest.cleaning_patterns`);
2. find the dateline (a line that is only a date) and the author line just before it;
3. the first remaining line is the title; everything after it is the body, so the
   standfirst becomes the first body paragraph.

The outlet is recognised from cues in the dropped boilerplate (and a URL line, if any),
never from the article text, which may quote other outlets.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field

from retrieval.ingest.cleaning_patterns import OUTLET_CUES, URL_LINE, single_line_reason
from retrieval.ingest.outlet_names import outlet_name

log = logging.getLogger(__name__)

MAX_ID_LENGTH = 60
_MIN_TITLE_WORDS = 2  # one-word lines above the title are section labels ("Politics")

PROBLEM_NO_TITLE = "no title found"
PROBLEM_NO_DATE = "no publication date found"
PROBLEM_NO_SOURCE = "no outlet found"
PROBLEM_NO_BODY = "no article text found"


@dataclass
class CleanResult:
    """What the cleaner found in a raw page; ``problems`` names what it could not find."""

    title: str
    source: str
    published: dt.date | None
    author: str
    url: str
    body: str
    problems: list[str] = field(default_factory=list)
    # Dropped lines, for review: "reason: line".
    removed: list[str] = field(default_factory=list)
    # Why the extracted body looks wrong ("mostly lines that are not sentences"): ingest says so.
    doubts: list[str] = field(default_factory=list)

    @property
    def paragraphs(self) -> list[str]:
        return [p for p in self.body.split("\n\n") if p]


# --- dates -------------------------------------------------------------------------------

_MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
    "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}
_MONTH = (
    r"(?P<month>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>(?:19|20)\d{2})"
_DATE_FORMS = [
    re.compile(rf"^{_MONTH}\s+{_DAY},?\s+{_YEAR}$", re.I),  # October 21, 2014 / Oct. 21, 2014
    re.compile(rf"^{_DAY}\s+(?:of\s+)?{_MONTH},?\s+{_YEAR}$", re.I),  # 21 October 2014
    re.compile(r"^(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})(?:[T ][\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?$"),
    re.compile(r"^(?P<year>\d{4})/(?P<month>\d{2})/(?P<day>\d{2})$"),
    re.compile(r"^(?P<day>\d{1,2})\.(?P<month>\d{1,2})\.(?P<year>\d{4})$"),  # 21.10.2014 (day first)
]
_DATE_PREFIX = re.compile(
    r"^(?:(?:last\s+|first\s+)?(?:updated|published|posted|modified)|date(?:d)?)\s*(?:on\b|at\b|:)?\s*", re.I
)
_WEEKDAY = re.compile(r"^(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(?:day|nesday|sday|urday)?\.?,?\s+", re.I)
_TIME_SUFFIX = re.compile(
    r"(?:\s*[,|\-–—]\s*|\s+)(?:at\s+)?\d{1,2}[:.]\d{2}(?::\d{2})?\s*(?:[ap]\.?m\.?)?"
    r"(?:\s*\(?(?:[A-Z]{2,5}(?:\s*[+-]\s*\d{1,2}(?::?\d{2})?)?)\)?)?$",
    re.I,
)


def parse_dateline(line: str) -> dt.date | None:
    """The date of a line that is only a date (optionally with weekday, time, "Updated"...).

    Returns None for anything else, including sentences that merely mention a date.
    """
    text = " ".join(line.split()).strip(" .")
    if not text or len(text) > 80:
        return None
    text = _DATE_PREFIX.sub("", text)
    text = _WEEKDAY.sub("", text)
    text = _TIME_SUFFIX.sub("", text).strip(" ,.")
    for form in _DATE_FORMS:
        match = form.match(text)
        if not match:
            continue
        month_text = match["month"]
        month = int(month_text) if month_text.isdigit() else _MONTHS[month_text[:3].lower()]
        try:
            return dt.date(int(match["year"]), month, int(match["day"]))
        except ValueError:
            return None  # looks like a date but is not one (e.g. February 30)
    return None


def _is_published_line(line: str) -> bool:
    return bool(re.match(r"^(?:first\s+)?(?:published|posted)\b", line.strip(), re.I))


_SENTENCE_END = (".", ",", ";", ":")
_NAME_PARTICLES = {"al", "el", "bin", "ibn", "de", "del", "der", "di", "da", "du", "la", "le", "van", "von", "and"}


def _words(text: str) -> list[str]:
    return text.split()


def _looks_like_heading(text: str) -> bool:
    return 0 < len(_words(text)) <= 12 and text[0].isupper() and not text.endswith(_SENTENCE_END)


def _looks_like_name(text: str) -> bool:
    """A short byline such as "Jack Simpson", "By Jane Doe and Ali al-Hassan"."""
    text = re.sub(r"^by\s+", "", text, flags=re.I)
    words = re.split(r"\s+|\s*&\s*", text)
    if not 2 <= len(words) <= 7 or re.search(r"[\d:;!?\"“”]", text) or text.endswith("."):
        return False
    for word in words:
        if word.lower() in _NAME_PARTICLES or re.match(r"^(?:al|el)-\w", word, re.I):
            continue
        if not (word[0].isupper() and re.fullmatch(r"[\w.'’-]+", word)):
            return False
    return True


@dataclass
class _Line:
    text: str
    block: int  # lines in the same block have no blank line between them
    kind: str = "text"  # text | removed | dateline | url | title | author
    reason: str = ""


def _split_lines(text: str) -> list[_Line]:
    text = unicodedata.normalize("NFC", text.lstrip("\ufeff"))
    text = re.sub(r"[\u200b\u200c\u200d\u2060\ufeff]", "", text)  # invisible joiners from web copy
    lines: list[_Line] = []
    block = 0
    for raw in text.splitlines():
        cleaned = " ".join(raw.split())  # also turns no-break spaces into plain spaces
        if not cleaned:
            block += 1
            continue
        lines.append(_Line(cleaned, block))
    return lines


def _remove(line: _Line, reason: str) -> None:
    line.kind = "removed"
    line.reason = reason


def _mark_boilerplate(lines: list[_Line]) -> None:
    for line in lines:
        reason = single_line_reason(line.text)
        if reason:
            _remove(line, reason)
        elif URL_LINE.match(line.text):
            line.kind = "url"
        elif parse_dateline(line.text) is not None:
            line.kind = "dateline"  # marked first so that caption/teaser rules never take it

    for prev, line in zip(lines, lines[1:]):
        adjacent = prev.block == line.block
        # The caption sits directly above its credit ("Haider al-Abadi ...\nImage: AP").
        if line.reason == "image credit" and adjacent and prev.kind == "text":
            _remove(prev, "image caption")
        # A caption repeated twice in a row; a long repeated paragraph keeps one copy.
        if adjacent and line.kind == "text" and prev.text == line.text:
            if len(_words(line.text)) <= 30:
                _remove(prev, "repeated caption")
                _remove(line, "repeated caption")
            else:
                _remove(line, "repeated paragraph")

    # A short heading right after an image credit and before more text is a teaser for
    # another article ("Refugees flee battle for Anbar"), not a subheading of this one.
    for i in range(1, len(lines) - 1):
        line, prev, nxt = lines[i], lines[i - 1], lines[i + 1]
        if (
            line.kind == "text"
            and prev.reason == "image credit"
            and line.block != prev.block
            and nxt.kind == "text"
            and _looks_like_heading(line.text)
        ):
            _remove(line, "teaser after image")


def _detect_source(lines: list[_Line]) -> str:
    found: list[str] = []
    for line in lines:
        if line.kind in ("removed", "url"):
            found.extend(outlet for cue, outlet in OUTLET_CUES if cue.search(line.text))
    if not found:
        return ""
    counts = Counter(found)
    best = max(counts.values())
    return next(outlet for outlet in found if counts[outlet] == best)  # ties: the earliest cue


def _mark_title(lines: list[_Line]) -> int | None:
    """Mark the title line and drop the lines above it; its position, or None (no text)."""
    # The title is the first line of a few words; shorter lines above it are page chrome
    # ("Live", "News"), not part of the article.
    texts = [i for i, line in enumerate(lines) if line.kind == "text"]
    title_index = next((i for i in texts if len(_words(lines[i].text)) >= _MIN_TITLE_WORDS), None)
    if title_index is None and texts:
        title_index = texts[0]
    if title_index is not None:
        for i in texts:
            if i >= title_index:
                break
            _remove(lines[i], "before title")
        lines[title_index].kind = "title"
    return title_index


def clean_raw_article(text: str, *, source_hint: str | None = None) -> CleanResult:
    """Split a raw news page into title, outlet, date, author, URL and cleaned body.

    ``source_hint`` names the outlet when the caller knows it; it wins over detection (a web
    address is not a name: then the outlet is detected).
    Nothing is guessed: what cannot be found is left empty and named in ``problems``.
    """
    lines = _split_lines(text)
    _mark_boilerplate(lines)

    datelines = [(i, parse_dateline(line.text)) for i, line in enumerate(lines) if line.kind == "dateline"]
    # Prefer an explicit "Published" date over an "Updated" one; otherwise the first.
    chosen = next(((i, d) for i, d in datelines if _is_published_line(lines[i].text)), None)
    chosen = chosen or (datelines[0] if datelines else None)
    first_dateline, published = chosen if chosen else (None, None)

    title_index = _mark_title(lines)

    author = ""
    if first_dateline:  # the byline sits on the line just above the dateline
        candidate = lines[first_dateline - 1]
        if candidate.kind == "text" and _looks_like_name(candidate.text):
            candidate.kind = "author"
            author = re.sub(r"^by\s+", "", candidate.text, flags=re.I)

    url_match = next((URL_LINE.match(line.text) for line in lines if line.kind == "url"), None)
    url = url_match["url"] if url_match else ""

    source = outlet_name(source_hint) or _detect_source(lines)
    title = lines[title_index].text if title_index is not None else ""
    body = "\n\n".join(line.text for line in lines if line.kind == "text")

    problems: list[str] = []
    if not title:
        problems.append(PROBLEM_NO_TITLE)
    if published is None:
        problems.append(PROBLEM_NO_DATE)
    if not source:
        problems.append(PROBLEM_NO_SOURCE)
    if not body:
        problems.append(PROBLEM_NO_BODY)

    removed = [f"{line.reason}: {line.text}" for line in lines if line.kind == "removed"]
    log.debug("cleaned %r: kept %d lines, dropped %d", title, sum(line.kind == "text" for line in lines), len(removed))
    return CleanResult(
        title=title,
        source=source,
        published=published,
        author=author,
        url=url,
        body=body,
        problems=problems,
        removed=removed,
    )


# --- ids -----------------------------------------------------------------------------------


_TRAILING_STOPWORDS = {"a", "an", "and", "as", "at", "by", "for", "from", "in", "of", "on", "or", "the", "to", "with"}


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    ascii_text = re.sub(r"['’`]", "", ascii_text)  # "Rouhani's" -> "rouhanis", not "rouhani-s"
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")


_HASH_LENGTH = 8


def short_hash(text: str) -> str:
    """Eight hex digits of a text's digest (after case and space folding), for ids."""
    folded = " ".join(unicodedata.normalize("NFC", text).casefold().split())
    return hashlib.sha256(folded.encode("utf-8")).hexdigest()[:_HASH_LENGTH]


def with_hash(article_id: str, key: str, *, max_length: int = MAX_ID_LENGTH) -> str:
    """``article_id`` made distinct by a short hash of ``key``, still within ``max_length``."""
    room = max_length - _HASH_LENGTH - 1
    return f"{article_id[:room].rstrip('-')}-{short_hash(key)}"


def _loses_letters(text: str) -> bool:
    # Letters with no ASCII form (Arabic, Cyrillic, CJK...) vanish from a slug.
    return any(c.isalpha() and not _slug(c) for c in text)


def make_article_id(source: str, published: dt.date | None, title: str, *, max_length: int = MAX_ID_LENGTH) -> str:
    """A stable file-name id: ``<outlet>-<YYYY-MM-DD>-<title words>``, cut at a word boundary.

    Ids are ASCII in every script: when the outlet or title has letters with no ASCII form,
    a short hash of both ends the id, so two such titles from one outlet and day differ.

    >>> make_article_id("DW", dt.date(2014, 10, 21), "Iran pledges to help Iraq against 'IS' militants")
    'dw-2014-10-21-iran-pledges-to-help-iraq-against-is-militants'
    """
    if _loses_letters(source) or _loses_letters(title):
        readable = _readable_id(source, published, title, max_length=max_length - _HASH_LENGTH - 1)
        return with_hash(readable, f"{source}\n{title}", max_length=max_length)
    return _readable_id(source, published, title, max_length=max_length)


def _readable_id(source: str, published: dt.date | None, title: str, *, max_length: int) -> str:
    outlet = re.sub(r"^the-", "", _slug(source)) or "unknown"
    prefix = f"{outlet}-{published.isoformat() if published else 'undated'}"
    words = _slug(title).split("-") if _slug(title) else []
    article_id = prefix
    for word in words:
        if len(article_id) + 1 + len(word) > max_length:
            break
        article_id += f"-{word}"
    kept = article_id.count("-") - prefix.count("-")
    if 0 < kept < len(words):
        # Cut short: do not end on a dangling "to" or "in" ("...-support-to").
        while kept > 1 and words[kept - 1] in _TRAILING_STOPWORDS:
            kept -= 1
        article_id = "-".join([prefix, *words[:kept]])
    elif kept == 0 and words:
        # A first word longer than the limit: better a cut word than no title at all.
        article_id = f"{prefix}-{words[0]}"[:max_length].rstrip("-")
    return article_id
