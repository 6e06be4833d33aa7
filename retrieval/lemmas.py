"""Irregular word forms to their dictionary form ("sent" -> "send"), beside the stemmer.

The Snowball stemmer strips regular endings ("troops", "fighting") but cannot know that
"sent" is "send", "fled" is "flee" or "men" is "man". :func:`irregular_lemma` gives the
lemma from lemminflect's dictionary (installed with its data; nothing is downloaded).

Guarantees: a word is mapped only when the dictionary is certain: it is never its own
lemma under any part of speech ("left" stays, it is also an adjective; "found" stays, it is
also a verb) and every part of speech gives the same lemma. Unknown words (names) and
ordinary regular forms are left alone, so the stemmer's terms for them are unchanged.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import lru_cache
from importlib import metadata

log = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def lemmatizer_id() -> str:
    """Which dictionary maps the forms (part of a saved index's identity)."""
    return f"lemminflect {metadata.version('lemminflect')}"


def irregular_lemma(word: str) -> str | None:
    """The single dictionary lemma of a lowercase ``word``, or None (keep the word)."""
    if not _listed()(word.lower()):
        return None  # no entry, no lemma (most words a question or an excerpt meets)
    return dictionary_lemma(word)


def dictionary_lemma(word: str) -> str | None:
    """:func:`irregular_lemma` asked of lemminflect for any word (which copies its entry)."""
    from lemminflect import getAllLemmas  # its 200 ms import only when analysis needs it

    lemmas = {lemma for forms in getAllLemmas(word).values() for lemma in forms}
    if len(lemmas) != 1 or word in lemmas:
        return None
    (lemma,) = lemmas
    return lemma if lemma.isalpha() and lemma.islower() else None


@lru_cache(maxsize=1)
def _listed() -> Callable[[str], bool]:
    """Whether lemminflect has an entry for a lowercase word: its lemmas are its dictionary's
    and its overrides' entries for the word, so a word in neither has none."""
    from lemminflect import Lemmatizer

    lemmatizer = Lemmatizer()
    try:
        tables = (lemmatizer._getLemmaDict(), lemmatizer._getOverridesDict())
    except AttributeError:  # a lemminflect laid out otherwise: ask it about every word
        log.warning("lemminflect %s has no lemma tables where expected; lemmas are looked up one by one", lemmatizer_id())
        return lambda word: True
    return lambda word: word in tables[0] or word in tables[1]
