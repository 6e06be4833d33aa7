"""Articles -> passages: short runs of whole sentences, suited to quoting.

A passage is a paragraph of the article; a long paragraph is cut between sentences, and a
very short one (a subheading, a one-line quote) is joined to the paragraph after it so that
it does not win on length normalisation alone.
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

    @property
    def text(self) -> str:
        return " ".join(self.sentences)


MAX_PASSAGE_CHARS = 700
MIN_PASSAGE_CHARS = 80


def _chunk(sentences: list[str], max_chars: int) -> list[list[str]]:
    chunks: list[list[str]] = []
    current: list[str] = []
    size = 0
    for sentence in sentences:
        if current and size + 1 + len(sentence) > max_chars:
            chunks.append(current)
            current, size = [], 0
        current.append(sentence)
        size += len(sentence) + (1 if size else 0)
    if current:
        chunks.append(current)
    return chunks


def article_passages(
    article: Article, max_chars: int = MAX_PASSAGE_CHARS, min_chars: int = MIN_PASSAGE_CHARS
) -> list[Passage]:
    """Cut one article into passages, in reading order."""
    groups: list[list[str]] = []
    pending: list[str] = []  # short paragraphs waiting to join the next one
    for paragraph in article.paragraphs:
        sentences = pending + split_sentences(paragraph)
        if sum(len(s) for s in sentences) < min_chars:
            pending = sentences
            continue
        pending = []
        groups.extend(_chunk(sentences, max_chars))
    if pending:
        if groups and sum(len(s) for s in groups[-1]) + sum(len(s) for s in pending) <= max_chars:
            groups[-1].extend(pending)
        else:
            groups.append(pending)
    passages: list[Passage] = []
    first = 0
    for n, group in enumerate(groups, start=1):
        passages.append(
            Passage(id=f"{article.id}#{n}", article=article, number=n, sentences=tuple(group), first_sentence=first)
        )
        first += len(group)
    return passages


def corpus_passages(articles: list[Article]) -> list[Passage]:
    return [passage for article in articles for passage in article_passages(article)]
