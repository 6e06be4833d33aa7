"""Question understanding: the terms a question searches for, and the words shown for them.

On top of the analyzer (which treats questions and passages alike), a question gets:

0. Chat shorthand in words ("ppl" -> "people", "w/o" -> "without"; fillers such as "rn"
   dropped): :mod:`retrieval.text.shorthand`, lowercase words only. Text emoticons standing
   alone (":D", "xD", "<3") are dropped; "´" or "`" between letters is an apostrophe.
1. Lowercase acronyms where context shows them: "the us", "us troops", "is fighters",
   "anti-is" (a question all in capitals is read in lowercase first). Only acronyms of the
   aliases file whose lowercase is a stopword are concerned (US, IS); elsewhere lowercase
   "us" and "is" stay the everyday words.
2. Spelling: a word the archive does not know is corrected against the archive's own
   words (:mod:`retrieval.text.spelling`); a misspelt stopword ("wat") is dropped.
3. Names of several words from the aliases file ("Islamic State", "air strikes") become
   their group's term, so they meet every other name of the group.

Guarantees: :attr:`Query.terms` are analyzer terms, in question order, so they meet the
index; :attr:`Query.searched_for` lists the words searched (lowercase, corrected, names of
several words kept whole), in order, without repeats; nothing here reads files or the
network, and a question with nothing to correct costs one analysis.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass

from retrieval.text.aliases import Aliases
from retrieval.text.analyzer import _WORD_RE, Analyzer, Token
from retrieval.text.normalize import normalize_word
from retrieval.text.shorthand import expand, load_shorthand
from retrieval.text.spelling import Speller

log = logging.getLogger(__name__)

# A text emoticon standing alone (":D", ":-P", "xD", "<3"): its letters are no words to
# search, and one the archive lacks would refuse the question.
_EMOTICON_RE = re.compile(r"(?<!\S)(?:[:;=][-'^]?[DdPpOo3]|[xX][Dd]|<3+)(?![^\s.,!?])")

# An apostrophe typed as an accent or a backtick between letters ("Iran´s", "Iran`s"), as
# some keyboards give it: read as the apostrophe, so no stray "s" is searched.
_APOSTROPHE_RE = re.compile(r"(?<=[^\W\d_])[´`](?=[^\W\d_])")

# Words around a lowercase "us"/"is" that show it names a country or group: after
# "the" ("the us"), or before a noun such acronyms qualify ("us troops", "is fighters").
_ACRONYM_BEFORE = frozenset({"the"})
_ACRONYM_AFTER = frozenset(
    """
    troops soldiers forces military army navy marines government officials official
    president administration embassy envoy diplomats diplomat congress senate
    intelligence airstrikes airstrike strikes bombing bombings jets drones coalition
    allies citizens hostages militants fighters jihadists insurgents extremists rebels
    group leader leaders commander commanders territory stronghold strongholds
    offensive advance attacks
    """.split()
)


@dataclass(frozen=True)
class Query:
    """What a question searches for."""

    question: str
    # The question as searched: lowercase acronyms in capitals, spelling corrected.
    text: str
    terms: tuple[str, ...]
    # The words searched, as shown to the user ("minister", "baghdad").
    searched_for: tuple[str, ...]
    # (typed, searched instead): spelling corrections made; "" searched means dropped.
    corrections: tuple[tuple[str, str], ...] = ()
    # Words whose terms no passage contains (after correction).
    unknown: tuple[str, ...] = ()
    # Each word's own term with the word (an alias phrase's group term has none: it is
    # weighed by its words').
    term_words: tuple[tuple[str, str], ...] = ()


def stopword_acronyms(analyzer: Analyzer) -> frozenset[str]:
    """Lowercase forms of the aliases' acronyms that are also stopwords ("us", "is")."""
    try:
        return _stopword_acronyms(analyzer.aliases, analyzer.stopwords)
    except TypeError:  # groups or stopwords given as lists or sets: not remembered
        return _stopword_acronyms.__wrapped__(analyzer.aliases, analyzer.stopwords)


@functools.lru_cache(maxsize=16)
def _stopword_acronyms(aliases: Aliases, stopwords: frozenset[str]) -> frozenset[str]:
    # Remembered: every question asks, and the groups do not change.
    return frozenset(
        name.lower()
        for group in aliases.groups
        for name in group
        if name.isalpha() and name.isupper() and name.lower() in stopwords
    )


def mark_acronyms(question: str, acronyms: frozenset[str]) -> str:
    """``question`` with lowercase acronyms that context shows written in capitals.

    Same length as ``question``, so spans stay put.
    """
    if not acronyms:
        return question
    matches = list(_WORD_RE.finditer(question))
    # Only exactly lowercase "us", "is" can change: a question without them needs nothing more.
    hits = [i for i, match in enumerate(matches) if match.group() in acronyms]
    if not hits:
        return question
    words = [normalize_word(m.group()).lower() for m in matches]
    text = list(question)
    for i in hits:
        match = matches[i]
        before = words[i - 1] if i else ""
        after = words[i + 1] if i + 1 < len(words) else ""
        # "us-led", "anti-is": joined by a hyphen, the word is a name, not a pronoun or verb.
        hyphened = "-" in (question[match.end() : match.end() + 1], question[match.start() - 1 : match.start()])
        if before in _ACRONYM_BEFORE or after in _ACRONYM_AFTER or hyphened:
            text[match.start() : match.end()] = match.group().upper()
    return "".join(text)


def understand(
    question: str,
    analyzer: Analyzer,
    known: Callable[[str], bool],
    speller: Callable[[], Speller] | None = None,
) -> Query:
    """The :class:`Query` for ``question``.

    ``known(term)`` says whether any passage holds a term; ``speller()`` gives the
    archive's speller, asked for only when a word is unknown (it may be built lazily).
    """
    # A question all in capitals marks nothing with them (the analyzer reads no acronym
    # there either): read it in lowercase, so typos are corrected, shorthand expanded and
    # "THE US" found by context as "the us" is.
    typed = question.lower() if question.isupper() else question
    typed = _APOSTROPHE_RE.sub("’", _EMOTICON_RE.sub(lambda m: " " * len(m.group()), typed))
    text = mark_acronyms(expand(typed, load_shorthand()), stopword_acronyms(analyzer))
    tokens = list(analyzer.tokens(text))
    corrections: list[tuple[str, str]] = []
    unknown = [t for t in tokens if not known(t.term)]
    if unknown and speller is not None:
        text, corrections = _correct(text, unknown, speller(), analyzer.stopwords)
        if corrections:
            tokens = list(analyzer.tokens(text))
    terms, shown, words = _merge_phrases(text, tokens, analyzer)
    # A word (or name of several words) is missing when none of its terms is known.
    found = {word for term, word in zip(terms, words) if known(term)}
    missing = tuple(dict.fromkeys(word for word in words if word not in found))
    pairs = tuple((t.term, _surface(text, t.start, t.end)) for t in tokens)
    return Query(question, text, tuple(terms), tuple(dict.fromkeys(shown)), tuple(corrections), missing, pairs)


def _correct(
    text: str, unknown: list[Token], speller: Speller, stopwords: frozenset[str]
) -> tuple[str, list[tuple[str, str]]]:
    """``text`` with unknown words replaced by their corrections (last first, spans hold)."""
    corrections: list[tuple[str, str]] = []
    first = _WORD_RE.search(text).start()  # there is a word: ``unknown`` holds one
    for token in reversed(unknown):
        typed = normalize_word(text[token.start : token.end])
        if typed.isupper() and len(typed) > 1:
            continue  # an acronym the archive lacks is not a typo
        # A capital after the first word marks a name ("Wade"): one English knows is no typo.
        name = typed[:1].isupper() and token.start > first
        fixed = speller.correct(typed.lower(), name=name)
        if fixed is None:
            continue
        corrections.append((typed, "" if fixed in stopwords else fixed))
        text = text[: token.start] + fixed + text[token.end :]
    corrections.reverse()
    return text, corrections


def _merge_phrases(text: str, tokens: list[Token], analyzer: Analyzer) -> tuple[list[str], list[str], list[str]]:
    """Terms with alias phrases merged into their group's term, the words shown, and for
    each term the words it stands for (a phrase for its group's term and each of its words'
    terms)."""
    phrases = analyzer.compiled_aliases.phrases
    longest = analyzer.compiled_aliases.longest_phrase
    terms: list[str] = []
    shown: list[str] = []
    words: list[str] = []
    i = 0
    while i < len(tokens):
        for size in range(min(longest, len(tokens) - i), 1, -1):
            group_term = phrases.get(tuple(t.term for t in tokens[i : i + size]))
            if group_term is not None:
                # The group's term meets its other names; the phrase's own words still
                # meet articles that spell the name out (those are not mapped).
                phrase = _surface(text, tokens[i].start, tokens[i + size - 1].end)
                terms.append(group_term)
                words.append(phrase)
                for t in tokens[i : i + size]:
                    if t.term != group_term:
                        terms.append(t.term)
                        words.append(phrase)
                shown.append(phrase)
                i += size
                break
        else:
            word = _surface(text, tokens[i].start, tokens[i].end)
            terms.append(tokens[i].term)
            shown.append(word)
            words.append(word)
            i += 1
    return terms, shown, words


def _surface(text: str, start: int, end: int) -> str:
    return " ".join(re.sub(r"['’]s$", "", normalize_word(w)).lower() for w in text[start:end].split())
