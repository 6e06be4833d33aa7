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
from collections.abc import Mapping
from functools import lru_cache
from importlib import metadata

log = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def lemmatizer_id() -> str:
    """Which dictionary maps the forms (part of a saved index's identity)."""
    return f"lemminflect {metadata.version('lemminflect')}"


def irregular_lemma(word: str) -> str | None:
    """The single dictionary lemma of a lowercase ``word``, or None (keep the word)."""
    tables = _tables()
    if tables is None or word != word.lower():
        return dictionary_lemma(word)
    # lemminflect's own lookup, read in place: it would copy the entries on every call.
    entry, override = tables[0].get(word), tables[1].get(word)
    if entry is None and override is None:
        return None  # no entry, no lemma (most words a question or an excerpt meets)
    merged = {**(entry or {}), **(override or {})}
    return _only_lemma(word, {form.lower() for forms in merged.values() for form in _forms(forms)})


def dictionary_lemma(word: str) -> str | None:
    """:func:`irregular_lemma` through lemminflect's public lookup (for any word)."""
    from lemminflect import getAllLemmas  # its 200 ms import only when analysis needs it

    return _only_lemma(word, {lemma for forms in getAllLemmas(word).values() for lemma in forms})


def _only_lemma(word: str, lemmas: set[str]) -> str | None:
    if len(lemmas) != 1 or word in lemmas:
        return None
    (lemma,) = lemmas
    return lemma if lemma.isalpha() and lemma.islower() else None


def _forms(forms: str | list[str] | tuple[str, ...]) -> tuple[str, ...] | list[str]:
    return forms if isinstance(forms, (list, tuple)) else (forms,)


@lru_cache(maxsize=1)
def _tables() -> tuple[Mapping[str, dict], Mapping[str, dict]] | None:
    """lemminflect's lemma dictionary and its overrides (word -> part of speech -> lemmas): what
    ``getAllLemmas`` merges, then copies and puts in the word's capitals (a lowercase word's: lowercase)."""
    from lemminflect import Lemmatizer

    lemmatizer = Lemmatizer()
    try:
        return lemmatizer._getLemmaDict(), lemmatizer._getOverridesDict()
    except AttributeError:  # a lemminflect laid out otherwise: its public lookup for every word
        log.warning("lemminflect %s has no lemma tables where expected; lemmas are looked up one by one", lemmatizer_id())
        return None
