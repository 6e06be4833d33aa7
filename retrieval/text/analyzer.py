"""The analyzer: text -> index terms, used identically for passages and questions.

Steps: split into words (Unicode letters and digits; possessive "'s" dropped; dotted
acronyms such as "U.S." joined), normalise each (NFKC, format characters such as
zero-width spaces removed: see :mod:`retrieval.text.normalize`), lowercase, drop English
stopwords, stem with Snowball (PyStemmer). Acronyms written in capitals ("US", "IS",
"UN") are kept even when their lowercase form is a stopword, because in news text they
name things.

:func:`analyze_all` and :class:`FastAnalysis` give exactly the analyzer's terms for many
texts at once, analysing each distinct word once (indexing uses them).
"""

from __future__ import annotations

import logging
import re
from array import array
from collections.abc import Container, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import chain

import numpy as np
import Stemmer

from retrieval.text.aliases import Aliases, bundled_aliases, group_settings
from retrieval.text.lemmas import irregular_lemma, lemmatizer_id
from retrieval.store.arrays import packed_term_ids
from retrieval.text.normalize import JOINERS, normalize_word

log = logging.getLogger(__name__)

# A word: a dotted acronym ("U.S.", "U.N."), or a run of letters/digits with inner
# apostrophes or hyphens-free joins. Hyphenated words are split ("al-Abadi" -> al, abadi).
# Zero-width and other format characters, and combining marks, stay inside the word
# (normalisation removes or composes them), so they never split or hide a word.
_WORD_RE = re.compile(rf"(?:[^\W\d_]\.){{2,}}|[^\W_]+(?:['’][^\W_]+|[{JOINERS}]+[^\W_]*)*", re.UNICODE)
_POSSESSIVE_RE = re.compile(r"['’]s$", re.IGNORECASE)
# Markup that is never part of what a text is about: links, and <...> tokens such as
# chat mentions (<@123>) or autolinks (<https://...>). Replaced by spaces so spans stay put.
_MARKUP_RE = re.compile(r"https?://\S+|<[^<>\s]{1,100}>")
# Distinct words whose terms :meth:`Analyzer.term_matches` remembers before starting afresh.
_WORD_CACHE_SIZE = 200_000

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
    """Turns text into BM25 terms. Settings are part of a saved index's identity.

    ``aliases`` map every one-word name of a group to the group's term (see
    :mod:`retrieval.text.aliases`); ``lemmas`` maps irregular forms to their lemma before
    stemming (see :mod:`retrieval.text.lemmas`).
    """

    language: str = "english"
    stopwords: frozenset[str] = field(default=STOPWORDS)
    keep_acronyms: bool = True
    aliases: Aliases = field(default_factory=bundled_aliases)
    lemmas: bool = True

    def __post_init__(self) -> None:
        self._stemmer = Stemmer.Stemmer(self.language)
        # Stemming dominates analysis time; words repeat, so memoise per analyzer:
        # (lowercase word, is an acronym) -> term.
        self._term_cache: dict[tuple[str, bool], str] = {}
        # The aliases are compiled with this analyzer's own terms, before any alias applies.
        self._alias_words: dict[str, str] = {}
        self.compiled_aliases = self.aliases.compile(self._name_terms)
        self._alias_words = self.compiled_aliases.words
        self._term_cache.clear()
        # (raw word, shouting) -> term or None, for :meth:`term_matches` (bounded: cleared when full).
        self._word_cache: dict[tuple[str, bool], str | None] = {}

    @property
    def settings(self) -> dict[str, object]:
        return {
            "language": self.language,
            "keep_acronyms": self.keep_acronyms,
            "stopwords": sorted(self.stopwords),
            "aliases": group_settings(self.aliases),
            "lemmas": lemmatizer_id() if self.lemmas else None,
        }

    def _term(self, lowered: str, acronym: bool) -> str:
        key = (lowered, acronym)
        term = self._term_cache.get(key)
        if term is None:
            lemma = None if acronym or not self.lemmas else irregular_lemma(lowered)
            term = self._stemmer.stemWord(lowered)
            if lemma is not None:
                term = self._stemmer.stemWord(lemma)
            term = self._alias_words.get(term, term)
            self._term_cache[key] = term
        return term

    def word_term(self, raw: str, shouting: bool = False) -> str | None:
        """The term of one word as the word pattern finds it (None: a stopword).

        ``shouting``: the word is in a text written all in capitals, where capitals do
        not make an acronym.
        """
        if raw.isalpha() and raw.isascii():
            # Most words: nothing to normalise, no dots or apostrophes; the steps below
            # would give the same, with more work.
            acronym = not shouting and len(raw) >= 2 and raw.isupper()
            lowered = raw.lower()
            if lowered in self.stopwords and not (self.keep_acronyms and acronym):
                return None
            return self._term(lowered, acronym)
        raw = normalize_word(raw)
        if "." in raw:  # dotted acronym: "U.S." -> "us"
            word = raw.replace(".", "")
            acronym = True
        else:
            word = _POSSESSIVE_RE.sub("", raw)
            acronym = not shouting and len(word) >= 2 and word.isupper() and word.isalpha()
        lowered = word.lower().replace("’", "'")
        if lowered in self.stopwords and not (self.keep_acronyms and acronym):
            return None
        lowered = lowered.replace("'", "")
        if not lowered:
            return None
        return self._term(lowered, acronym)

    def _name_terms(self, name: str) -> list[str]:
        """Terms of a name in the aliases file: capitals make an acronym even alone ("IS")."""
        return [t for t in (self.word_term(w) for w in split_words(name)) if t is not None]

    def tokens(self, text: str) -> Iterator[Token]:
        """Yield the index terms of ``text`` with their character spans."""
        # A question typed in capitals should not turn every word into an "acronym".
        shouting = text.isupper()
        text = _MARKUP_RE.sub(lambda m: " " * len(m.group()), text)
        for match in _WORD_RE.finditer(text):
            term = self.word_term(match.group(), shouting)
            if term is not None:
                yield Token(term, match.start(), match.end())

    def __call__(self, text: str) -> list[str]:
        return [token.term for token in self.tokens(text)]

    def term_matches(self, text: str, terms: Container[str]) -> list[tuple[int, int, str]]:
        """``(start, end, term)`` of each token of ``text`` whose term is in ``terms``.

        Exactly :meth:`tokens` filtered, several times faster on the answer path (excerpt
        highlights): each distinct word's term is remembered, and no token object is made.
        """
        if type(self) is not Analyzer:  # a subclass may analyse differently: ask it
            return [(t.start, t.end, t.term) for t in self.tokens(text) if t.term in terms]
        shouting = text.isupper()
        if "<" in text or "http" in text:  # only then can markup be there
            text = _MARKUP_RE.sub(lambda m: " " * len(m.group()), text)
        cache = self._word_cache
        if len(cache) > _WORD_CACHE_SIZE:
            cache.clear()
        found = []
        for match in _WORD_RE.finditer(text):
            key = (match.group(), shouting)
            try:
                term = cache[key]
            except KeyError:
                term = cache[key] = self.word_term(key[0], shouting)
            if term is not None and term in terms:
                found.append((match.start(), match.end(), term))
        return found


_default: Analyzer | None = None


def default_analyzer() -> Analyzer:
    """The project's analyzer, shared (it is stateless apart from its stem cache)."""
    global _default
    if _default is None:
        _default = Analyzer()
    return _default


def analyze_all(texts: Iterable[str], analyzer: Analyzer | None = None) -> list[list[str]]:
    """``[analyzer(t) for t in texts]``, several times faster for many texts.

    (Each distinct word is analysed once; see :class:`FastAnalysis`.)
    """
    analyzer = analyzer or default_analyzer()
    if type(analyzer) is not Analyzer:
        return [analyzer(t) for t in texts]
    fast = FastAnalysis(analyzer)
    return [fast.terms(t) for t in texts]


class FastAnalysis:
    """The analyzer's terms for many texts, computed once per distinct word.

    :class:`Analyzer` turns each match of its word pattern into at most one term, and the
    only context it looks at is whether the whole text is in capitals. No match spans
    whitespace, so a text's terms are those of its whitespace-separated chunks in turn.
    Each distinct chunk ("Iraq,") is therefore analysed once per capitals state, and each
    distinct word in it by asking the analyzer itself, in a probe text with the same
    capitals state.
    """

    def __init__(self, analyzer: Analyzer) -> None:
        self.analyzer = analyzer
        self.vocabulary: dict[str, int] = {}
        # Per capitals state: chunk -> its term ids; word -> term id or -1 (dropped).
        self._chunks: tuple[dict[str, tuple[int, ...]], dict[str, tuple[int, ...]]] = ({}, {})
        self._words: tuple[dict[str, int], dict[str, int]] = ({}, {})
        self._singles: list[tuple[int]] = []  # one shared tuple per term id
        self._names: list[str] = []  # term id -> term

    def word_terms(self) -> dict[str, str]:
        """Every distinct word seen that gave a term, with its term (for spelling)."""
        names = self._names
        return {w: names[i] for memo in self._words for w, i in memo.items() if i >= 0}

    def _probe(self, words: list[str], shouting: bool) -> list[str | None]:
        """The analyzer's term for each word (None: dropped), in one analyzer call."""
        # The last word gives text.isupper() the original text's value.
        probe = " ".join(words) + (" A" if shouting else " a")
        by_start = {token.start: token for token in self.analyzer.tokens(probe)}
        terms: list[str | None] = []
        start = 0
        for word in words:
            token = by_start.get(start)
            terms.append(token.term if token is not None and token.end <= start + len(word) else None)
            start += len(word) + 1
        return terms

    def _fill(self, chunks: list[str], shouting: bool) -> None:
        """Memoise new chunks (in text order, so terms are numbered by first occurrence)."""
        known = self._words[shouting]
        split = [split_words(chunk) for chunk in chunks]
        new = list(dict.fromkeys(w for words in split for w in words if w not in known))
        if new:
            vocabulary, singles = self.vocabulary, self._singles
            for word, term in zip(new, self._probe(new, shouting)):
                if term is None:
                    known[word] = -1
                    continue
                term_id = vocabulary.setdefault(term, len(vocabulary))
                if term_id == len(singles):  # a new term
                    singles.append((term_id,))
                    self._names.append(term)
                known[word] = term_id
        memo = self._chunks[shouting]
        for chunk, words in zip(chunks, split):
            ids = [i for i in map(known.__getitem__, words) if i >= 0]
            memo[chunk] = self._singles[ids[0]] if len(ids) == 1 else tuple(ids)

    def terms(self, text: str) -> list[str]:
        """The analyzer's terms for ``text``, through the memo."""
        shouting = text.isupper()
        memo = self._chunks[shouting]
        chunks = text.split()
        self._fill(list(dict.fromkeys(c for c in chunks if c not in memo)), shouting)
        names = self._names
        return [names[i] for c in chunks for i in memo[c]]

    def agrees(self, texts: Sequence[str]) -> bool:
        """Whether the memoised path gives the analyzer's own terms for ``texts``."""
        return all(self.terms(text) == self.analyzer(text) for text in texts)

    def term_ids(self, texts: Iterable[str]) -> tuple[np.ndarray, np.ndarray]:
        """Concatenated term ids of all texts (first occurrence order) and their counts."""
        ids = array("i")
        lengths = array("q")
        memos = self._chunks
        for text in texts:
            shouting = text.isupper()
            memo = memos[shouting]
            chunks = text.split()
            found = list(map(memo.get, chunks))
            if None in found:
                self._fill(list(dict.fromkeys(c for c, f in zip(chunks, found) if f is None)), shouting)
                found = list(map(memo.__getitem__, chunks))
            before = len(ids)
            ids.extend(chain.from_iterable(found))
            lengths.append(len(ids) - before)
        return packed_term_ids(ids, lengths)
