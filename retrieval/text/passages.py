"""Articles -> passages: short runs of whole sentences, suited to quoting.

A passage is a paragraph of the article; a long paragraph is cut between sentences, and a
very short one (a subheading, a one-line quote) is joined to the paragraph after it so that
it does not win on length normalisation alone.

No passage is longer than its limit, whatever the page holds: a sentence longer than the
limit (a page of one endless sentence, a run of text without any full stop) is cut into
pieces at clause punctuation, else between words, else anywhere (:func:`cut_long_sentence`).
Everything after this step (term analysis, meaning vectors, excerpts) then works on bounded
pieces, so one page cannot make the archive's memory grow with its length.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from retrieval.corpus import Article

log = logging.getLogger(__name__)

# Words that end with a period without ending a sentence (news style: titles, ranks,
# months, initials). Compared lowercase, without the final period.
ABBREVIATIONS: frozenset[str] = frozenset(
    """
    mr mrs ms dr prof sr jr st mt ft gen lt col maj capt sgt cpl adm cmdr brig gov sen rep
    pres supt insp det rev hon amb fr messrs mme
    jan feb mar apr jun jul aug sep sept oct nov dec
    inc corp co ltd plc bros dept est approx vs etc no nos vol fig al
    u.s u.k u.n e.u u.s.a e.g i.e a.m p.m
    """.split()
)

_SENTENCE_END_RE = re.compile(r"[.!?…]+[\"'”’)\]]*(?=\s+)")
_WORD_BEFORE_RE = re.compile(r"([\w.]+)[.!?…]+[\"'”’)\]]*$", re.UNICODE)
_NEXT_START_RE = re.compile(r"\s+([\"'“‘(\[]*)(\S)")


def split_sentences(text: str) -> list[str]:
    """Split a paragraph into sentences, keeping abbreviations and quotes intact."""
    text = " ".join(text.split())
    sentences: list[str] = []
    start = 0
    for match in _SENTENCE_END_RE.finditer(text):
        end = match.end()
        punct = match.group()
        following = _NEXT_START_RE.match(text, end)
        if following is None:
            continue
        next_char = following.group(2)
        # A sentence starts with a capital, a digit or an opening quote; "...then the" does not.
        if not (next_char.isupper() or next_char.isdigit()):
            continue
        if punct.startswith("."):
            before = _WORD_BEFORE_RE.search(text, max(start, end - 40), end)
            word = before.group(1).lower().rstrip(".") if before else ""
            if word in ABBREVIATIONS or (len(word) == 1 and word.isalpha()):
                continue
        sentence = text[start:end].strip()
        if sentence:
            sentences.append(sentence)
        start = end
    rest = text[start:].strip()
    if rest:
        sentences.append(rest)
    return sentences


# What ends a sentence, before any closing quotes or brackets; a colon or semicolon leads on.
_FINAL_PUNCTUATION = ".!?…:;"
_CLOSING = "\"'”’»)]"


def is_heading(sentence: str) -> bool:
    """Whether a unit is a heading, standfirst or caption: text without final punctuation.

    Such a unit is its own paragraph in the corpus, and stays its own unit: joined to the
    next sentence it would read as one run-on sentence.
    """
    end = sentence.rstrip().rstrip(_CLOSING)
    return not end or end[-1] not in _FINAL_PUNCTUATION


# A subheading asked or exclaimed ("A new alliance?", "What next?") has at most this many
# words: news subheadings run two to five, while a question or exclamation of seven or more
# words standing alone is more often a line of body text (a rhetorical question) that reads
# on into the next sentence.
SUBHEADING_MAX_WORDS = 6
# Double quotation marks anywhere, or a single one opening the text: a quotation. (A single
# mark elsewhere is mostly an apostrophe: "What's next?" is a subheading.)
_QUOTE_CHARACTERS = "\"“”«»„"
_SINGLE_OPENING = "'‘‚"


def is_subheading(paragraph: list[str]) -> bool:
    """Whether a paragraph (its sentences) is a subheading that ends in "?" or "!".

    Only a paragraph of one short sentence, and not a quotation: a short question inside a
    body paragraph ("The tagline? ...") reads on into its neighbours and is no heading.
    """
    if len(paragraph) != 1:
        return False
    sentence = paragraph[0]
    end = sentence.rstrip().rstrip(_CLOSING)
    if not end or end[-1] not in "?!" or _quoted(sentence):
        return False
    return len(sentence.split()) <= SUBHEADING_MAX_WORDS


def _quoted(sentence: str) -> bool:
    return sentence.lstrip().startswith(tuple(_SINGLE_OPENING)) or any(q in sentence for q in _QUOTE_CHARACTERS)


def heading_flags(paragraph: list[str]) -> list[bool]:
    """Which sentences of a paragraph are headings, standfirsts or captions (own units)."""
    if is_subheading(paragraph):
        return [True]
    return [is_heading(s) for s in paragraph]


@dataclass(frozen=True)
class Passage:
    """A quotable piece of an article; ``id`` is ``<article id>#<number>``."""

    id: str
    article: Article
    number: int
    sentences: tuple[str, ...]
    # Index of the passage's first sentence among all sentences of its article, so an
    # excerpt can borrow context from the neighbouring passages.
    first_sentence: int = 0
    # Per sentence: whether it is a heading (its own unit). Decided from the paragraph it
    # came from, which the sentences alone do not show; empty when not known (then each
    # sentence is judged by :func:`is_heading` alone).
    headings: tuple[bool, ...] = ()

    @property
    def heading_flags(self) -> tuple[bool, ...]:
        """Whether each sentence is a heading (see ``headings``)."""
        if len(self.headings) == len(self.sentences):
            return self.headings
        return tuple(map(is_heading, self.sentences))

    @property
    def text(self) -> str:
        return " ".join(self.sentences)


MAX_PASSAGE_CHARS = 700
MIN_PASSAGE_CHARS = 80
# The most passages of one article the reader reads for meaning (its first ones): every news
# article seen so far is far shorter (the longest of the 30 extraction-dev pages has 52
# passages), while a page of several megabytes has thousands, which would take the reader
# tens of minutes of a core. The passages after them are indexed and found by their words.
MAX_READ_PASSAGES = 300


# Where a sentence too long for a passage is cut, best first: after clause punctuation
# (comma, closing bracket, dash) followed by a space; then at a space. Not after a colon or
# semicolon: a body unit ending in one reads as whole (see :func:`runs_on`).
_CLAUSE_BREAK_RE = re.compile(r"[,)\]—–](?=\s)|\s[—–-](?=\s)")


def runs_on(sentence: str, heading: bool) -> bool:
    """Whether a unit is a piece of a cut sentence that the next unit continues.

    A body unit (not a heading) without final punctuation is one: a whole sentence of body
    text ends in punctuation, and one without it is flagged a heading (:func:`heading_flags`).
    """
    return not heading and is_heading(sentence)


def cut_long_sentence(sentence: str, max_chars: int = MAX_PASSAGE_CHARS) -> list[str]:
    """``sentence`` as pieces of at most ``max_chars`` characters, in order, nothing lost but spaces.

    A piece ends at the last clause punctuation in the second half of the room it has, else
    at the last space, else (one word longer than the limit) at the limit itself. Every
    piece but the last ends without final punctuation (so :func:`runs_on` knows it for a
    piece). Work is linear in the sentence's length.
    """
    if max_chars < 1:
        raise ValueError(f"max_chars must be at least 1, not {max_chars}")
    sentence = sentence.strip()
    if len(sentence) <= max_chars:
        return [sentence] if sentence else []
    pieces: list[str] = []
    start, end = 0, len(sentence)
    while end - start > max_chars:
        cut = _cut(sentence, start, start + max_chars, start + max_chars // 2)
        piece = sentence[start:cut].strip()
        if piece:
            pieces.append(piece)
        start = cut
        while start < end and sentence[start].isspace():
            start += 1
    if start < end:
        pieces.append(sentence[start:end])
    return pieces


def _open_at(text: str, start: int, cut: int) -> bool:
    """Whether ``text[start:cut]`` ends without final punctuation (before closing marks),
    so that :func:`runs_on` tells it for a piece; looks at its last characters only."""
    i = cut - 1
    while i >= start and (text[i].isspace() or text[i] in _CLOSING):
        i -= 1
    return i >= start and text[i] not in _FINAL_PUNCTUATION


def _cut(text: str, start: int, limit: int, half: int) -> int:
    """Where the piece of ``text`` from ``start`` ends (at most ``limit``): after the last
    clause punctuation from ``half`` on, else at the last space, else at the last character
    that leaves the piece open (:func:`_open_at`)."""
    clauses = [match.end() for match in _CLAUSE_BREAK_RE.finditer(text, half, limit)]
    for cut in reversed(clauses):
        if _open_at(text, start, cut):
            return cut
    cut = limit + 1
    while (cut := text.rfind(" ", start + 1, cut)) > start:
        if _open_at(text, start, cut):
            return cut
    for cut in range(limit, start, -1):
        if _open_at(text, start, cut):
            return cut
    return limit  # punctuation only: cut anywhere


def _bounded(units: list[tuple[str, bool]], max_chars: int) -> list[tuple[str, bool]]:
    """``units`` with every sentence longer than ``max_chars`` cut (its pieces keep its heading flag)."""
    if all(len(sentence) <= max_chars for sentence, _ in units):
        return units
    return [(piece, heading) for sentence, heading in units for piece in cut_long_sentence(sentence, max_chars)]


def _chunk(sentences: list[tuple[str, bool]], max_chars: int) -> list[list[tuple[str, bool]]]:
    chunks: list[list[tuple[str, bool]]] = []
    current: list[tuple[str, bool]] = []
    size = 0
    for unit in sentences:
        sentence = unit[0]
        if current and size + 1 + len(sentence) > max_chars:
            chunks.append(current)
            current, size = [], 0
        current.append(unit)
        size += len(sentence) + (1 if size else 0)
    if current:
        chunks.append(current)
    return chunks


def _chars(units: list[tuple[str, bool]]) -> int:
    return sum(len(sentence) for sentence, _ in units)


def _joined_chars(units: list[tuple[str, bool]]) -> int:
    """The length of the passage text these units make (sentences joined by one space)."""
    return _chars(units) + max(len(units) - 1, 0)


def article_passages(
    article: Article, max_chars: int = MAX_PASSAGE_CHARS, min_chars: int = MIN_PASSAGE_CHARS
) -> list[Passage]:
    """Cut one article into passages, in reading order.

    Each sentence's heading flag is decided here, once, from its paragraph (:func:`heading_flags`).
    """
    groups: list[list[tuple[str, bool]]] = []
    pending: list[tuple[str, bool]] = []  # short paragraphs waiting to join the next one
    for paragraph in article.paragraphs:
        split = split_sentences(paragraph)
        units = pending + _bounded(list(zip(split, heading_flags(split))), max_chars)
        if _chars(units) < min_chars:
            pending = units
            continue
        pending = []
        groups.extend(_chunk(units, max_chars))
    if pending:
        if groups and _joined_chars(groups[-1] + pending) <= max_chars:
            groups[-1].extend(pending)
        else:
            groups.append(pending)
    passages: list[Passage] = []
    first = 0
    for n, group in enumerate(groups, start=1):
        sentences, headings = (tuple(column) for column in zip(*group))
        passages.append(
            Passage(
                id=f"{article.id}#{n}",
                article=article,
                number=n,
                sentences=sentences,
                first_sentence=first,
                headings=headings,
            )
        )
        first += len(group)
    return passages


def corpus_passages(articles: list[Article]) -> list[Passage]:
    return [passage for article in articles for passage in article_passages(article)]
