"""Spelling: a question word the archive does not know, corrected against the archive's words.

Guarantees:

- Only the archive's own words (and the analyzer's stopwords) are ever suggested, so a
  correction always names something the archive can match, or drops a misspelt stopword.
- A real English word is not "corrected" into another one: a word in the English
  frequency list (symspellpy's, installed with it; nothing is downloaded) is replaced only
  by a word at least :data:`PRIOR_RATIO` times as common in English ("minster" ->
  "minister", but never "control" -> "central"). A word English does not know (a misspelt
  name: "bagdad") is corrected to the nearest archive word.
- A word shorter than :data:`MIN_LENGTH` (but see stopwords), or with a digit in it, is
  never corrected.
- The allowed distance grows with the word (one edit up to 7 letters, two from 8); an
  edit is an insertion, deletion, substitution or swap of neighbours (OSA distance).
- Among equally near words the most frequent in the archive wins, then the first in
  alphabetical order, so a correction does not depend on the order words were seen in.
- A word English does not know, with no archive word near it, may be a name cut short
  ("poch" for "Pochettino"): it becomes the archive's most frequent word that starts with
  it and is at least :data:`MIN_COMPLETION` letters longer (a word of at least
  :data:`MIN_LENGTH` letters only).
- A word with no archive word near it that starts with an archive word of at least
  :data:`MIN_ROOT` letters and :data:`ROOT_SHARE` of its own is a derived form of it
  ("threatens" -> "threat", "presidential" -> "president", "hospitalised" -> "hospital"):
  the stemmer joins inflections, not derivations. This applies to English words too.
"""

from __future__ import annotations

import bisect
import importlib.util
import logging
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

import numpy as np
from rapidfuzz.distance import OSA
from rapidfuzz.process import extract

from retrieval.text.analyzer import _POSSESSIVE_RE, split_words
from retrieval.text.normalize import normalize_word
from retrieval.text.once import once

log = logging.getLogger(__name__)

MIN_LENGTH = 4
# A misspelt stopword ("whos", "teh") is dropped rather than searched; these are short.
MIN_STOPWORD_TYPO_LENGTH = 3


# A derived form is searched as the archive word it starts with when that word has at
# least this many letters and this share of the form's.
MIN_ROOT = 5
ROOT_SHARE = 0.6
# A cut-short name must be this many letters shorter than the archive word it completes.
MIN_COMPLETION = 3

# How much more common in English a correction must be than a real word it replaces.
PRIOR_RATIO = 50
_ENGLISH_LIST = "frequency_dictionary_en_82_765.txt"


def max_edits(word: str) -> int:
    return 1 if len(word) <= 7 else 2


@once  # read once, though questions and the warm-up may ask together
def english_frequencies() -> dict[str, int]:
    """Word -> frequency in English text (symspellpy's list, read once); {} if missing."""
    spec = importlib.util.find_spec("symspellpy")
    folders = list(spec.submodule_search_locations or []) if spec else []
    for folder in folders:
        path = Path(folder) / _ENGLISH_LIST
        if path.is_file():
            pairs = (line.split() for line in path.read_text(encoding="utf-8").splitlines())
            return {p[0]: int(p[1]) for p in pairs if len(p) == 2 and p[1].isdigit()}
    log.warning("symspellpy's English word list is missing; spelling treats every word as unknown to English")
    return {}


class Speller:
    """Corrects lowercase words against a vocabulary of word -> frequency.

    Candidates come from an index of letter pairs: a word within ``d`` edits of another
    shares all but at most ``3 d`` of its letter pairs with it (an edit changes at most
    two pairs, a swap three), so only words sharing enough pairs are compared.
    """

    def __init__(
        self,
        frequencies: Mapping[str, int],
        stopwords: Iterable[str] = (),
        english: Mapping[str, int] | None = None,
    ) -> None:
        self._frequencies = dict(frequencies)
        self._english = english_frequencies() if english is None else english
        # Per word length: the words, and letter pair -> positions of the words holding it.
        self._words: dict[int, list[str]] = {}
        for word in sorted(self._frequencies):
            self._words.setdefault(len(word), []).append(word)
        self._pairs: dict[int, dict[str, np.ndarray]] = {}
        for length, words in self._words.items():
            pairs: dict[str, list[int]] = {}
            for number, word in enumerate(words):
                for pair in _pairs(word):
                    pairs.setdefault(pair, []).append(number)
            self._pairs[length] = {pair: np.array(ids, dtype=np.int32) for pair, ids in pairs.items()}
        # The same words as arrays: picking a thousand candidates by mask is then one step.
        self._word_arrays = {length: np.array(words, dtype=object) for length, words in self._words.items()}
        self._stopwords = sorted(w for w in set(stopwords) if w.isalpha())
        self._sorted = sorted(self._frequencies)

    def __len__(self) -> int:
        return len(self._frequencies)

    def knows(self, word: str) -> bool:
        return word in self._frequencies

    def correct(self, word: str, name: bool = False) -> str | None:
        """The archive word ``word`` was most likely meant to be, or None (leave it).

        ``name``: the word was written with a capital inside a sentence, so it is
        corrected only if English does not know it either ("Bagdad", not "Wade").
        """
        if word in self._frequencies or any(c.isdigit() for c in word):
            return None
        english = self._english.get(word, 0)
        if name and english:
            return None
        if len(word) < MIN_LENGTH:
            if len(word) < MIN_STOPWORD_TYPO_LENGTH or english:
                return None
            return self._stopword_for(word)
        # A real word must be beaten by a much more common one.
        floor = english * PRIOR_RATIO
        edits = max_edits(word)
        best: tuple[int, bool, int, str] | None = None
        for candidate, distance, _ in extract(
            word, self._candidates(word, edits), scorer=OSA.distance, score_cutoff=edits, limit=None
        ):
            if floor and self._english.get(candidate, 0) < floor:
                continue
            # People rarely mistype a word's first letter: at the same distance, a word that
            # keeps it comes before a more common one that does not ("troups": troops, not groups).
            key = (distance, candidate[0] != word[0], -self._frequencies[candidate], candidate)
            if best is None or key < best:
                best = key
        if best is not None:
            return best[3]
        if english:
            return self._root(word)
        return self._stopword_for(word) or self._completion(word) or self._root(word)

    def _root(self, word: str) -> str | None:
        """The longest archive word ``word`` starts with, if long enough to be its root
        ("threatens" -> "threat", "presidential" -> "president"), or None."""
        shortest = max(MIN_ROOT, int(len(word) * ROOT_SHARE))
        for end in range(len(word) - 1, shortest - 1, -1):
            if word[:end] in self._frequencies:
                return word[:end]
        return None

    def _completion(self, word: str) -> str | None:
        """The most frequent archive word that ``word`` starts (a name cut short), or None."""
        words = self._sorted
        best: tuple[int, str] | None = None
        # By index from the first word at or after ``word`` (islice would step over all before it).
        for at in range(bisect.bisect_left(words, word), len(words)):
            candidate = words[at]
            if not candidate.startswith(word):
                break
            if len(candidate) - len(word) >= MIN_COMPLETION:
                key = (-self._frequencies[candidate], candidate)
                best = key if best is None or key < best else best
        return best[1] if best else None

    def _candidates(self, word: str, edits: int) -> list[str]:
        """Archive words that may be within ``edits`` of ``word`` (by shared letter pairs)."""
        found: list[str] = []
        needed = len(word) + 1 - 3 * edits
        mine = _pairs(word)
        for length in range(len(word) - edits, len(word) + edits + 1):
            words = self._words.get(length)
            if not words:
                continue
            if needed <= 0:
                found.extend(words)
                continue
            index = self._pairs[length]
            postings = [index[p] for p in mine if p in index]
            if postings:
                shared = np.bincount(np.concatenate(postings), minlength=len(words))
                found.extend(self._word_arrays[length][shared >= needed].tolist())
        return found

    def _stopword_for(self, word: str) -> str | None:
        """A stopword one edit away from a word English does not know ("whos"), or None.

        (Every stopword is very common, so a real word such as "land" or "pot" would
        always lose to one: those are left alone.)
        """
        found = extract(word, self._stopwords, scorer=OSA.distance, score_cutoff=1, limit=None)
        return min(found, key=lambda f: (f[1], f[0]))[0] if found else None


def _pairs(word: str) -> set[str]:
    """The letter pairs of ``word`` with its start and end marked ("^a", ..., "z$")."""
    padded = f"^{word}$"
    return {padded[i : i + 2] for i in range(len(padded) - 1)}


def spelling_word(raw: str, stopwords: frozenset[str]) -> str | None:
    """A word as spelling knows it (normalised, lowercase, no possessive), or None if never suggested."""
    word = _POSSESSIVE_RE.sub("", normalize_word(raw)).lower().replace("’", "'")
    return word if word.isalpha() and word not in stopwords else None


def vocabulary_from_terms(
    word_terms: Mapping[str, str], frequency: Callable[[str], int], stopwords: frozenset[str]
) -> dict[str, int]:
    """Spelling's words from the words an analysis saw, each as frequent as its term."""
    words: dict[str, int] = {}
    for raw, term in word_terms.items():
        word = spelling_word(raw, stopwords)
        if word is not None:
            words[word] = max(words.get(word, 0), frequency(term))
    return words


def archive_words(texts: Iterable[str], stopwords: frozenset[str]) -> Counter[str]:
    """How often each word (lowercase, normalised, no possessive) occurs in ``texts``.

    Stopwords and words with digits or dots are left out: they are never suggested.
    """
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(split_words(text))
    words: Counter[str] = Counter()
    for raw, count in counts.items():
        word = spelling_word(raw, stopwords)
        if word is not None:
            words[word] += count
    return words
