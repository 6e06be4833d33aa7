"""The analyzer: text -> index terms, used identically for passages and questions.

Steps: split into words (Unicode letters and digits; possessive "'s" dropped; dotted
acronyms such as "U.S." joined), lowercase, drop English stopwords, stem with Snowball
(PyStemmer). Acronyms written in capitals ("US", "IS", "UN") are kept even when their
lowercase form is a stopword, because in news text they name things.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

import Stemmer

log = logging.getLogger(__name__)

# A word: a dotted acronym ("U.S.", "U.N."), or a run of letters/digits with inner
# apostrophes or hyphens-free joins. Hyphenated words are split ("al-Abadi" -> al, abadi).
_WORD_RE = re.compile(r"(?:[^\W\d_]\.){2,}|[^\W_]+(?:['’][^\W_]+)*", re.UNICODE)
_POSSESSIVE_RE = re.compile(r"['’]s$", re.IGNORECASE)
# Markup that is never part of what a text is about: links, and <...> tokens such as
# chat mentions (<@123>) or autolinks (<https://...>). Replaced by spaces so spans stay put.
_MARKUP_RE = re.compile(r"https?://\S+|<[^<>\s]{1,100}>")

# English stopwords (a compact version of the usual Lucene/NLTK lists), plus question
# words that say nothing about the topic ("what", "which", "when", ...).
STOPWORDS: frozenset[str] = frozenset(
    """
    a about above after again against all also am an and any are aren't as at be because
    been before being below between both but by can cannot could couldn't did didn't do
    does doesn't doing don't down during each else ever few for from further had hadn't
    has hasn't have haven't having he he'd he'll he's her here here's hers herself him
    himself his how how's however i i'd i'll i'm i've if in into is isn't it it's its
    itself just let's like may me might more most must mustn't my myself no nor not now
    of off on once only or other ought our ours ourselves out over own same shall shan't
    she she'd she'll she's should shouldn't so some such than that that's the their
    theirs them themselves then there there's these they they'd they'll they're they've
    this those through to too under until up upon us very was wasn't we we'd we'll we're
    we've were weren't what what's when when's where where's whether which while who
    who's whom whose why why's will with won't would wouldn't yet you you'd you'll you're
    you've your yours yourself yourselves
    tell know say said says get got please anyone anything something many much everyone
    """.split()
)


def split_words(text: str) -> list[str]:
    """The raw words the analyzer looks at in ``text``, in order (markup left out).

    No word or markup spans whitespace, so the words of a text are those of its
    whitespace-separated chunks in turn (the index's batch analysis relies on this).
    """
    return _WORD_RE.findall(_MARKUP_RE.sub(" ", text))


@dataclass(frozen=True)
class Token:
    """A word found in the text, with where it is and the term it indexes as."""

    term: str
    start: int
    end: int


@dataclass
class Analyzer:
    """Turns text into BM25 terms. Settings are part of a saved index's identity."""

    language: str = "english"
    stopwords: frozenset[str] = field(default=STOPWORDS)
    keep_acronyms: bool = True

    def __post_init__(self) -> None:
        self._stemmer = Stemmer.Stemmer(self.language)
        # Stemming dominates analysis time; words repeat, so memoise per analyzer.
        self._stem_cache: dict[str, str] = {}

    @property
    def settings(self) -> dict[str, object]:
        return {
            "language": self.language,
            "keep_acronyms": self.keep_acronyms,
            "stopwords": sorted(self.stopwords),
        }

    def _stem(self, word: str) -> str:
        stem = self._stem_cache.get(word)
        if stem is None:
            stem = self._stemmer.stemWord(word)
            self._stem_cache[word] = stem
        return stem

    def tokens(self, text: str) -> Iterator[Token]:
        """Yield the index terms of ``text`` with their character spans."""
        # A question typed in capitals should not turn every word into an "acronym".
        shouting = text.isupper()
        text = _MARKUP_RE.sub(lambda m: " " * len(m.group()), text)
        for match in _WORD_RE.finditer(text):
            raw = match.group()
            if "." in raw:  # dotted acronym: "U.S." -> "us"
                word = raw.replace(".", "")
                acronym = True
            else:
                word = _POSSESSIVE_RE.sub("", raw)
                acronym = not shouting and len(word) >= 2 and word.isupper() and word.isalpha()
            lowered = word.lower().replace("’", "'")
            if lowered in self.stopwords and not (self.keep_acronyms and acronym):
                continue
            lowered = lowered.replace("'", "")
            if not lowered:
                continue
            yield Token(self._stem(lowered), match.start(), match.end())

    def __call__(self, text: str) -> list[str]:
        return [token.term for token in self.tokens(text)]


_default: Analyzer | None = None


def default_analyzer() -> Analyzer:
    """The project's analyzer, shared (it is stateless apart from its stem cache)."""
    global _default
    if _default is None:
        _default = Analyzer()
    return _default
